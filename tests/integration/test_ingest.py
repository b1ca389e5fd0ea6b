"""Schema, and the Amazon Beauty adapter through the one ingest path, against the real Neo4j.

Expected numbers are counted by hand from tests/fixtures/beauty_tiny (see the adapter's unit
test): of 14 item records 11 are usable (``12345`` is a valid numeric id), of 19 purchases 15 name
a known item, and U3 bought I008 twice, so 14 PURCHASED edges.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import pytest
from neo4j import Driver
from rich.console import Console
from rich.progress import Progress

from interestgraph.db.schema import apply_schema, wait_for_indexes
from interestgraph.errors import BadInput, SchemaError
from interestgraph.ingest import IngestReport, ingest_source
from interestgraph.ingest.adapters.amazon_beauty import read_amazon_beauty
from interestgraph.privacy import Pseudonymizer

pytestmark = pytest.mark.integration

TINY = Path(__file__).parents[1] / "fixtures" / "beauty_tiny"
PSEUDONYMIZER = Pseudonymizer(b"integration-test-key-0123456789")

NODE_COUNTS = {"User": 5, "Item": 11, "Brand": 5, "Category": 12}
RELATIONSHIP_COUNTS = {"PURCHASED": 14, "IN_CATEGORY": 10, "MADE_BY": 9, "SUBCATEGORY_OF": 8}
REJECTS = Counter(
    {
        ("items", "missing item id"): 2,
        ("items", "duplicate item"): 1,
        ("items", "unparseable json"): 1,
        ("items", "blank line"): 1,
        ("items", "not a json object"): 1,
        ("events", "unknown item"): 4,
        ("events", "no items"): 1,
        ("events", "blank line"): 1,
        ("events", "second line for the user"): 1,
        ("events", "missing user id"): 1,
    }
)


def _graph_counts(driver: Driver) -> dict[str, int]:
    nodes, _, _ = driver.execute_query(
        "MATCH (n) WHERE NOT n:IngestChunk UNWIND labels(n) AS kind RETURN kind, count(*) AS n"
    )
    relationships, _, _ = driver.execute_query(
        "MATCH ()-[r]->() RETURN type(r) AS kind, count(*) AS n"
    )
    return {r["kind"]: r["n"] for r in [*nodes, *relationships]}


def _ingest(
    driver: Driver, tmp_path: Path, *, batch_size: int = 3, progress: Progress | None = None
) -> IngestReport:
    """Ingest the fixture; small batches by default so that several chunks run."""
    return ingest_source(
        driver,
        read_amazon_beauty(TINY),
        pseudonymizer=PSEUDONYMIZER,
        batch_size=batch_size,
        rejects_path=tmp_path / "rejects.jsonl",
        progress=progress,
    )


def test_schema_applies_twice(empty_db: Driver) -> None:
    assert apply_schema(empty_db) == 25
    assert apply_schema(empty_db) == 25
    wait_for_indexes(empty_db, timeout_s=60)
    constraints, _, _ = empty_db.execute_query("SHOW CONSTRAINTS YIELD name RETURN name")
    assert {
        "user_id",
        "item_id",
        "category_id",
        "brand_id",
        "ingest_chunk_id",
        "topic_id",
        "embedding_model_id",
    } <= {r["name"] for r in constraints}
    vectors, _, _ = empty_db.execute_query(
        "SHOW VECTOR INDEXES YIELD name, labelsOrTypes, properties, options "
        "RETURN name, labelsOrTypes[0] AS label, properties[0] AS property, "
        "options.indexConfig.`vector.similarity_function` AS similarity"
    )
    found = {r["name"]: (r["label"], r["property"], r["similarity"].lower()) for r in vectors}
    assert {
        "item_embedding": ("Item", "embedding", "cosine"),
        "user_embedding": ("User", "embedding", "cosine"),
        "item_text_embedding": ("Item", "text_embedding", "cosine"),
    }.items() <= found.items()


def test_schema_errors_are_clear(empty_db: Driver, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="cannot read schema file"):
        apply_schema(empty_db, tmp_path / "missing.cypher")
    broken = tmp_path / "broken.cypher"
    broken.write_text("// fine\nRETURN 1;\nCREATE CONSTRAINT oops FOR;\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="statement 2 \\(CREATE CONSTRAINT oops FOR\\) refused"):
        apply_schema(empty_db, broken)


def test_ingest_counts(empty_db: Driver, tmp_path: Path) -> None:
    report = _ingest(empty_db, tmp_path)
    assert _graph_counts(empty_db) == NODE_COUNTS | RELATIONSHIP_COUNTS
    assert report.created == NODE_COUNTS | RELATIONSHIP_COUNTS | {"IngestChunk": 5}
    assert report.rejected == REJECTS
    tables = {name: vars(counts) for name, counts in report.tables.items()}
    assert tables["items"] == {
        "read": 17,
        "kept": 11,
        "deduplicated": 0,
        "already_applied": 0,
        "rejected": 6,
    }
    assert tables["events"] == {
        "read": 23,
        "kept": 15,
        "deduplicated": 0,
        "already_applied": 0,
        "rejected": 8,
    }
    assert (report.chunks_applied, report.chunks_skipped) == (5, 0)
    assert set(report.seconds) == {"schema", "items", "users", "events", "follows"}


def test_purchases_keep_their_sequence_and_aggregate_repeats(
    empty_db: Driver, tmp_path: Path
) -> None:
    _ingest(empty_db, tmp_path)
    records, _, _ = empty_db.execute_query(
        "MATCH (u:User {id: $user})-[p:PURCHASED]->(i:Item) "
        "RETURN i.id AS item, p.count AS n, p.first_seq AS first, p.last_seq AS last, "
        "p.quantity AS quantity ORDER BY first",
        user=PSEUDONYMIZER.user_id("U3"),
    )
    assert [tuple(r) for r in records] == [("I008", 2, 0, 1, 2), ("I001", 1, 2, 2, 1)]
    u2, _, _ = empty_db.execute_query(
        "MATCH (u:User {id: $user})-[p:PURCHASED]->(i:Item) "
        "RETURN i.id AS item, p.last_seq AS seq ORDER BY seq",
        user=PSEUDONYMIZER.user_id("U2"),
    )
    assert [tuple(r) for r in u2] == [("I004", 0), ("I005", 1), ("I006", 3)]  # I999 unknown


def test_graph_holds_pseudonyms_only(empty_db: Driver, tmp_path: Path) -> None:
    _ingest(empty_db, tmp_path)
    users, _, _ = empty_db.execute_query("MATCH (u:User) RETURN u.id AS id ORDER BY id")
    shop_ids = ["U1", "U2", "U3", "U7", "U@6"]
    assert [r["id"] for r in users] == sorted(PSEUDONYMIZER.user_id(u) for u in shop_ids)


def test_ingest_twice_changes_nothing(empty_db: Driver, tmp_path: Path) -> None:
    _ingest(empty_db, tmp_path)
    dump = (
        "MATCH (u:User)-[p:PURCHASED]->(i:Item) "
        "RETURN u.id AS u, i.id AS i, properties(p) AS p ORDER BY u, i"
    )
    first_counts = _graph_counts(empty_db)
    first, _, _ = empty_db.execute_query(dump)
    again = _ingest(empty_db, tmp_path)
    assert _graph_counts(empty_db) == first_counts == NODE_COUNTS | RELATIONSHIP_COUNTS
    second, _, _ = empty_db.execute_query(dump)
    assert [r.data() for r in second] == [r.data() for r in first]
    assert set(again.created.values()) == {0}
    assert (again.chunks_applied, again.chunks_skipped) == (0, 5)
    assert (again.tables["events"].kept, again.tables["events"].already_applied) == (0, 15)


def test_graph_content(empty_db: Driver, tmp_path: Path) -> None:
    _ingest(empty_db, tmp_path)
    names, _, _ = empty_db.execute_query(
        "MATCH (b:Brand) RETURN b.name AS name UNION ALL "
        "MATCH (i:Item) WHERE i.brand IS NOT NULL RETURN i.brand AS name UNION ALL "
        "MATCH (c:Category) UNWIND [c.id, c.name] + c.path AS name RETURN name"
    )
    assert len(names) == 5 + 9 + 12 * 2 + 23
    assert [r["name"] for r in names if "&amp;" in r["name"] or "&#" in r["name"]] == []

    tree, _, _ = empty_db.execute_query(
        "MATCH (c:Category)-[:SUBCATEGORY_OF]->(p:Category) "
        "WHERE c.level = p.level + 1 RETURN c.id AS child, p.id AS parent"
    )
    assert sorted((r["child"], r["parent"]) for r in tree) == [
        ("Fragrance > Women", "Fragrance"),
        ("Hair Care > Shampoos", "Hair Care"),
        ("Hair Care > Styling Products", "Hair Care"),
        ("Hair Care > Styling Products > Hair Sprays", "Hair Care > Styling Products"),
        ("Makeup > Nails", "Makeup"),
        ("Makeup > Nails > Nail Polish", "Makeup > Nails"),
        ("Skin Care > Face", "Skin Care"),
        ("Skin Care > Face > Creams & Moisturizers", "Skin Care > Face"),
    ]

    items, _, _ = empty_db.execute_query(
        "MATCH (i:Item) OPTIONAL MATCH (i)-[:MADE_BY]->(b:Brand) "
        "OPTIONAL MATCH (i)-[:IN_CATEGORY]->(c:Category) "
        "RETURN i.id AS id, i.brand AS brand, b.name AS made_by, collect(c.id) AS categories"
    )
    by_id = {r["id"]: r for r in items}
    assert by_id["I006"]["brand"] == by_id["I006"]["made_by"] == "TIGI"
    assert by_id["I003"]["brand"] == "Dolce & Gabbana"
    assert by_id["I009"]["brand"] is None and by_id["I009"]["made_by"] is None
    assert sorted(by_id["I008"]["categories"]) == [
        "Skin Care",
        "Skin Care > Face > Creams & Moisturizers",
    ]
    category, _, _ = empty_db.execute_query(
        "MATCH (c:Category {id: $id}) RETURN c.name AS name, c.path AS path, c.level AS level",
        id="Makeup > Nails > Nail Polish",
    )
    assert dict(category[0]) == {
        "name": "Nail Polish",
        "path": ["Makeup", "Nails", "Nail Polish"],
        "level": 2,
    }


def test_rejects_file(empty_db: Driver, tmp_path: Path) -> None:
    report = _ingest(empty_db, tmp_path)
    assert report.rejects_path == tmp_path / "rejects.jsonl"
    lines = (tmp_path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == sum(REJECTS.values()) == 14
    assert all(set(row) == {"source", "line", "table", "reason", "raw"} for row in rows)
    assert Counter((row["table"], row["reason"]) for row in rows) == REJECTS
    unknown = next(r for r in rows if r["line"] == 6 and r["raw"].count("I998"))
    assert json.loads(unknown["raw"])["user_id"] == PSEUDONYMIZER.user_id("U5")
    assert {
        "source": "items.jsonl",
        "line": 16,
        "table": "items",
        "reason": "not a json object",
        "raw": "[1, 2]",
    } in rows
    second = next(r for r in rows if r["reason"] == "second line for the user")
    assert second["raw"] == f"{PSEUDONYMIZER.user_id('U1')} I004"
    text = "\n".join(lines)
    for shop_id in ("U1", "U4", "U5", "U8"):
        assert f'"{shop_id}' not in text and f"{shop_id} " not in text
    _ingest(empty_db, tmp_path)  # a re-run replaces the file rather than appending
    assert len((tmp_path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()) == 14


def test_progress_shows_rows_read(empty_db: Driver, tmp_path: Path) -> None:
    with Progress(console=Console(file=io.StringIO())) as progress:
        _ingest(empty_db, tmp_path, progress=progress)
    tasks = {task.description: (task.completed, task.total) for task in progress.tasks}
    assert tasks == {
        "ingest items": (14, 14),
        "ingest users": (0, 0),
        "ingest events": (19, 19),
        "ingest follows": (0, 0),
    }


def test_missing_dataset_is_bad_input(empty_db: Driver, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=f"dataset folder not found: {tmp_path / 'nope'}"):
        read_amazon_beauty(tmp_path / "nope")
    with pytest.raises(BadInput, match="batch size must be at least 1"):
        ingest_source(empty_db, read_amazon_beauty(TINY), pseudonymizer=PSEUDONYMIZER, batch_size=0)
    assert _graph_counts(empty_db) == {}
