"""Request ids, JSON log lines and request metrics of the middleware, over a tiny in-process app."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from interestgraph.api.logs import JsonFormatter, RequestIdFilter, request_id_var
from interestgraph.api.metrics import ApiMetrics
from interestgraph.api.observability import ObservabilityMiddleware
from live_server import JsonLogLines, json_log_lines

inner = logging.getLogger("interestgraph.api.test")


async def graphql(request: Request) -> JSONResponse:
    await request.body()  # the middleware sees the body as the app reads it
    inner.warning("resolving")  # a record made inside the request, like log_errors'
    return JSONResponse({"data": {"ok": True}})


async def broken(request: Request) -> JSONResponse:
    raise RuntimeError("bug")


def _app(metrics: ApiMetrics) -> Starlette:
    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/broken", broken),
        ],
        middleware=[Middleware(ObservabilityMiddleware, metrics=metrics, graphql_path="/graphql")],
    )


def _request(metrics: ApiMetrics, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=_app(metrics), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(send())


@pytest.fixture
def logs() -> Any:
    with json_log_lines() as lines:
        yield lines


@pytest.mark.parametrize("incoming", ["3f2a9c1e-77b0-4c1e-9d2e-0a1b2c3d4e5f", "gw.trace_42"])
def test_a_sane_request_id_is_kept_and_returned(incoming: str) -> None:
    response = _request(ApiMetrics(), "GET", "/graphql", headers={"X-Request-ID": incoming})

    assert response.headers["X-Request-ID"] == incoming


@pytest.mark.parametrize("incoming", [None, "", "has spaces", "x" * 65, "a\tb", "../etc"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_fresh_one(incoming: str | None) -> None:
    headers = {} if incoming is None else {"X-Request-ID": incoming}

    first = _request(ApiMetrics(), "GET", "/graphql", headers=headers)
    second = _request(ApiMetrics(), "GET", "/graphql", headers=headers)

    for response in (first, second):
        generated = response.headers["X-Request-ID"]
        assert len(generated) == 32 and int(generated, 16) >= 0
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_each_request_is_one_json_line_with_its_id_and_operation(logs: JsonLogLines) -> None:
    body = {"query": "query Probe { ok }", "operationName": "Probe"}

    response = _request(
        ApiMetrics(), "POST", "/graphql", json=body, headers={"X-Request-ID": "req-1"}
    )

    assert response.status_code == 200
    requests = [line for line in logs.lines if line["logger"] == "interestgraph.api.requests"]
    assert len(requests) == 1
    line = requests[0]
    assert line["request_id"] == "req-1"
    assert line["msg"] == "POST /graphql 200"
    assert {k: line[k] for k in ("level", "method", "path", "status", "operation")} == {
        "level": "INFO",
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "operation": "Probe",
    }
    assert line["duration_ms"] >= 0
    assert line["ts"].endswith("+00:00")
    # A record written while the request ran carries the same id, passed by no one.
    (resolving,) = [line for line in logs.lines if line["msg"] == "resolving"]
    assert resolving["request_id"] == "req-1"
    assert request_id_var.get() is None  # and the id does not outlive its request


@pytest.mark.parametrize(
    "content",
    [b'{"query": "{ ok }"}', b"not json", b'["a", "batch"]', b'{"operationName": 7}'],
)
def test_a_body_without_an_operation_name_logs_none(logs: JsonLogLines, content: bytes) -> None:
    _request(ApiMetrics(), "POST", "/graphql", content=content)

    (line,) = [line for line in logs.lines if line["logger"] == "interestgraph.api.requests"]
    assert "operation" not in line


def test_requests_are_counted_by_route_and_status(logs: JsonLogLines) -> None:
    metrics = ApiMetrics()

    for path in ("/graphql", "/graphql", "/nope/1", "/nope/2", "/broken"):
        _request(metrics, "GET", path)

    def count(path: str, status: str) -> float | None:
        labels = {"path": path, "method": "GET", "status": status}
        return metrics.registry.get_sample_value("interestgraph_http_requests_total", labels)

    assert count("/graphql", "200") == 2
    assert count("unmatched", "404") == 2  # raw paths never become labels
    assert count("/broken", "500") == 1
    (broken_line,) = [line for line in logs.lines if line.get("path") == "/broken"]
    assert broken_line["status"] == 500


def test_the_formatter_writes_extras_and_exceptions_as_json() -> None:
    record = logging.makeLogRecord({"msg": "failed %s", "args": ("x",), "levelname": "ERROR"})
    record.status = 503
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    RequestIdFilter().filter(record)

    line = json.loads(JsonFormatter().format(record))

    assert line["msg"] == "failed x"
    assert line["status"] == 503
    assert line["request_id"] is None
    assert "ValueError: boom" in line["exc"]
