"""Schema and ingest against the session's real Neo4j, on the tiny hand-made fixture.

Expected numbers are counted by hand from tests/fixtures/beauty_tiny (see the reader's unit test).
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
from interestgraph.ingest import IngestReport, ingest_amazon_beauty

pytestmark = pytest.mark.integration

TINY = Path(__file__).parents[1] / "fixtures" / "beauty_tiny"

NODE_COUNTS = {"User": 4, "Item": 10, "Brand": 5, "Category": 12}
RELATIONSHIP_COUNTS = {"PURCHASED": 13, "IN_CATEGORY": 10, "MADE_BY": 8, "SUBCATEGORY_OF": 8}
WRITTEN = {
    "brands": 5,
    "categories": 12,
    "items": 10,
    "users": 4,
    "subcategory_of": 8,
    "in_category": 10,
    "made_by": 8,
    "purchased": 13,
}
REJECTS = Counter(
    {
        "invalid json": 1,
        "missing asin": 1,
        "blank or odd asin": 2,
        "duplicate asin": 1,
        "blank category name": 1,
        "not a json object": 1,
        "unknown item": 4,
        "repeated item": 1,
        "no items": 1,
        "no known items": 2,
        "duplicate user": 1,
        "blank or odd user id": 2,
        "blank line": 2,
    }
)


def _graph_counts(driver: Driver) -> dict[str, int]:
    nodes, _, _ = driver.execute_query(
        "MATCH (n) UNWIND labels(n) AS kind RETURN kind, count(*) AS n"
    )
    relationships, _, _ = driver.execute_query(
        "MATCH ()-[r]->() RETURN type(r) AS kind, count(*) AS n"
    )
    return {r["kind"]: r["n"] for r in [*nodes, *relationships]}


def _ingest(
    driver: Driver, tmp_path: Path, *, batch_size: int = 3, progress: Progress | None = None
) -> IngestReport:
    """Ingest the fixture; small batches by default so that several batches run per kind."""
    return ingest_amazon_beauty(
        driver,
        TINY,
        batch_size=batch_size,
        rejects_path=tmp_path / "rejects.jsonl",
        progress=progress,
    )


def test_schema_applies_twice(empty_db: Driver) -> None:
    assert apply_schema(empty_db) == 7
    assert apply_schema(empty_db) == 7
    wait_for_indexes(empty_db, timeout_s=60)
    constraints, _, _ = empty_db.execute_query("SHOW CONSTRAINTS YIELD name RETURN name")
    assert {"user_id", "item_id", "category_id", "brand_id"} <= {r["name"] for r in constraints}
    vectors, _, _ = empty_db.execute_query(
        "SHOW VECTOR INDEXES YIELD name, labelsOrTypes, properties, options "
        "RETURN name, labelsOrTypes[0] AS label, properties[0] AS property, "
        "options.indexConfig.`vector.similarity_function` AS similarity"
    )
    found = {r["name"]: (r["label"], r["property"], r["similarity"].lower()) for r in vectors}
    assert {
        "item_embedding": ("Item", "embedding", "cosine"),
        "item_search_vector": ("Item", "search_vector", "euclidean"),
        "user_embedding": ("User", "embedding", "cosine"),
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
    assert report.written == WRITTEN
    assert report.created == WRITTEN
    assert report.rejected == REJECTS
    assert report.read == {"items": 17, "brands": 7, "categories": 6, "users": 11, "purchases": 18}
    assert set(report.seconds) == {"read", "schema", *WRITTEN}


def test_ingest_twice_changes_nothing(empty_db: Driver, tmp_path: Path) -> None:
    _ingest(empty_db, tmp_path)
    first = _graph_counts(empty_db)
    seqs = "MATCH (u:User)-[p:PURCHASED]->(i:Item) RETURN u.id AS u, i.id AS i, p.seq AS seq"
    first_seqs, _, _ = empty_db.execute_query(seqs)
    again = _ingest(empty_db, tmp_path, batch_size=5000)
    assert _graph_counts(empty_db) == first == NODE_COUNTS | RELATIONSHIP_COUNTS
    assert again.written == WRITTEN
    assert again.created == dict.fromkeys(WRITTEN, 0)
    second_seqs, _, _ = empty_db.execute_query(seqs)
    assert sorted(map(tuple, second_seqs)) == sorted(map(tuple, first_seqs))


def test_graph_content(empty_db: Driver, tmp_path: Path) -> None:
    _ingest(empty_db, tmp_path)
    names, _, _ = empty_db.execute_query(
        "MATCH (b:Brand) RETURN b.name AS name UNION ALL "
        "MATCH (i:Item) WHERE i.brand IS NOT NULL RETURN i.brand AS name UNION ALL "
        "MATCH (c:Category) UNWIND [c.id, c.name] + c.path AS name RETURN name"
    )
    assert len(names) == 5 + 8 + 12 * 2 + 23
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
    assert len(rows) == sum(REJECTS.values()) == 20
    assert all(set(row) == {"source", "line", "reason", "raw"} for row in rows)
    assert Counter(row["reason"] for row in rows) == REJECTS
    assert {"source": "sequences.txt", "line": 6, "reason": "unknown item", "raw": "I998"} in rows
    assert {
        "source": "items.jsonl",
        "line": 16,
        "reason": "not a json object",
        "raw": "[1, 2]",
    } in rows
    _ingest(empty_db, tmp_path)  # a re-run replaces the file rather than appending
    assert len((tmp_path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()) == 20


def test_progress_bars_complete(empty_db: Driver, tmp_path: Path) -> None:
    with Progress(console=Console(file=io.StringIO())) as progress:
        _ingest(empty_db, tmp_path, progress=progress)
    tasks = {task.description: (task.completed, task.total) for task in progress.tasks}
    assert tasks["write purchased"] == (13, 13)
    assert tasks["write subcategory_of"] == (8, 8)
    assert len(tasks) == 1 + len(WRITTEN)
    assert all(done == total for done, total in tasks.values())


def test_missing_dataset_is_bad_input(empty_db: Driver, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=f"dataset folder not found: {tmp_path / 'nope'}"):
        ingest_amazon_beauty(empty_db, tmp_path / "nope")
    assert _graph_counts(empty_db) == {}
