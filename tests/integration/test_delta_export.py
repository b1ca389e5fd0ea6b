"""Delta export and merge (export/delta.py) after real ingests into a real Neo4j."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from graph_builder import TEST_PSEUDONYM_KEY
from interestgraph.errors import BadInput, InterestGraphError
from interestgraph.export import ExportedGraph, export_training_graph
from interestgraph.export.delta import export_delta, merge
from interestgraph.ingest import IngestReport, ingest_source
from interestgraph.ingest.adapters.canonical import read_canonical
from interestgraph.privacy import Pseudonymizer, forget_user

pytestmark = pytest.mark.integration

SHOP = Path(__file__).parents[1] / "fixtures" / "canonical_shop"
PSEUDONYMIZER = Pseudonymizer(TEST_PSEUDONYM_KEY.encode("utf-8"))
NO_MARGIN = timedelta(0)

# A new item (with its category and brand edges), a new user with an event on it, a new edge
# between an old user and the new item, and one more event on an existing edge.
LATER_ITEMS = "id,title,brand,categories\nP9,Eraser,Pilot,Office > Pens\n"
LATER_EVENTS = (
    "event_id,user_id,item_id,type,timestamp,seq,value\n"
    "d1,hank,P9,view,2024-05-01T10:00:00Z,,\n"
    "d2,alice@shop,P1,view,2024-05-02T10:00:00Z,,\n"
    "d3,alice@shop,P9,purchase,2024-05-03T10:00:00Z,,1\n"
)

Edge = tuple[str, str, str]  # (relationship type, source id, target id)

ALL_RELATIONSHIPS_QUERY = """
MATCH (a)-[r]->(b) WHERE NOT a:IngestChunk
RETURN type(r) AS type, a.id AS source, b.id AS target, properties(r) AS properties
"""


def _ingest(driver: Driver, folder: Path, tmp_path: Path, batch_size: int = 5) -> IngestReport:
    return ingest_source(
        driver,
        read_canonical(folder),
        pseudonymizer=PSEUDONYMIZER,
        batch_size=batch_size,
        rejects_path=tmp_path / f"rejects-{folder.name}.jsonl",
    )


def _later(tmp_path: Path) -> Path:
    folder = tmp_path / "later"
    folder.mkdir(exist_ok=True)
    (folder / "items.csv").write_text(LATER_ITEMS, encoding="utf-8")
    (folder / "events.csv").write_text(LATER_EVENTS, encoding="utf-8")
    return folder


def _stored(driver: Driver) -> dict[Edge, dict[str, Any]]:
    """Every relationship of the graph with its properties except ``changed_at``."""
    records, _, _ = driver.execute_query(ALL_RELATIONSHIPS_QUERY)
    return {
        (r["type"], r["source"], r["target"]): {
            k: v for k, v in r["properties"].items() if k != "changed_at"
        }
        for r in records
    }


def _edges(exported: ExportedGraph) -> dict[Edge, dict[str, float]]:
    """Every exported edge by id triple, with its attributes."""
    edges: dict[Edge, dict[str, float]] = {}
    for edge_type in exported.data.edge_types:
        source, rel, target = edge_type
        store = exported.data[edge_type]
        names = [name for name in store.keys() if name != "edge_index"]  # noqa: SIM118
        for column, (s, t) in enumerate(store.edge_index.T.tolist()):
            key = (rel.upper(), exported.ids[source][s], exported.ids[target][t])
            edges[key] = {name: store[name][column].item() for name in names}
    return edges


def _as_sets(exported: ExportedGraph) -> tuple[dict[str, set[str]], dict[Edge, dict[str, float]]]:
    return {t: set(ids) for t, ids in exported.ids.items()}, _edges(exported)


def _assert_sorted_and_in_range(exported: ExportedGraph) -> None:
    for source, rel, target in exported.data.edge_types:
        edge_index = exported.data[(source, rel, target)].edge_index
        assert edge_index.dtype.is_floating_point is False
        if edge_index.size(1):
            assert int(edge_index[0].max()) < len(exported.ids[source])
            assert int(edge_index[1].max()) < len(exported.ids[target])
            keys = (edge_index[0] * len(exported.ids[target]) + edge_index[1]).tolist()
            assert keys == sorted(keys), (source, rel, target)


def test_delta_holds_exactly_the_changed_edges_and_appends_new_ids(
    empty_db: Driver, tmp_path: Path
) -> None:
    _ingest(empty_db, SHOP, tmp_path)
    full = export_training_graph(empty_db, edge_attributes=True)
    before = _stored(empty_db)

    _ingest(empty_db, _later(tmp_path), tmp_path)
    after = _stored(empty_db)
    changed = {key for key in after if after[key] != before.get(key)}
    alice, hank = PSEUDONYMIZER.user_id("alice@shop"), PSEUDONYMIZER.user_id("hank")
    # the graph itself says what changed; the five edges the new files imply are among them
    assert {
        ("VIEWED", hank, "P9"),
        ("VIEWED", alice, "P1"),
        ("PURCHASED", alice, "P9"),
    } <= changed
    assert {(rel, s) for rel, s, _ in changed} >= {("IN_CATEGORY", "P9"), ("MADE_BY", "P9")}
    assert len(changed) == 5

    delta = export_delta(empty_db, full, edge_attributes=True, margin=NO_MARGIN)

    assert set(_edges(delta)) == changed
    assert (
        _edges(delta)[("VIEWED", alice, "P1")]["count"] == after[("VIEWED", alice, "P1")]["count"]
    )
    # old ids keep their indices, the new ones come after them
    for node_type, old in full.ids.items():
        assert delta.ids[node_type][: len(old)] == old
    assert delta.ids["user"][len(full.user_ids) :] == [hank]
    assert delta.ids["item"][len(full.item_ids) :] == ["P9"]
    assert delta.ids["category"] == full.category_ids
    assert delta.ids["brand"] == full.brand_ids
    for node_type, ids in delta.ids.items():
        assert delta.data[node_type].num_nodes == len(ids)
    assert delta.exported_at > full.exported_at
    _assert_sorted_and_in_range(delta)


def test_merge_equals_a_fresh_full_export_and_chains(empty_db: Driver, tmp_path: Path) -> None:
    _ingest(empty_db, SHOP, tmp_path)
    full = export_training_graph(empty_db, edge_attributes=True)
    _ingest(empty_db, _later(tmp_path), tmp_path)

    merged = merge(full, export_delta(empty_db, full, edge_attributes=True, margin=NO_MARGIN))
    fresh = export_training_graph(empty_db, edge_attributes=True)
    assert _as_sets(merged) == _as_sets(fresh)
    assert merged.ids["user"][: len(full.user_ids)] == full.user_ids
    _assert_sorted_and_in_range(merged)

    # a delta of the merged graph: only what came after it
    more = tmp_path / "more"
    more.mkdir()
    (more / "events.csv").write_text(
        "event_id,user_id,item_id,type,timestamp,seq,value\n"
        "m1,ivy,P2,click,2024-06-01T10:00:00Z,,\n"
        "m2,hank,P9,view,2024-06-02T10:00:00Z,,\n",
        encoding="utf-8",
    )
    _ingest(empty_db, more, tmp_path)
    second = export_delta(empty_db, merged, edge_attributes=True, margin=NO_MARGIN)
    ivy, hank = PSEUDONYMIZER.user_id("ivy"), PSEUDONYMIZER.user_id("hank")
    assert set(_edges(second)) == {("CLICKED", ivy, "P2"), ("VIEWED", hank, "P9")}
    assert _edges(second)[("VIEWED", hank, "P9")]["count"] == 2
    assert second.ids["user"] == [*merged.ids["user"], ivy]
    assert _as_sets(merge(merged, second)) == _as_sets(
        export_training_graph(empty_db, edge_attributes=True)
    )


def test_default_margin_rereads_recent_edges_and_merge_still_matches(
    empty_db: Driver, tmp_path: Path
) -> None:
    _ingest(empty_db, SHOP, tmp_path)
    full = export_training_graph(empty_db, edge_attributes=True)
    _ingest(empty_db, _later(tmp_path), tmp_path)

    delta = export_delta(empty_db, full, edge_attributes=True)  # 5 minutes back: everything
    fresh = export_training_graph(empty_db, edge_attributes=True)
    assert set(_edges(delta)) == set(_edges(fresh))
    assert _as_sets(merge(full, delta)) == _as_sets(fresh)


@pytest.mark.parametrize("batch_size", [5, 4])  # 4: no chunk id matches the ledger
def test_reingesting_the_same_events_gives_an_empty_delta(
    empty_db: Driver, tmp_path: Path, batch_size: int
) -> None:
    _ingest(empty_db, SHOP, tmp_path)
    later = _later(tmp_path)
    _ingest(empty_db, later, tmp_path)
    full = export_training_graph(empty_db)

    _ingest(empty_db, SHOP, tmp_path, batch_size=batch_size)
    _ingest(empty_db, later, tmp_path, batch_size=batch_size)
    delta = export_delta(empty_db, full, margin=NO_MARGIN)

    assert delta.num_edges() == 0
    assert delta.ids == full.ids


def test_a_delta_after_forget_is_refused(empty_db: Driver, tmp_path: Path) -> None:
    _ingest(empty_db, SHOP, tmp_path)
    full = export_training_graph(empty_db)
    forget_user(empty_db, PSEUDONYMIZER.user_id("bob"))
    with pytest.raises(InterestGraphError, match="full export"):
        export_delta(empty_db, full)


def test_merge_refuses_a_delta_of_another_export(empty_db: Driver, tmp_path: Path) -> None:
    _ingest(empty_db, SHOP, tmp_path)
    full = export_training_graph(empty_db)
    other = ExportedGraph(
        data=full.data,
        ids={**full.ids, "user": full.user_ids[::-1]},
        exported_at=full.exported_at,
    )
    with pytest.raises(BadInput):
        merge(full, other)
    with pytest.raises(BadInput):
        merge(full, export_delta(empty_db, full, edge_attributes=True))
    with pytest.raises(BadInput):
        export_delta(empty_db, full, margin=timedelta(seconds=-1))
