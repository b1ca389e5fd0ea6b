"""`forget` on the real server: nothing of the user remains, everything else is untouched."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import Driver

from cli_runner import run_cli
from graph_builder import pseudonym
from interestgraph.config import Settings
from interestgraph.errors import NotFound
from interestgraph.privacy import ForgetReport, forget_user

pytestmark = pytest.mark.integration

DIM = 4
ALICE, BOB, CAROL = pseudonym("alice"), pseudonym("bob"), pseudonym("carol")

# Alice has every kind of record the product keeps about a user; Bob and Carol some, so that what
# must survive is checked too. Items, categories, brands and the segment are shared.
GRAPH_QUERY = """
CREATE (alice:User {id: $alice, age_band: '25-34', region: 'EU'}),
       (bob:User {id: $bob}), (carol:User {id: $carol}),
       (i1:Item {id: 'i1'}), (i2:Item {id: 'i2'}), (i3:Item {id: 'i3'}),
       (makeup:Category {id: 'Makeup', name: 'Makeup'}),
       (nails:Category {id: 'Makeup > Nails', name: 'Nails'}),
       (acme:Brand {id: 'acme', name: 'Acme'}),
       (segment:Segment {id: 'beauty-fans'}),
       (nails)-[:SUBCATEGORY_OF]->(makeup),
       (i1)-[:IN_CATEGORY]->(nails), (i2)-[:IN_CATEGORY]->(makeup), (i1)-[:MADE_BY]->(acme),
       (alice)-[:VIEWED {count: 3}]->(i1), (alice)-[:CLICKED {count: 1}]->(i1),
       (alice)-[:ADDED_TO_CART {count: 1, quantity: 2}]->(i2),
       (alice)-[:PURCHASED {count: 1, quantity: 2}]->(i2),
       (alice)-[:RATED {count: 1, rating: 5}]->(i3),
       (alice)-[:FOLLOWS]->(bob), (carol)-[:FOLLOWS]->(alice), (alice)-[:FOLLOWS]->(alice),
       (alice)-[:INTERESTED_IN {score: 0.7}]->(makeup),
       (alice)-[:INTERESTED_IN {score: 0.4}]->(acme),
       (alice)-[:IN_SEGMENT]->(segment),
       (bob)-[:PURCHASED {count: 1}]->(i1), (bob)-[:VIEWED {count: 2}]->(i2),
       (bob)-[:FOLLOWS]->(carol), (bob)-[:INTERESTED_IN {score: 1.0}]->(nails),
       (bob)-[:IN_SEGMENT]->(segment), (carol)-[:RATED {count: 1, rating: 3}]->(i3),
       (profile:InterestProfile {user_id: $alice, top: 'Makeup'})-[:ABOUT]->(makeup),
       (:InterestProfile {user_id: $bob, top: 'Nails'})
WITH alice, bob, carol
CALL db.create.setNodeVectorProperty(alice, 'embedding', [1.0, 0.0, 0.0, 0.0])
CALL db.create.setNodeVectorProperty(bob, 'embedding', [0.9, 0.1, 0.0, 0.0])
CALL db.create.setNodeVectorProperty(carol, 'embedding', [0.0, 1.0, 0.0, 0.0])
"""
ALICE_RELATIONSHIPS = {
    "VIEWED": 1,
    "CLICKED": 1,
    "ADDED_TO_CART": 1,
    "PURCHASED": 1,
    "RATED": 1,
    "FOLLOWS": 3,
    "INTERESTED_IN": 2,
    "IN_SEGMENT": 1,
}
COUNTS_QUERY = """
MATCH (n) WITH labels(n)[0] AS label, count(*) AS n
RETURN collect([label, n]) AS nodes, COUNT { ()-[]->() } AS relationships
"""
# Anything that names alice: her node, a record with her pseudonym in any property, an edge
# touching a node holding her pseudonym.
TRACES_QUERY = """
RETURN COUNT { (n) WHERE any(key IN keys(n) WHERE n[key] = $id) } AS nodes,
       COUNT { ()-[r]->() WHERE any(key IN keys(r) WHERE r[key] = $id) } AS on_edges,
       COUNT { (m)-[]-() WHERE any(key IN keys(m) WHERE m[key] = $id) } AS touching
"""
NEAREST_USERS_QUERY = """
CALL db.index.vector.queryNodes('user_embedding', 10, $vector) YIELD node, score
RETURN node.id AS id
"""


@pytest.fixture
def user_index(neo4j_driver: Driver) -> Iterator[None]:
    """An exact user vector index of dimension ``DIM``, dropped afterwards (apply_schema
    recreates the product's own)."""
    neo4j_driver.execute_query("DROP INDEX user_embedding IF EXISTS")
    neo4j_driver.execute_query(
        """
        CREATE VECTOR INDEX user_embedding FOR (u:User) ON u.embedding
        OPTIONS {indexConfig: {`vector.dimensions`: $dims,
                               `vector.similarity_function`: 'cosine',
                               `vector.quantization.enabled`: false}}
        """,
        dims=DIM,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            records, _, _ = neo4j_driver.execute_query(
                "SHOW VECTOR INDEXES YIELD name, state WHERE name = 'user_embedding' RETURN state"
            )
            if records and records[0]["state"] == "ONLINE":
                break
            assert time.monotonic() < deadline, "user_embedding not ONLINE in time"
            time.sleep(0.1)
        yield
    finally:
        neo4j_driver.execute_query("DROP INDEX user_embedding IF EXISTS")


@pytest.fixture
def graph(user_index: None, empty_db: Driver) -> Driver:
    empty_db.execute_query(GRAPH_QUERY, alice=ALICE, bob=BOB, carol=CAROL)
    return empty_db


def _counts(driver: Driver) -> tuple[dict[str, int], int]:
    records, _, _ = driver.execute_query(COUNTS_QUERY)
    return dict(records[0]["nodes"]), records[0]["relationships"]


def _traces(driver: Driver, user_id: str) -> dict[str, int]:
    records, _, _ = driver.execute_query(TRACES_QUERY, id=user_id)
    return dict(records[0])


def _nearest_users(driver: Driver) -> list[str]:
    records, _, _ = driver.execute_query(NEAREST_USERS_QUERY, vector=[1.0, 0.0, 0.0, 0.0])
    return [r["id"] for r in records]


def test_forget_removes_every_trace_of_the_user_and_nothing_else(graph: Driver) -> None:
    assert _counts(graph) == (
        {"User": 3, "Item": 3, "Category": 2, "Brand": 1, "Segment": 1, "InterestProfile": 2},
        22,
    )
    before = _traces(graph, ALICE)
    assert before["nodes"] == 2 and before["touching"] >= 12
    assert _nearest_users(graph) == [ALICE, BOB, CAROL]

    report = forget_user(graph, ALICE)

    assert report == ForgetReport(
        user_id=ALICE,
        user_removed=True,
        embedding_removed=True,
        relationships=ALICE_RELATIONSHIPS,
        derived_records={"InterestProfile": 1},
        derived_relationships=1,
    )
    assert report.relationships_removed == 12
    # nothing names alice any more: no node, no property, no edge, no index entry
    assert _traces(graph, ALICE) == {"nodes": 0, "on_edges": 0, "touching": 0}
    records, _, _ = graph.execute_query(
        "MATCH (u:User) WHERE u.id = $id RETURN u UNION ALL "
        "MATCH (u)-[]-() WHERE u.id = $id RETURN u",
        id=ALICE,
    )
    assert records == []
    assert _nearest_users(graph) == [BOB, CAROL]
    # everyone and everything else is exactly as before
    assert _counts(graph) == (
        {"User": 2, "Item": 3, "Category": 2, "Brand": 1, "Segment": 1, "InterestProfile": 1},
        22 - 12,
    )
    records, _, _ = graph.execute_query(
        """
        MATCH (u:User)-[r]->(x) WHERE u.id IN [$bob, $carol]
        RETURN u.id = $bob AS bob, type(r) AS type, x.id AS target ORDER BY bob, type, target
        """,
        bob=BOB,
        carol=CAROL,
    )
    assert [(r["bob"], r["type"], r["target"]) for r in records] == [
        (False, "RATED", "i3"),
        (True, "FOLLOWS", CAROL),
        (True, "INTERESTED_IN", "Makeup > Nails"),
        (True, "IN_SEGMENT", "beauty-fans"),
        (True, "PURCHASED", "i1"),
        (True, "VIEWED", "i2"),
    ]
    assert _traces(graph, BOB)["nodes"] == 2  # bob's own node and profile stay


def test_forgetting_twice_or_an_unknown_user_is_not_found(graph: Driver) -> None:
    forget_user(graph, CAROL)

    with pytest.raises(NotFound, match=CAROL):
        forget_user(graph, CAROL)
    with pytest.raises(NotFound):
        forget_user(graph, pseudonym("nobody"))
    assert _counts(graph)[0]["User"] == 2


def test_forget_user_without_edges_or_embedding(empty_db: Driver) -> None:
    empty_db.execute_query("CREATE (:User {id: $id}), (:User {id: 'other'})", id=ALICE)

    report = forget_user(empty_db, ALICE)

    assert report.summary() == (
        f"forgot user {ALICE}: 1 node(s), 0 relationship(s) (none), embedding absent, "
        "derived records: none, lines in files: 0"
    )
    assert _counts(empty_db) == ({"User": 1}, 0)


@pytest.fixture
def rejects_file(neo4j_settings: Settings) -> Iterator[Path]:
    """A rejects file of the session's home naming alice twice and bob once."""
    path = neo4j_settings.home / "rejects" / "forget-test.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'{{"line": 1, "reason": "unknown item", "user_id": "{ALICE}"}}\n'
        f'{{"line": 2, "reason": "unknown item", "user_id": "{BOB}"}}\n'
        f'{{"line": 3, "reason": "bad timestamp", "user_id": "{ALICE}"}}\n',
        encoding="utf-8",
    )
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def test_user_known_only_to_record_files_is_forgotten_there(
    empty_db: Driver, tmp_path: Path
) -> None:
    path = tmp_path / "rejects.jsonl"
    path.write_text(f'{{"user_id": "{ALICE}"}}\n{{"user_id": "{BOB}"}}\n', encoding="utf-8")

    report = forget_user(empty_db, ALICE, files=[path])

    assert (report.user_removed, report.nodes_removed, report.file_lines) == (False, 0, 1)
    assert path.read_text(encoding="utf-8") == f'{{"user_id": "{BOB}"}}\n'
    with pytest.raises(NotFound):
        forget_user(empty_db, ALICE, files=[path])


def test_cli_forget_takes_the_shop_id_and_refuses_unknown_users(
    neo4j_settings: Settings, graph: Driver, rejects_file: Path
) -> None:
    result = run_cli(neo4j_settings, "forget", "alice")

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"forgot user {ALICE}: 2 node(s), 12 relationship(s) (1 ADDED_TO_CART, 1 CLICKED, "
        "3 FOLLOWS, 2 INTERESTED_IN, 1 IN_SEGMENT, 1 PURCHASED, 1 RATED, 1 VIEWED), "
        "embedding removed, derived records: 1 InterestProfile, lines in files: 2"
    ]
    assert _traces(graph, ALICE)["nodes"] == 0
    assert _counts(graph)[0]["User"] == 2
    assert rejects_file.read_text(encoding="utf-8") == (
        f'{{"line": 2, "reason": "unknown item", "user_id": "{BOB}"}}\n'
    )

    again = run_cli(neo4j_settings, "forget", "alice")

    assert again.returncode == 1
    assert again.stderr.strip().splitlines() == [
        f"error: no user with id 'alice' (pseudonym {ALICE}) in the graph: nothing forgotten"
    ]
    assert _counts(graph)[0]["User"] == 2


def test_cli_forget_by_pseudonym(neo4j_settings: Settings, graph: Driver) -> None:
    result = run_cli(neo4j_settings, "forget", "--pseudonym", BOB)

    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(f"forgot user {BOB}: 2 node(s)")
    assert _traces(graph, BOB)["nodes"] == 0

    raw = run_cli(neo4j_settings, "forget", "--pseudonym", "bob")  # a raw id is not a pseudonym

    assert raw.returncode == 1
    assert raw.stderr.strip() == (
        "error: no user with pseudonym bob in the graph: nothing forgotten"
    )
    assert "Traceback" not in raw.stderr


def test_cli_help_lists_forget() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "interestgraph", "forget", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=dict(os.environ, COLUMNS="200"),
    )

    assert result.returncode == 0
    assert "USER_ID" in result.stdout and "--pseudonym" in result.stdout
