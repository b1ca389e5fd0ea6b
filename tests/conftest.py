"""Session fixtures: a throwaway real Neo4j server on free loopback ports, and a driver to it.

Set ``NEO4J_URI`` (and ``NEO4J_PASSWORD``) to run the integration tests against an existing
server instead; the tests then delete only what they created, but prefer an empty database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import Driver
from pydantic import SecretStr

from graph_builder import TEST_PSEUDONYM_KEY
from interestgraph.config import Settings
from interestgraph.db.connection import connect
from interestgraph.db.server import LocalNeo4jServer, find_free_port

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def neo4j_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings pointing at a real server: the configured one, or a fresh local one.

    They carry the fixed test pseudonym key, so graphs built by tests and the app agree.
    """
    home = tmp_path_factory.mktemp("interestgraph-home")
    key = SecretStr(TEST_PSEUDONYM_KEY)
    if os.environ.get("NEO4J_URI"):
        yield Settings(home=home, pseudonym_key=key)
        return
    settings = Settings(
        home=home,
        pseudonym_key=key,
        neo4j_uri=None,
        neo4j_password=None,
        bolt_port=find_free_port(),
        http_port=find_free_port(),
        neo4j_heap="768m",
        neo4j_pagecache="256m",
    )
    server = LocalNeo4jServer(settings)
    server.start()
    try:
        yield settings
    finally:
        server.stop()


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_settings: Settings) -> Iterator[Driver]:
    driver = connect(neo4j_settings)
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture
def empty_db(neo4j_driver: Driver) -> Driver:
    """The session's driver over an empty database (data and embeddings of earlier tests gone)."""
    with neo4j_driver.session() as session:
        session.run(
            "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
        ).consume()
    return neo4j_driver
