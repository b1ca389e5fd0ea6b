"""The real app under uvicorn, against the test Neo4j: request ids, log lines, metrics, probes and
the GraphQL timeout, seen over HTTP as an operator sees them."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

import interestgraph.api.app as app_module
from interestgraph.api.app import create_app
from interestgraph.config import Settings
from interestgraph.db.connection import connect
from live_server import JsonLogLines, json_log_lines, live_server
from recording_driver import RecordingDriver

pytestmark = pytest.mark.e2e

MISSING_ITEM = 'query Probe { item(id: "no-such-item") { id } }'


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings) -> Iterator[httpx.Client]:
    with live_server(create_app(neo4j_settings)) as client:
        yield client


@pytest.fixture
def logs() -> Iterator[JsonLogLines]:
    with json_log_lines() as lines:
        yield lines


def _samples(client: httpx.Client) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_request_id_is_echoed_or_generated(client: httpx.Client) -> None:
    echoed = client.post(
        "/graphql", json={"query": MISSING_ITEM}, headers={"X-Request-ID": "client-7"}
    )
    generated = client.post("/graphql", json={"query": MISSING_ITEM})

    assert echoed.headers["X-Request-ID"] == "client-7"
    assert len(generated.headers["X-Request-ID"]) == 32


def test_each_request_logs_one_json_line_with_its_id(
    client: httpx.Client, logs: JsonLogLines
) -> None:
    body = {"query": MISSING_ITEM, "operationName": "Probe"}

    response = client.post("/graphql", json=body, headers={"X-Request-ID": "client-8"})

    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    (line,) = logs.wait_for(lambda line: line["logger"] == "interestgraph.api.requests")
    assert line["request_id"] == "client-8"
    assert (line["method"], line["path"], line["status"]) == ("POST", "/graphql", 200)
    assert line["operation"] == "Probe"
    assert isinstance(line["duration_ms"], float)


def test_metrics_count_requests_latency_and_error_codes(client: httpx.Client) -> None:
    before = _samples(client)
    for _ in range(3):
        client.post("/graphql", json={"query": MISSING_ITEM})
    client.get("/healthz")

    after = _samples(client)

    def delta(name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0.0) - before.get(key, 0.0)

    graphql = {"path": "/graphql", "method": "POST"}
    assert delta("interestgraph_http_requests_total", **graphql, status="200") == 3
    assert delta("interestgraph_http_requests_total", path="/healthz", method="GET", status="200")
    assert delta("interestgraph_http_request_duration_seconds_count", **graphql) == 3
    assert delta("interestgraph_http_request_duration_seconds_bucket", **graphql, le="+Inf") == 3
    assert delta("interestgraph_graphql_errors_total", code="NOT_FOUND") == 3


def test_probes_while_neo4j_answers(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


def test_a_request_past_the_timeout_is_answered_with_timeout(
    neo4j_settings: Settings, monkeypatch: pytest.MonkeyPatch, logs: JsonLogLines
) -> None:
    settings = neo4j_settings.model_copy(update={"api_request_timeout_s": 0.3})

    def slow_connect(s: Settings, **options: float) -> RecordingDriver:
        """The app's driver with every query 2 s late, like an overloaded Neo4j."""
        return RecordingDriver(connect(s, **options), delay_s=2.0)

    monkeypatch.setattr(app_module, "connect", slow_connect)

    with live_server(create_app(settings)) as slow:
        started = time.monotonic()
        response = slow.post("/graphql", json={"query": MISSING_ITEM})
        elapsed = time.monotonic() - started
        samples = _samples(slow)

    assert response.status_code == 504
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "the request took longer than 0.3 s and was stopped; "
                "ask for less or try again",
                "extensions": {"code": "TIMEOUT"},
            }
        ],
    }
    assert elapsed < 1.5
    errors = ("interestgraph_graphql_errors_total", frozenset({("code", "TIMEOUT")}))
    assert samples[errors] == 1
    status = frozenset({("path", "/graphql"), ("method", "POST"), ("status", "504")})
    assert samples[("interestgraph_http_requests_total", status)] == 1
    request_id = response.headers["X-Request-ID"]
    (warning,) = logs.wait_for(lambda line: line["logger"] == "interestgraph.api.timeout")
    assert warning["request_id"] == request_id
