"""Exactly once under failure: an ingest killed half-way (kill -9 of the ingest process, or of
Neo4j) and started again ends with exactly the graph of an uninterrupted run.

The input is a generated canonical folder of 1,000 events with many repeats (so that an event
applied twice would show in ``count``, ``quantity`` or ``last_at``), ingested in chunks of 10
events, so a run has 100 chunks to be killed in the middle of. Graphs are compared whole: every
node and relationship with all its properties.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from neo4j import Driver

from cli_runner import CLI, cli_environment
from graph_builder import TEST_PSEUDONYM_KEY
from graph_snapshot import graph_snapshot
from interestgraph.config import Settings
from interestgraph.db.connection import connect
from interestgraph.db.server import LocalNeo4jServer, find_free_port
from interestgraph.ingest import ingest_source
from interestgraph.ingest.adapters.canonical import read_canonical
from interestgraph.privacy import Pseudonymizer

pytestmark = pytest.mark.integration

EVENTS = 1000
BATCH_SIZE = 10
KILL_AFTER_CHUNKS = 5
LEDGER_QUERY = "MATCH (c:IngestChunk) RETURN count(c) AS n"
TYPES = ["view", "view", "view", "click", "add_to_cart", "purchase", "rate"]


def write_shop(folder: Path) -> None:
    """A canonical folder: 40 items, 150 users, ``EVENTS`` events drawn with a fixed seed."""
    rng = random.Random(7)
    folder.mkdir()
    items = ["id,title,brand,price,currency,categories"] + [
        f"P{i:03d},Item {i},Brand {i % 7},{1 + i % 13}.50,EUR,Shop > Aisle {i % 5}"
        for i in range(40)
    ]
    (folder / "items.csv").write_text("\n".join(items) + "\n", encoding="utf-8")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    events = ["user_id,item_id,type,timestamp,value"]
    for n in range(EVENTS):
        kind = rng.choice(TYPES)
        value = rng.randint(1, 5) if kind == "rate" else rng.randint(1, 3)
        at = start + timedelta(minutes=n)
        events.append(
            f"shopper-{rng.randrange(150)},P{rng.randrange(40):03d},{kind},"
            f"{at.isoformat()},{value if kind in ('rate', 'purchase', 'add_to_cart') else ''}"
        )
    (folder / "events.csv").write_text("\n".join(events) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("resume") / "shop"
    write_shop(folder)
    return folder


@pytest.fixture(scope="module")
def reference(shop: Path, neo4j_driver: Driver) -> list[str]:
    """The graph of one uninterrupted run, on the session's server."""
    _wipe(neo4j_driver)
    report = ingest_source(
        neo4j_driver,
        read_canonical(shop),
        pseudonymizer=Pseudonymizer(TEST_PSEUDONYM_KEY.encode("utf-8")),
        batch_size=BATCH_SIZE,
    )
    assert report.chunks_applied == EVENTS // BATCH_SIZE
    snapshot = graph_snapshot(neo4j_driver)
    _wipe(neo4j_driver)
    return snapshot


def _wipe(driver: Driver) -> None:
    with driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS").consume()


def _start_ingest(settings: Settings, shop: Path, log: Path) -> subprocess.Popen[bytes]:
    env = cli_environment(
        settings, INTERESTGRAPH_HOME=str(log.parent), INTERESTGRAPH_BATCH_SIZE=str(BATCH_SIZE)
    )
    with log.open("wb") as out:
        return subprocess.Popen(
            [*CLI, "ingest", "canonical", str(shop)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _ledger(driver: Driver) -> int:
    records, _, _ = driver.execute_query(LEDGER_QUERY)
    return int(records[0]["n"])


def _wait_for_chunks(driver: Driver, process: subprocess.Popen[bytes], log: Path) -> int:
    """Poll the ledger until the running ingest applied ``KILL_AFTER_CHUNKS`` chunks."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the ingest ended before it could be killed:\n" + (
            log.read_text(errors="replace")
        )
        applied = _ledger(driver)
        if applied >= KILL_AFTER_CHUNKS:
            return applied
        time.sleep(0.02)
    raise AssertionError("the ingest applied no chunk within 120 s")


def _run_to_the_end(settings: Settings, shop: Path, log: Path) -> str:
    process = _start_ingest(settings, shop, log)
    assert process.wait(timeout=300) == 0, log.read_text(errors="replace")
    return log.read_text(errors="replace")


def test_ingest_killed_and_rerun_ends_exactly_as_uninterrupted(
    shop: Path,
    reference: list[str],
    neo4j_settings: Settings,
    empty_db: Driver,
    tmp_path: Path,
) -> None:
    process = _start_ingest(neo4j_settings, shop, tmp_path / "killed.log")
    _wait_for_chunks(empty_db, process, tmp_path / "killed.log")
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    applied = _ledger(empty_db)
    assert KILL_AFTER_CHUNKS <= applied < EVENTS // BATCH_SIZE  # it really stopped half-way
    assert graph_snapshot(empty_db) != reference

    output = _run_to_the_end(neo4j_settings, shop, tmp_path / "resumed.log")
    assert graph_snapshot(empty_db) == reference
    assert f"{applied:,} already in the ledger" in " ".join(output.split())


@pytest.fixture
def throwaway_server(tmp_path: Path) -> Iterator[tuple[Settings, LocalNeo4jServer]]:
    """A separate Neo4j of this test's own, which the test may kill."""
    settings = Settings(
        home=tmp_path / "home",
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
        yield settings, server
    finally:
        pid = server.status().pid
        if pid is not None:  # its data is thrown away: no need for a graceful stop
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        server.stop()


def test_neo4j_killed_mid_ingest_then_resumed_ends_exactly_as_uninterrupted(
    shop: Path,
    reference: list[str],
    throwaway_server: tuple[Settings, LocalNeo4jServer],
    tmp_path: Path,
) -> None:
    settings, server = throwaway_server
    process = _start_ingest(settings, shop, tmp_path / "killed.log")
    with connect(settings) as driver:
        _wait_for_chunks(driver, process, tmp_path / "killed.log")
        pid = server.status().pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)  # this process started the server: reap it, or it lingers as a zombie
    assert process.wait(timeout=120) == 1  # the CLI's clear failure, not a crash
    output = (tmp_path / "killed.log").read_text(errors="replace")
    assert "Traceback" not in output
    assert "error:" in output and "Neo4j" in output

    server.start()  # recovers the store after the crash
    with connect(settings) as driver:
        applied = _ledger(driver)
        assert KILL_AFTER_CHUNKS <= applied < EVENTS // BATCH_SIZE
        _run_to_the_end(settings, shop, tmp_path / "resumed.log")
        assert graph_snapshot(driver) == reference
