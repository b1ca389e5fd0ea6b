"""The local server manager against real Neo4j processes."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from neo4j import Driver
from pydantic import SecretStr

from interestgraph.config import Settings
from interestgraph.db.connection import connect
from interestgraph.db.server import LocalNeo4jServer, find_free_port
from interestgraph.errors import DatabaseAuthError, DatabaseUnavailable, ServerStartError

pytestmark = pytest.mark.integration


def _settings(home: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "home": home,
        "neo4j_uri": None,
        "neo4j_password": None,
        "bolt_port": find_free_port(),
        "http_port": find_free_port(),
        "neo4j_heap": "512m",
        "neo4j_pagecache": "64m",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def test_session_server_runs_community_526_with_gds(neo4j_driver: Driver) -> None:
    records, _, _ = neo4j_driver.execute_query(
        "CALL dbms.components() YIELD name, versions, edition "
        "RETURN name, versions[0] AS version, edition"
    )
    assert records[0]["version"].startswith("5.26.")
    assert records[0]["edition"] == "community"
    gds, _, _ = neo4j_driver.execute_query("RETURN gds.version() AS v")
    assert gds[0]["v"].startswith("2.13.")


def test_generated_password_is_not_the_default(neo4j_settings: Settings) -> None:
    if not neo4j_settings.manages_local_server:
        pytest.skip("server configured by NEO4J_URI")
    password = neo4j_settings.password()
    assert password != "neo4j"
    assert len(password) >= 16
    assert oct(neo4j_settings.password_file.stat().st_mode & 0o777) == "0o600"


def test_data_survives_stop_and_start(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    server = LocalNeo4jServer(settings)
    server.start()
    try:
        with connect(settings) as driver:
            driver.execute_query("CREATE (:Marker {id: 'survives'})")
        assert server.stop() is True
        assert server.status().running is False
        server.start()
        with connect(settings) as driver:
            records, _, _ = driver.execute_query("MATCH (m:Marker) RETURN m.id AS id")
        assert [r["id"] for r in records] == ["survives"]
        assert server.start().running is True  # starting a running server is a no-op
    finally:
        server.stop()


def test_port_taken_is_a_clear_error_and_leaves_nothing_broken(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        settings = _settings(tmp_path, bolt_port=blocker.getsockname()[1])
        with pytest.raises(ServerStartError, match="already taken"):
            LocalNeo4jServer(settings).start()
    assert not (tmp_path / "neo4j" / "run" / "neo4j.pid").exists()
    # the same home starts cleanly once a free port is configured
    retry = settings.model_copy(update={"bolt_port": find_free_port()})
    server = LocalNeo4jServer(retry)
    try:
        assert server.start().running
        with connect(retry) as driver:
            records, _, _ = driver.execute_query("RETURN 1 AS one")
        assert records[0]["one"] == 1
    finally:
        server.stop()


def test_wrong_password_is_a_clear_error(neo4j_settings: Settings) -> None:
    wrong = neo4j_settings.model_copy(update={"neo4j_password": SecretStr("not-the-password")})
    with pytest.raises(DatabaseAuthError, match="refused user"):
        connect(wrong)


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path, neo4j_uri=f"bolt://127.0.0.1:{find_free_port()}", neo4j_password="x"
    )
    with pytest.raises(DatabaseUnavailable, match="cannot reach Neo4j"):
        connect(settings)


def test_a_password_that_starts_with_a_dash_is_set_and_works(tmp_path: Path) -> None:
    # Generated passwords are URL-safe base64: one in 64 starts with "-", which neo4j-admin
    # took for an option ("Unknown option"), so a fresh home failed to start now and then.
    settings = _settings(tmp_path, neo4j_password=SecretStr("-starts-with-a-dash-0123"))
    server = LocalNeo4jServer(settings)
    try:
        assert server.start().running
        with connect(settings) as driver:
            assert driver.execute_query("RETURN 1 AS one").records[0]["one"] == 1
    finally:
        server.stop()
