"""The API rides out a Neo4j outage: it answers UNAVAILABLE quickly while the database is down and
serves again, with the same driver, once it is back.

The outage is real: a Neo4j server of this module's own (the session's is shared) is stopped and
started again under the running app.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from neo4j import Driver
from pydantic import SecretStr

import interestgraph.api.app as app_module
from graph_builder import TEST_PSEUDONYM_KEY, GraphSpec, write_graph
from interestgraph.api.app import create_app
from interestgraph.api.errors import UNAVAILABLE_MESSAGE
from interestgraph.config import Settings
from interestgraph.db.connection import connect
from interestgraph.db.server import LocalNeo4jServer, find_free_port
from live_server import JsonLogLines, json_log_lines, live_server

pytestmark = pytest.mark.e2e

ITEMS = {f"r{n}": (1.0, n / 10) for n in range(8)}
SPEC = GraphSpec(items=ITEMS, users={"alice": (1.0, 0.3)}, purchases={"alice": ["r0"]})
QUERY = """
    query Probe($id: ID!) {
      user(id: $id) { id recommendations(first: 3) { item { id } } }
      item(id: "r1") { id }
    }
"""
# Generous: the API's driver gives up after about 1 s; the CLI's defaults would take 15 s.
UNAVAILABLE_WITHIN_S = 5.0
RECOVERY_WAIT_S = 60.0


@pytest.fixture(scope="module")
def private_neo4j(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNeo4jServer]:
    """A small Neo4j of this module's own, holding ``SPEC``, that the test may stop."""
    settings = Settings(
        home=tmp_path_factory.mktemp("resilience-home"),
        pseudonym_key=SecretStr(TEST_PSEUDONYM_KEY),
        neo4j_uri=None,
        neo4j_password=None,
        bolt_port=find_free_port(),
        http_port=find_free_port(),
        neo4j_heap="512m",
        neo4j_pagecache="64m",
    )
    server = LocalNeo4jServer(settings)
    server.start()
    try:
        with connect(settings) as driver:
            write_graph(driver, SPEC)
        yield server
    finally:
        server.stop()


def _query(client: httpx.Client) -> httpx.Response:
    response = client.post(
        "/graphql", json={"query": QUERY, "variables": {"id": "alice"}, "operationName": "Probe"}
    )
    assert response.status_code == 200, response.text
    return response


def _errors(response: httpx.Response) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = response.json().get("errors") or []
    return errors


def test_neo4j_outage_answers_unavailable_fast_and_the_app_recovers_by_itself(
    private_neo4j: LocalNeo4jServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    drivers: list[Driver] = []

    def recording_connect(settings: Settings, **options: float) -> Driver:
        drivers.append(connect(settings, **options))
        return drivers[-1]

    monkeypatch.setattr(app_module, "connect", recording_connect)
    with (
        live_server(create_app(private_neo4j.settings)) as client,
        json_log_lines() as logs,
    ):
        healthy = _query(client)
        assert not _errors(healthy)
        assert len(healthy.json()["data"]["user"]["recommendations"]) == 3

        assert private_neo4j.stop()
        _down_answers_unavailable(client, logs)

        private_neo4j.start()
        deadline = time.monotonic() + RECOVERY_WAIT_S
        while _errors(response := _query(client)):
            assert time.monotonic() < deadline, f"no recovery: {response.text}"
            time.sleep(0.5)
        assert response.json() == healthy.json()  # same data, same answer
        assert client.get("/readyz").status_code == 200

    assert len(drivers) == 1  # the app was not restarted: its one driver reconnected


def _down_answers_unavailable(client: httpx.Client, logs: JsonLogLines) -> None:
    started = time.monotonic()
    response = _query(client)
    elapsed = time.monotonic() - started

    assert elapsed < UNAVAILABLE_WITHIN_S, f"UNAVAILABLE took {elapsed:.1f} s"
    assert response.json()["data"] is None
    errors = _errors(response)
    assert errors
    assert {e["extensions"]["code"] for e in errors} == {"UNAVAILABLE"}
    assert {e["message"] for e in errors} == {UNAVAILABLE_MESSAGE}
    assert "Traceback" not in response.text and "neo4j" not in response.text.lower()
    # Operators see the outage in the log, under the id the client was given.
    request_id = response.headers["X-Request-ID"]
    warnings = logs.wait_for(
        lambda line: (
            line["logger"] == "interestgraph.api.errors" and line["request_id"] == request_id
        )
    )
    assert all(line["level"] == "WARNING" for line in warnings)

    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
