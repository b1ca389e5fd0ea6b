"""A shop's own canonical folder through the one ingest path, against the real Neo4j.

tests/fixtures/canonical_shop holds items (CSV), users (CSV), events (JSON Lines) and follows
(CSV) with one row of each kind of bad row; every number below was counted by hand from it.
tests/fixtures/canonical_shop_newer holds a second, later file of events.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from graph_builder import TEST_PSEUDONYM_KEY
from graph_snapshot import graph_counts, graph_snapshot
from interestgraph.config import Settings
from interestgraph.ingest import IngestReport, ingest_source
from interestgraph.ingest.adapters.canonical import read_canonical
from interestgraph.ingest.values import birth_age_band
from interestgraph.privacy import Pseudonymizer

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parents[1] / "fixtures"
SHOP = FIXTURES / "canonical_shop"
NEWER = FIXTURES / "canonical_shop_newer"
PSEUDONYMIZER = Pseudonymizer(TEST_PSEUDONYM_KEY.encode("utf-8"))

COUNTS = {
    "User": 6,  # alice, bob, carol, dave (events), erin (users), frank (follows)
    "Item": 5,
    "Category": 9,
    "Brand": 2,
    "IngestChunk": 3,  # 15 events in chunks of 5
    "VIEWED": 2,
    "CLICKED": 1,
    "ADDED_TO_CART": 2,
    "PURCHASED": 4,
    "RATED": 1,
    "FOLLOWS": 3,
    "IN_CATEGORY": 6,
    "MADE_BY": 4,
    "SUBCATEGORY_OF": 7,
}
TABLES = {  # read, kept, deduplicated, already applied, rejected
    "items": (11, 5, 0, 0, 6),
    "users": (6, 3, 0, 0, 3),
    "events": (29, 14, 1, 0, 14),
    "follows": (6, 3, 1, 0, 2),
}
REJECTS = Counter(
    {
        ("items", "bad price"): 1,
        ("items", "negative price"): 1,
        ("items", "bad currency"): 1,
        ("items", "missing item id"): 1,
        ("items", "duplicate item"): 1,
        ("items", "malformed line (12 fields)"): 1,
        ("users", "missing user id"): 1,
        ("users", "duplicate user"): 1,
        ("users", "wrong encoding"): 1,
        ("events", "unknown item"): 2,
        ("events", "missing user id"): 1,
        ("events", "bad timestamp"): 1,
        ("events", "negative quantity"): 1,
        ("events", "zero quantity"): 1,
        ("events", "bad rating"): 1,
        ("events", "missing rating"): 1,
        ("events", "unknown type"): 1,
        ("events", "bad seq"): 1,
        ("events", "unparseable json"): 1,
        ("events", "not a json object"): 1,
        ("events", "blank line"): 1,
        ("events", "wrong encoding"): 1,
        ("follows", "self follow"): 1,
        ("follows", "missing followee_id"): 1,
    }
)
EDGES_QUERY = """
MATCH (u:User)-[r]->(i:Item)
RETURN u.id AS user, type(r) AS type, i.id AS item, r.count AS count, r.first_at AS first_at,
       r.last_at AS last_at, r.first_seq AS first_seq, r.last_seq AS last_seq,
       r.quantity AS quantity, r.rating AS rating
"""


def _ingest(driver: Driver, folder: Path, tmp_path: Path, batch_size: int = 5) -> IngestReport:
    return ingest_source(
        driver,
        read_canonical(folder),
        pseudonymizer=PSEUDONYMIZER,
        batch_size=batch_size,
        rejects_path=tmp_path / f"rejects-{folder.name}.jsonl",
    )


def _tables(report: IngestReport) -> dict[str, tuple[int, ...]]:
    return {name: tuple(vars(counts).values()) for name, counts in report.tables.items()}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _edges(driver: Driver) -> dict[tuple[str, str, str], dict[str, Any]]:
    records, _, _ = driver.execute_query(EDGES_QUERY)
    edges = {}
    for record in records:
        row = {k: v for k, v in record.data().items() if v is not None}
        for key in ("first_at", "last_at"):
            if key in row:
                row[key] = row[key].to_native()
        edges[(row.pop("user"), row.pop("type"), row.pop("item"))] = row
    return edges


def _user(shop_id: str) -> str:
    return PSEUDONYMIZER.user_id(shop_id)


def test_counts_and_summary(empty_db: Driver, tmp_path: Path) -> None:
    report = _ingest(empty_db, SHOP, tmp_path)
    assert graph_counts(empty_db) == COUNTS
    assert report.created == COUNTS
    assert _tables(report) == TABLES
    assert report.rejected == REJECTS
    for counts in report.tables.values():
        assert counts.read == (
            counts.kept + counts.deduplicated + counts.already_applied + counts.rejected
        )


def test_behaviour_edges_aggregate_events(empty_db: Driver, tmp_path: Path) -> None:
    _ingest(empty_db, SHOP, tmp_path, batch_size=3)  # alice's views land in different chunks
    alice, bob, carol, dave = (_user(u) for u in ("alice@shop", "bob", "carol", "dave"))
    assert _edges(empty_db) == {
        (alice, "VIEWED", "P1"): {
            "count": 2,
            "first_at": _at("2024-03-01T09:05:00Z"),  # 10:05+01:00, the earlier of the two
            "last_at": _at("2024-03-01T10:00:00Z"),
        },
        (alice, "ADDED_TO_CART", "P1"): {
            "count": 1,
            "quantity": 2,
            "first_at": _at("2024-03-01T10:10:00Z"),  # epoch seconds
            "last_at": _at("2024-03-01T10:10:00Z"),
        },
        (alice, "PURCHASED", "P1"): {
            "count": 1,
            "quantity": 2,
            "first_at": _at("2024-03-01T10:20:00Z"),
            "last_at": _at("2024-03-01T10:20:00Z"),
        },
        (alice, "RATED", "P1"): {
            "count": 2,
            "rating": 4,  # the latest rating, although the older one came later in the file
            "first_at": _at("2024-03-02T08:00:00Z"),
            "last_at": _at("2024-03-05T08:00:00Z"),
        },
        (bob, "CLICKED", "P2"): {
            "count": 1,  # the exact duplicate is dropped
            "first_at": _at("2024-03-02T12:00:00Z"),
            "last_at": _at("2024-03-02T12:00:00Z"),
        },
        (bob, "ADDED_TO_CART", "P2"): {
            "count": 1,
            "quantity": 1,
            "first_at": _at("2024-03-02T12:01:00Z"),
            "last_at": _at("2024-03-02T12:01:00Z"),
        },
        (bob, "PURCHASED", "P3"): {
            "count": 1,
            "quantity": 1,
            "first_at": _at("2024-03-03T09:00:00Z"),
            "last_at": _at("2024-03-03T09:00:00Z"),
        },
        (carol, "VIEWED", "P4"): {
            "count": 2,
            "first_at": _at("2024-03-03T09:00:00Z"),
            "last_at": _at("2024-03-04T09:00:00Z"),
        },
        (dave, "PURCHASED", "P2"): {"count": 2, "quantity": 2, "first_seq": 0, "last_seq": 2},
        (dave, "PURCHASED", "P3"): {"count": 1, "quantity": 1, "first_seq": 1, "last_seq": 1},
    }


def test_nodes_are_cleaned_and_users_coarse(empty_db: Driver, tmp_path: Path) -> None:
    report = _ingest(empty_db, SHOP, tmp_path)
    items, _, _ = empty_db.execute_query("MATCH (i:Item) RETURN i{.*} AS item ORDER BY i.id")
    assert [_without_created_at(r["item"]) for r in items][:2] == [
        {
            "id": "P1",
            "title": "Gel Pen & Case",
            "description": "Smooth ink, refillable",
            "price": 2.5,
            "brand": "Pilot",
            "attr_pack": 2,
            "attr_color": "blue",
        },
        {"id": "P10", "title": "Pencil", "price": 1.0, "currency": "USD", "brand": "Pilot"},
    ]
    categories, _, _ = empty_db.execute_query(
        "MATCH (i:Item {id: 'P2'})-[:IN_CATEGORY]->(c) RETURN c.id AS id ORDER BY id"
    )
    assert [r["id"] for r in categories] == [
        "Office > Paper > Notebooks",
        "Office Supplies > Paper",
    ]
    users, _, _ = empty_db.execute_query("MATCH (u:User) RETURN u{.*} AS user")
    by_id = {r["user"].pop("id"): _without_created_at(r["user"]) for r in users}
    assert by_id[_user("alice@shop")] == {"age_band": "25-34", "gender": "f", "region": "Bavaria"}
    born_1990 = birth_age_band(1990, datetime.now(UTC).date())
    assert by_id[_user("bob")] == {"age_band": born_1990, "gender": "male"}
    assert by_id[_user("erin")] == {}  # "10115" is a postal code, not a region
    assert report.cleaned["user column 'email' dropped"] == 3
    assert report.cleaned["user column 'zip' dropped"] == 1
    follows, _, _ = empty_db.execute_query(
        "MATCH (a:User)-[:FOLLOWS]->(b:User) RETURN a.id AS a, b.id AS b"
    )
    assert sorted((r["a"], r["b"]) for r in follows) == sorted(
        [
            (_user("alice@shop"), _user("bob")),
            (_user("bob"), _user("alice@shop")),
            (_user("frank"), _user("alice@shop")),
        ]
    )


def test_neither_graph_nor_rejects_hold_shop_user_ids_or_personal_data(
    empty_db: Driver, tmp_path: Path
) -> None:
    report = _ingest(empty_db, SHOP, tmp_path)
    assert report.rejects_path is not None
    rejects = report.rejects_path.read_text(encoding="utf-8")
    rows = [json.loads(line) for line in rejects.splitlines()]
    assert Counter((r["table"], r["reason"]) for r in rows) == REJECTS
    stored = "\n".join(graph_snapshot(empty_db))
    for secret in ("alice", "bob", "carol", "dave", "erin", "frank", "example.com", "80331"):
        assert secret not in rejects
        assert secret not in stored
    unknown = next(r for r in rows if r["reason"] == "unknown item")
    assert json.loads(unknown["raw"])["user_id"] == _user("alice@shop")
    assert (unknown["source"], unknown["line"]) == ("events.jsonl", 16)


def test_reingest_changes_nothing(empty_db: Driver, tmp_path: Path) -> None:
    _ingest(empty_db, SHOP, tmp_path)
    before = graph_snapshot(empty_db)
    again = _ingest(empty_db, SHOP, tmp_path)
    assert graph_snapshot(empty_db) == before
    assert set(again.created.values()) == {0}
    assert _tables(again)["events"] == (29, 0, 1, 14, 14)
    assert (again.chunks_applied, again.chunks_skipped) == (0, 3)


def test_reingest_with_other_chunks_still_counts_each_event_once(
    empty_db: Driver, tmp_path: Path
) -> None:
    _ingest(empty_db, SHOP, tmp_path, batch_size=5)
    before = _edges(empty_db)
    again = _ingest(empty_db, SHOP, tmp_path, batch_size=4)  # no chunk id matches the ledger
    assert again.chunks_skipped == 0
    assert _edges(empty_db) == before
    assert _tables(again)["events"] == (29, 0, 15, 0, 14)  # every event already on its edge


def test_a_newer_file_adds_only_its_events(empty_db: Driver, tmp_path: Path) -> None:
    _ingest(empty_db, SHOP, tmp_path)
    before = _edges(empty_db)
    report = _ingest(empty_db, NEWER, tmp_path)
    assert _tables(report) == {"events": (5, 4, 1, 0, 0)}  # nothing of the first folder read
    alice, bob, gina = _user("alice@shop"), _user("bob"), _user("gina")
    after = _edges(empty_db)
    assert after[(alice, "VIEWED", "P1")] == {
        "count": 3,  # the re-sent 10:05+01:00 view is a duplicate
        "first_at": _at("2024-03-01T09:05:00Z"),
        "last_at": _at("2024-04-01T10:00:00Z"),
    }
    assert after[(alice, "RATED", "P1")]["rating"] == 5
    assert after[(bob, "PURCHASED", "P3")] | {"first_at": None, "last_at": None} == {
        "count": 2,
        "quantity": 4,
        "first_at": None,
        "last_at": None,
    }
    assert after[(gina, "VIEWED", "P2")]["count"] == 1
    changed = {key for key in after if after[key] != before.get(key)}
    assert changed == {
        (alice, "VIEWED", "P1"),
        (alice, "RATED", "P1"),
        (bob, "PURCHASED", "P3"),
        (gina, "VIEWED", "P2"),
    }
    assert graph_counts(empty_db)["User"] == COUNTS["User"] + 1


def test_cli_prints_the_summary_table(
    neo4j_settings: Settings, empty_db: Driver, tmp_path: Path
) -> None:
    env = dict(
        os.environ,
        NEO4J_URI=neo4j_settings.bolt_uri,
        NEO4J_USER=neo4j_settings.neo4j_user,
        NEO4J_PASSWORD=neo4j_settings.password(),
        INTERESTGRAPH_HOME=str(tmp_path),
        INTERESTGRAPH_PSEUDONYM_KEY=TEST_PSEUDONYM_KEY,
        COLUMNS="200",
    )
    result = subprocess.run(
        [sys.executable, "-m", "interestgraph", "ingest", "canonical", str(SHOP)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    output = " ".join(result.stderr.split())
    assert "ingest summary: canonical" in output
    assert "│ events │ 29 │ 14 │ 1 │ 0 │ 14 │" in output
    assert "│ items │ 11 │ 5 │ 0 │ 0 │ 6 │" in output
    assert "│ events │ negative quantity │ 1 │" in output
    assert str(tmp_path / "rejects" / "canonical-canonical_shop.jsonl") in output
    assert graph_counts(empty_db) == COUNTS | {"IngestChunk": 1}  # the default batch size


def _without_created_at(properties: dict[str, object]) -> dict[str, object]:
    """A node's properties less the ingest's ``created_at`` wall time."""
    return {k: v for k, v in properties.items() if k != "created_at"}
