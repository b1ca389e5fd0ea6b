"""The lcrec, tmall and gowalla adapters through the one ingest path, against the real Neo4j.

Expected numbers are counted by hand from the fixtures (see the adapters' unit tests).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from neo4j import Driver

from interestgraph.ingest.adapters import ADAPTERS
from interestgraph.ingest.canonical import ingest_source
from interestgraph.ingest.report import IngestReport
from interestgraph.privacy import Pseudonymizer

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parents[1] / "fixtures"
PSEUDONYMIZER = Pseudonymizer(b"adapter-test-key-0123456789abcdef")

COUNTS_QUERY = """
CALL () { MATCH (n) UNWIND labels(n) AS kind RETURN kind, count(*) AS n
          UNION ALL
          MATCH ()-[r]->() RETURN type(r) AS kind, count(*) AS n }
RETURN kind, n
"""


def _graph_counts(driver: Driver) -> dict[str, int]:
    records = driver.execute_query(COUNTS_QUERY, routing_="r").records
    return {r["kind"]: r["n"] for r in records if r["kind"] != "IngestChunk"}


def _ingest(driver: Driver, source: str, tmp_path: Path) -> IngestReport:
    return ingest_source(
        driver,
        ADAPTERS[source](FIXTURES / f"{source}_tiny"),
        pseudonymizer=PSEUDONYMIZER,
        batch_size=4,
        rejects_path=tmp_path / "rejects.jsonl",
    )


def _table(report: IngestReport, name: str) -> tuple[int, int, int]:
    counts = report.tables[name]
    return counts.read, counts.kept, counts.rejected


def test_lcrec(empty_db: Driver, tmp_path: Path) -> None:
    report = _ingest(empty_db, "lcrec", tmp_path)
    assert _graph_counts(empty_db) == {
        "User": 5,
        "Item": 13,
        "Category": 23,
        "Brand": 10,
        "PURCHASED": 14,
        "IN_CATEGORY": 11,
        "SUBCATEGORY_OF": 21,
        "MADE_BY": 12,
    }
    assert _table(report, "items") == (17, 13, 4)
    assert _table(report, "events") == (22, 14, 8)
    assert report.rejected_by_reason["unknown item"] == 1  # item 99: the ingest path's check
    assert report.cleaned["category path dropped (blank category name)"] == 1

    item = empty_db.execute_query(
        "MATCH (i:Item {id: '0'}) RETURN i.title AS title, i.description AS description",
        routing_="r",
    ).records[0]
    assert (item["title"], item["description"]) == ("AT&T 210 Corded Phone, Black", None)
    shouting = empty_db.execute_query(
        "MATCH (i:Item {id: '1'})-[:IN_CATEGORY]->(c)-[:SUBCATEGORY_OF]->(p) "
        "RETURN i.description AS description, c.name AS leaf, p.name AS parent",
        routing_="r",
    ).records[0]
    assert shouting.data() == {
        "description": "LARGE WALL CALENDAR 12 MONTHS",
        "leaf": "Wall Calendars",
        "parent": "Calendars, Planners & Personal Organizers",
    }
    seqs = empty_db.execute_query(
        "MATCH (:User {id: $user})-[r:PURCHASED]->(i:Item) "
        "RETURN i.id AS item, r.first_seq AS first, r.last_seq AS last ORDER BY item",
        user=PSEUDONYMIZER.user_id("2"),
        routing_="r",
    ).records
    assert [(r["item"], r["first"], r["last"]) for r in seqs] == [
        ("7", 0, 0),
        ("8", 1, 1),
        ("9", 3, 3),
    ]


def test_tmall_and_its_rerun(empty_db: Driver, tmp_path: Path) -> None:
    expected = {"User": 5, "Item": 6, "VIEWED": 12, "ADDED_TO_CART": 4, "PURCHASED": 4}
    report = _ingest(empty_db, "tmall", tmp_path)
    assert _graph_counts(empty_db) == expected
    assert _table(report, "events") == (26, 20, 6)
    assert report.rejected_by_reason == Counter(
        {
            "non-numeric item id": 2,
            "blank line": 1,
            "non-numeric user id": 1,
            "no items": 1,
            "not utf-8": 1,
        }
    )
    users = empty_db.execute_query(
        "MATCH (u:User) RETURN u.id AS id ORDER BY id", routing_="r"
    ).records
    assert {r["id"] for r in users} == {PSEUDONYMIZER.user_id(u) for u in "01245"}
    no_order = empty_db.execute_query(
        "MATCH ()-[r]->() WHERE r.first_seq IS NOT NULL OR r.first_at IS NOT NULL "
        "RETURN count(r) AS n",
        routing_="r",
    ).records[0]
    assert no_order["n"] == 0

    again = _ingest(empty_db, "tmall", tmp_path)
    assert _graph_counts(empty_db) == expected
    assert again.chunks_applied == 0
    assert again.tables["events"].kept == 0


def test_gowalla(empty_db: Driver, tmp_path: Path) -> None:
    report = _ingest(empty_db, "gowalla", tmp_path)
    assert _graph_counts(empty_db) == {"User": 4, "Item": 9, "PURCHASED": 13}
    assert _table(report, "items") == (9, 9, 0)
    assert _table(report, "events") == (18, 13, 5)
    total = empty_db.execute_query(
        "MATCH ()-[r:PURCHASED]->() RETURN sum(r.count) AS n", routing_="r"
    ).records[0]
    assert total["n"] == 13
