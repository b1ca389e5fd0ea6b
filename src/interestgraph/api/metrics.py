"""Prometheus metrics of one app: requests, latency and GraphQL errors by code.

Each app owns its registry, so several apps in one process (tests) count apart. Code deep in a
request (the GraphQL error extension, the timeout) counts through ``count_graphql_errors``, which
finds the serving app's metrics in a context variable the request middleware sets.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from graphql import GraphQLError
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response

# 1 ms to 10 s: a cached item lookup to a request the timeout is about to cut.
LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNKNOWN_CODE = "INTERNAL"


class ApiMetrics:
    """The app's registry and the metrics the request middleware and GraphQL layer record."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.requests = Counter(
            "interestgraph_http_requests",
            "HTTP requests answered, by route, method and status.",
            ["path", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "interestgraph_http_request_duration_seconds",
            "Time from receiving a request to sending the end of its response.",
            ["path", "method"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.graphql_errors = Counter(
            "interestgraph_graphql_errors",
            "Errors in GraphQL responses, by extensions.code.",
            ["code"],
            registry=self.registry,
        )

    def observe_request(self, *, path: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(path=path, method=method, status=str(status)).inc()
        self.latency.labels(path=path, method=method).observe(seconds)

    async def endpoint(self, request: Request) -> Response:
        """``/metrics``: the registry in Prometheus's text exposition format."""
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

    @contextmanager
    def collecting(self) -> Iterator[None]:
        """Make these the metrics ``count_graphql_errors`` records into, for one request."""
        token = _current.set(self)
        try:
            yield
        finally:
            _current.reset(token)


_current: ContextVar[ApiMetrics | None] = ContextVar("api_metrics", default=None)


def count_graphql_errors(errors: Iterable[GraphQLError]) -> None:
    """Count each error under its ``extensions.code``; outside a served request, do nothing."""
    metrics = _current.get()
    if metrics is None:
        return
    for error in errors:
        code = (error.extensions or {}).get("code", UNKNOWN_CODE)
        metrics.graphql_errors.labels(code=str(code)).inc()
