"""Request ids, one log line and the metrics of every HTTP request, as pure ASGI middleware.

Pure ASGI rather than Starlette's ``BaseHTTPMiddleware``: the app runs in the middleware's own
task, so the request id and metrics it sets in context variables reach every resolver and log
record, and the response passes through untouched but for one header.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interestgraph.api.logs import request_id_var
from interestgraph.api.metrics import ApiMetrics

REQUEST_ID_HEADER = "x-request-id"
# What a caller's id must look like to be kept: a uuid, a trace id, a short token; not free text.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_PATH = "unmatched"
# A GraphQL body is read for its operation name only up to this size (queries are small).
MAX_PEEK_BYTES = 64 * 1024
MAX_OPERATION_NAME = 100

logger = logging.getLogger("interestgraph.api.requests")


class ObservabilityMiddleware:
    """Gives each HTTP request an id, logs it as one line when it ends and records its metrics.

    The id is the caller's ``X-Request-ID`` when that is a sane short token (so one id follows a
    request through a gateway), else a new uuid4 hex; it is sent back in ``X-Request-ID``.
    Metrics are labelled by route template, never by raw path, so scanners cannot grow them.
    """

    def __init__(self, app: ASGIApp, *, metrics: ApiMetrics, graphql_path: str) -> None:
        self.app = app
        self.metrics = metrics
        self.graphql_path = graphql_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(Headers(scope=scope).get(REQUEST_ID_HEADER))
        status = 500  # unless the app starts a response
        body = bytearray()
        peek = scope["path"] == self.graphql_path and scope["method"] == "POST"

        async def receive_peeking() -> Message:
            message = await receive()
            chunk = message.get("body", b"")
            if message["type"] == "http.request" and len(body) + len(chunk) <= MAX_PEEK_BYTES:
                body.extend(chunk)
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            with self.metrics.collecting():
                await self.app(scope, receive_peeking if peek else receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "OTHER"
            route = getattr(scope.get("route"), "path", UNMATCHED_PATH)
            self.metrics.observe_request(path=route, method=method, status=status, seconds=seconds)
            fields: dict[str, object] = {
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            }
            operation = _operation_name(bytes(body)) if peek else None
            if operation is not None:
                fields["operation"] = operation
            logger.info("%s %s %s", scope["method"], scope["path"], status, extra=fields)
            request_id_var.reset(token)


def _request_id(incoming: str | None) -> str:
    """The caller's id when it is a sane token, else a fresh one."""
    if incoming is not None and SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def _operation_name(body: bytes) -> str | None:
    """``operationName`` of a JSON GraphQL body, when it has one (else None, never an error)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    name = payload.get("operationName") if isinstance(payload, dict) else None
    return name[:MAX_OPERATION_NAME] if isinstance(name, str) and name else None
