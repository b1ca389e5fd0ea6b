"""The GraphQL timeout over stand-in ASGI apps: slow ones are cut, fast or responding ones not."""

from __future__ import annotations

import asyncio

import httpx
from starlette.types import Receive, Scope, Send

from interestgraph.api.metrics import ApiMetrics
from interestgraph.api.timeout import GraphQLTimeout

BODY = b'{"data": {"ok": true}}'


def _app(*, before_start_s: float, before_body_s: float = 0.0) -> tuple[GraphQLTimeout, list[bool]]:
    """A GraphQL stand-in that waits, starts its response, waits again and sends the body;
    wrapped in a 0.2 s timeout, with a list that records its cancellation."""
    cancelled: list[bool] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await asyncio.sleep(before_start_s)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await asyncio.sleep(before_body_s)
        await send({"type": "http.response.body", "body": BODY})

    return GraphQLTimeout(app, timeout_s=0.2), cancelled


def _post(app: GraphQLTimeout, metrics: ApiMetrics) -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            with metrics.collecting():
                return await client.post("/graphql", json={"query": "{ ok }"})

    return asyncio.run(send())


def _timeouts(metrics: ApiMetrics) -> float | None:
    name = "interestgraph_graphql_errors_total"
    return metrics.registry.get_sample_value(name, {"code": "TIMEOUT"})


def test_a_slow_request_is_cancelled_and_answered_with_timeout() -> None:
    metrics = ApiMetrics()
    app, cancelled = _app(before_start_s=5.0)

    response = _post(app, metrics)

    assert response.status_code == 504
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "the request took longer than 0.2 s and was stopped; "
                "ask for less or try again",
                "extensions": {"code": "TIMEOUT"},
            }
        ],
    }
    assert cancelled == [True]
    assert _timeouts(metrics) == 1


def test_a_fast_request_passes_untouched() -> None:
    metrics = ApiMetrics()

    app, _ = _app(before_start_s=0.0)

    response = _post(app, metrics)

    assert (response.status_code, response.content) == (200, BODY)
    assert _timeouts(metrics) is None


def test_a_response_already_started_is_left_to_finish() -> None:
    metrics = ApiMetrics()

    app, cancelled = _app(before_start_s=0.0, before_body_s=0.5)

    response = _post(app, metrics)

    assert (response.status_code, response.content) == (200, BODY)
    assert not cancelled
    assert _timeouts(metrics) is None
