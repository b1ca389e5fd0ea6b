"""The API's Prometheus metrics: per-app registries, errors counted by code only in a request."""

from __future__ import annotations

from graphql import GraphQLError
from prometheus_client import generate_latest

from interestgraph.api.metrics import ApiMetrics, count_graphql_errors


def _value(metrics: ApiMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_errors_are_counted_by_code_into_the_collecting_app() -> None:
    metrics, other = ApiMetrics(), ApiMetrics()
    errors = [
        GraphQLError("gone", extensions={"code": "NOT_FOUND"}),
        GraphQLError("gone too", extensions={"code": "NOT_FOUND"}),
        GraphQLError("no code"),
    ]

    with metrics.collecting():
        count_graphql_errors(errors)

    assert _value(metrics, "interestgraph_graphql_errors_total", code="NOT_FOUND") == 2
    assert _value(metrics, "interestgraph_graphql_errors_total", code="INTERNAL") == 1
    assert _value(other, "interestgraph_graphql_errors_total", code="NOT_FOUND") is None


def test_errors_outside_a_request_are_not_counted() -> None:
    metrics = ApiMetrics()

    count_graphql_errors([GraphQLError("gone", extensions={"code": "NOT_FOUND"})])

    assert _value(metrics, "interestgraph_graphql_errors_total", code="NOT_FOUND") is None


def test_requests_and_latency_are_exposed() -> None:
    metrics = ApiMetrics()

    metrics.observe_request(path="/graphql", method="POST", status=200, seconds=0.003)
    metrics.observe_request(path="/graphql", method="POST", status=200, seconds=0.2)

    labels = {"path": "/graphql", "method": "POST"}
    assert _value(metrics, "interestgraph_http_requests_total", **labels, status="200") == 2
    count = "interestgraph_http_request_duration_seconds_count"
    assert _value(metrics, count, **labels) == 2
    bucket = "interestgraph_http_request_duration_seconds_bucket"
    assert _value(metrics, bucket, **labels, le="0.005") == 1
    assert _value(metrics, bucket, **labels, le="0.25") == 2
    text = generate_latest(metrics.registry).decode()
    assert "process_resident_memory_bytes" in text
