"""Export of a hand-made graph to PyG and write-back of embeddings, against a real Neo4j."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from neo4j import Driver
from neo4j.time import DateTime

from interestgraph.errors import BadInput, InterestGraphError, NotTrained
from interestgraph.export import ExportedGraph, export_training_graph, training_graph
from interestgraph.export.training_graph import IN_CATEGORY, MADE_BY, PURCHASED, SUBCATEGORY_OF
from interestgraph.pipeline import split_exported
from interestgraph.serving.recommend import Exclude, recommend_items
from interestgraph.serving.writeback import VECTOR_INDEXES, active_model, write_embeddings

pytestmark = pytest.mark.integration

# Created in an order other than the sorted one, so the export has to sort.
USERS = ["u3", "u1", "u0", "u2"]  # u0 bought nothing
ITEMS = ["i5", "i2", "i4", "i1", "i3"]  # i4 was never bought
CATEGORIES = ["Makeup > Nails", "Makeup", "Makeup > Eyes"]
BRANDS = ["opi", "unused", "nyx"]
PURCHASES = [
    ("u1", "i2", 0),
    ("u1", "i1", 1),
    ("u1", "i3", 2),
    ("u2", "i3", 0),
    ("u2", "i5", 1),
    ("u3", "i1", 0),
]
ITEM_CATEGORIES = [
    ("i1", "Makeup > Nails"),
    ("i2", "Makeup > Nails"),
    ("i2", "Makeup > Eyes"),
    ("i3", "Makeup > Eyes"),
]
ITEM_BRANDS = [("i1", "opi"), ("i3", "nyx")]
SUBCATEGORIES = [("Makeup > Nails", "Makeup"), ("Makeup > Eyes", "Makeup")]

CREATE_GRAPH_QUERY = """
UNWIND $users AS id CREATE (:User {id: id})
WITH count(*) AS _ UNWIND $items AS id CREATE (:Item {id: id})
WITH count(*) AS _ UNWIND $categories AS id CREATE (:Category {id: id, name: id})
WITH count(*) AS _ UNWIND $brands AS id CREATE (:Brand {id: id, name: id})
WITH count(*) AS _ UNWIND $purchases AS p
MATCH (u:User {id: p[0]}), (i:Item {id: p[1]})
CREATE (u)-[:PURCHASED {count: 1, first_seq: p[2], last_seq: p[2]}]->(i)
WITH count(*) AS _ UNWIND $item_categories AS p
MATCH (i:Item {id: p[0]}), (c:Category {id: p[1]}) CREATE (i)-[:IN_CATEGORY]->(c)
WITH count(*) AS _ UNWIND $item_brands AS p
MATCH (i:Item {id: p[0]}), (b:Brand {id: p[1]}) CREATE (i)-[:MADE_BY]->(b)
WITH count(*) AS _ UNWIND $subcategories AS p
MATCH (c:Category {id: p[0]}), (parent:Category {id: p[1]}) CREATE (c)-[:SUBCATEGORY_OF]->(parent)
"""

# For the user (1, 0, 0, 0) the inner product is the first coordinate: i5 > i2 > i3 > i1 > i4,
# while cosine would put i1 first; the augmented distances² (19 − 2·ip) are 13, 15, 17, 18, 21.
ITEM_VECTORS = {
    "i1": [0.5, 0.0, 0.0, 0.0],
    "i2": [2.0, 2.0, 0.0, 0.0],
    "i3": [1.0, 0.0, 1.0, 0.0],
    "i4": [-1.0, 0.0, 0.0, 1.0],
    "i5": [3.0, 0.0, 0.0, 3.0],
}
USER_VECTORS = {
    "u0": [1.0, 0.0, 0.0, 0.0],
    "u1": [0.0, 1.0, 0.0, 0.0],
    "u2": [0.0, 0.0, 1.0, 0.0],
    "u3": [0.0, 0.0, 0.0, 1.0],
}


@pytest.fixture
def graph(empty_db: Driver) -> Iterator[Driver]:
    """The hand-made graph; the vector indexes are dropped before and after, as others need 64."""
    _drop_vector_indexes(empty_db)
    empty_db.execute_query(
        CREATE_GRAPH_QUERY,
        users=USERS,
        items=ITEMS,
        categories=CATEGORIES,
        brands=BRANDS,
        purchases=[list(p) for p in PURCHASES],
        item_categories=[list(p) for p in ITEM_CATEGORIES],
        item_brands=[list(p) for p in ITEM_BRANDS],
        subcategories=[list(p) for p in SUBCATEGORIES],
    )
    yield empty_db
    _drop_vector_indexes(empty_db)


def _drop_vector_indexes(driver: Driver) -> None:
    for name in [spec.name for spec in VECTOR_INDEXES] + ["item_search_vector"]:
        driver.execute_query("DROP INDEX $name IF EXISTS", name=name)


def _edges(exported: ExportedGraph, edge_type: tuple[str, str, str]) -> set[tuple[str, str]]:
    ids = {
        "user": exported.user_ids,
        "item": exported.item_ids,
        "category": exported.category_ids,
        "brand": exported.brand_ids,
    }
    src, _, dst = edge_type
    edge_index = exported.data[edge_type].edge_index
    return {(ids[src][s], ids[dst][d]) for s, d in edge_index.T.tolist()}


@pytest.mark.parametrize("batch_size", [1, 2, 10000])
def test_export_counts_ids_and_edges(graph: Driver, batch_size: int) -> None:
    exported = export_training_graph(graph, batch_size=batch_size)

    assert exported.counts() == {
        "users": 4,
        "items": 5,
        "categories": 3,
        "brands": 3,
        "topics": 0,
        "purchased": 6,
        "in_category": 4,
        "made_by": 2,
        "subcategory_of": 2,
    }
    assert exported.user_ids == sorted(USERS)
    assert exported.item_ids == sorted(ITEMS)
    assert exported.category_ids == sorted(CATEGORIES)
    assert exported.brand_ids == sorted(BRANDS)
    for ids, index in [
        (exported.user_ids, exported.user_index),
        (exported.item_ids, exported.item_index),
        (exported.category_ids, exported.category_index),
        (exported.brand_ids, exported.brand_index),
    ]:
        assert [ids[index[node_id]] for node_id in ids] == ids

    purchased = exported.data[PURCHASED]
    with_order = {
        (exported.user_ids[u], exported.item_ids[i], t)
        for (u, i), t in zip(purchased.edge_index.T.tolist(), purchased.time.tolist(), strict=True)
    }
    assert with_order == set(PURCHASES)
    assert _edges(exported, IN_CATEGORY) == set(ITEM_CATEGORIES)
    assert _edges(exported, MADE_BY) == set(ITEM_BRANDS)
    assert _edges(exported, SUBCATEGORY_OF) == set(SUBCATEGORIES)


def test_indices_and_edge_order_are_stable_across_exports(graph: Driver) -> None:
    first = export_training_graph(graph, batch_size=3)
    graph.execute_query("CREATE (:User {id: 'u9'})")  # sorts last: no existing index moves
    second = export_training_graph(graph)

    assert second.user_ids[:4] == first.user_ids
    assert second.item_index == first.item_index
    for edge_type in first.data.edge_types:
        assert torch.equal(first.data[edge_type].edge_index, second.data[edge_type].edge_index)
    assert torch.equal(first.data[PURCHASED].time, second.data[PURCHASED].time)


def _during_edge_pass(monkeypatch: pytest.MonkeyPatch, change: Callable[[], None]) -> None:
    """Run ``change`` after the export's node pass, before its edge pages are read."""
    read_edges = training_graph._export_edges

    def changed_then_read(*args: Any, **kwargs: Any) -> set[str]:
        change()
        return read_edges(*args, **kwargs)

    monkeypatch.setattr(training_graph, "_export_edges", changed_then_read)


def test_an_edge_to_a_node_created_during_the_export_fails_it(
    graph: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    _during_edge_pass(
        monkeypatch,
        lambda: graph.execute_query(
            "MATCH (u:User {id: 'u0'}) CREATE (u)-[:PURCHASED {last_seq: 0}]->(:Item {id: 'i9'})"
        ),
    )

    with pytest.raises(InterestGraphError, match="graph changed during the export"):
        export_training_graph(graph)


def test_a_node_replaced_under_a_reused_internal_id_fails_the_export(
    graph: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edge pages return internal ids, which Neo4j hands to new nodes after a delete. An item
    deleted and another created with its internal id must not take over the old index."""
    (old_key,) = graph.execute_query("MATCH (i:Item {id: 'i4'}) RETURN id(i) AS k").records[0]
    reused: list[str] = []

    def replace_i4() -> None:
        graph.execute_query("MATCH (i:Item {id: 'i4'}) DETACH DELETE i")
        # Freed ids come back once no transaction can see them, after those freed earlier (the
        # tests before this one deleted many): create items until one takes i4's.
        for batch in range(20):
            records = graph.execute_query(
                "UNWIND range(0, 24999) AS k CREATE (i:Item {id: $prefix + toString(k)}) "
                "WITH i WHERE id(i) = $key RETURN i.id AS id",
                prefix=f"new{batch}-",
                key=old_key,
            ).records
            if records:
                reused.append(records[0]["id"])
                graph.execute_query(
                    "MATCH (u:User {id: 'u0'}), (i:Item {id: $id}) "
                    "CREATE (u)-[:PURCHASED {last_seq: 0}]->(i)",
                    id=records[0]["id"],
                )
                return

    _during_edge_pass(monkeypatch, replace_i4)

    with pytest.raises(InterestGraphError, match="deleted and others created in their place"):
        export_training_graph(graph)
    assert reused, "Neo4j did not reuse the deleted item's internal id: the test proves nothing"


def test_edges_to_nodes_of_another_label_are_left_out(graph: Driver) -> None:
    """The edge queries leave out the target label the graph model fixes; such edges still do
    not reach the export, nor fail it."""
    graph.execute_query(
        "MATCH (u:User {id: 'u1'}), (c:Category {id: 'Makeup'}) "
        "CREATE (u)-[:PURCHASED {last_seq: 9}]->(c), (u)-[:PURCHASED {last_seq: 8}]->(:Shop)"
    )

    exported = export_training_graph(graph)

    purchased = exported.data[PURCHASED]
    with_order = {
        (exported.user_ids[u], exported.item_ids[i], t)
        for (u, i), t in zip(purchased.edge_index.T.tolist(), purchased.time.tolist(), strict=True)
    }
    assert with_order == set(PURCHASES)


def test_nodes_deleted_during_the_export_leave_with_their_edges(
    graph: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    _during_edge_pass(
        monkeypatch, lambda: graph.execute_query("MATCH (i:Item {id: 'i5'}) DETACH DELETE i")
    )

    exported = export_training_graph(graph)

    assert "i5" in exported.item_ids  # read in the node pass
    assert all(item != "i5" for _, item in _edges(exported, PURCHASED))


@pytest.mark.parametrize("batch_size", [2, 10000])
def test_item_text_vectors_become_node_features(graph: Driver, batch_size: int) -> None:
    texts = {"i1": [0.6, 0.8, 0.0], "i4": [0.0, 0.0, 1.0], "i5": [1.0, 0.0, 0.0]}
    graph.execute_query(
        "UNWIND $rows AS row MATCH (i:Item {id: row.id}) SET i.text_embedding = row.vector",
        rows=[{"id": item, "vector": v} for item, v in texts.items()],
    )

    plain = export_training_graph(graph)
    exported = export_training_graph(graph, batch_size=batch_size, text_features=True)

    assert "x" not in plain.data["item"]
    x, has_text = exported.data["item"].x, exported.data["item"].has_text
    assert x.dtype == torch.float32 and x.shape == (5, 3)
    for item in ITEMS:
        row = exported.item_index[item]
        assert x[row].tolist() == pytest.approx(texts.get(item, [0.0, 0.0, 0.0]))
        assert bool(has_text[row]) == (item in texts)


def test_item_text_vectors_of_two_sizes_are_bad_input(graph: Driver) -> None:
    graph.execute_query("MATCH (i:Item {id: 'i1'}) SET i.text_embedding = [1.0, 0.0]")
    graph.execute_query("MATCH (i:Item {id: 'i2'}) SET i.text_embedding = [1.0, 0.0, 0.0]")

    with pytest.raises(BadInput, match=r"several dimensions \[2, 3\]"):
        export_training_graph(graph, text_features=True)


def test_purchase_without_seq_or_time_is_bad_input(graph: Driver) -> None:
    graph.execute_query(
        "MATCH (u:User {id: 'u0'}), (i:Item {id: 'i4'}) CREATE (u)-[:PURCHASED {count: 1}]->(i)"
    )
    exported = export_training_graph(graph)
    with pytest.raises(BadInput, match="neither `last_seq` nor `last_at`"):
        split_exported(exported)


def test_purchases_with_times_are_ordered_by_last_at(graph: Driver) -> None:
    """Sources with timestamps order purchases by `last_at`; `last_seq` wins where present."""
    graph.execute_query(
        "MATCH (u:User {id: 'u3'})-[p:PURCHASED]->() "
        "SET p.last_at = datetime('2024-05-01T10:00:00Z') REMOVE p.last_seq "
        "WITH u MATCH (i:Item {id: 'i4'}) "
        "CREATE (u)-[:PURCHASED {count: 2, first_at: datetime('2024-04-01T00:00:00Z'), "
        "last_at: datetime('2024-06-01T00:00:00.250Z')}]->(i)"
    )
    exported = export_training_graph(graph)
    purchased = exported.data[PURCHASED]
    order: dict[str, dict[str, int]] = {}
    for (u, i), t in zip(purchased.edge_index.T.tolist(), purchased.time.tolist(), strict=True):
        order.setdefault(exported.user_ids[u], {})[exported.item_ids[i]] = t
    assert order["u3"] == {"i1": 1714557600000, "i4": 1717200000250}  # epoch milliseconds
    assert order["u1"] == {"i2": 0, "i1": 1, "i3": 2}


def _vectors(exported: ExportedGraph) -> tuple[torch.Tensor, torch.Tensor]:
    return (
        torch.tensor([USER_VECTORS[u] for u in exported.user_ids]),
        torch.tensor([ITEM_VECTORS[i] for i in exported.item_ids]),
    )


def test_write_back_stores_vectors_and_indexes_them(graph: Driver) -> None:
    exported = export_training_graph(graph)
    user_emb, item_emb = _vectors(exported)

    report = write_embeddings(graph, exported, user_emb, item_emb, model_id="run-1", batch_size=2)

    assert (report.users_written, report.items_written, report.dimension) == (4, 5, 4)
    assert sorted(report.indexes_created) == sorted(spec.name for spec in VECTOR_INDEXES)
    records, _, _ = graph.execute_query(
        "MATCH (i:Item {id: 'i2'}) RETURN i.embedding AS e, "
        "i.embedding_model AS model, i.embedding_trained_at AS at"
    )
    stored = records[0]
    assert stored["e"] == pytest.approx(ITEM_VECTORS["i2"])
    assert stored["model"] == "run-1"
    assert isinstance(stored["at"], DateTime)

    # Cosine index: every item's nearest neighbour is itself.
    records, _, _ = graph.execute_query(
        "MATCH (i:Item) CALL db.index.vector.queryNodes('item_embedding', 1, i.embedding) "
        "YIELD node, score RETURN i.id AS id, node.id AS nearest, score"
    )
    assert {r["id"]: r["nearest"] for r in records} == {i: i for i in ITEMS}
    assert min(r["score"] for r in records) > 0.999

    # u0 bought nothing: recommendations come in inner-product order, exactly.
    found = recommend_items(graph, "u0", 5)
    assert [s.item_id for s in found] == ["i5", "i2", "i3", "i1", "i4"]
    assert [s.score for s in found] == pytest.approx([3.0, 2.0, 1.0, 0.5, -1.0])


def test_new_dimension_recreates_indexes_and_stale_vectors_go(graph: Driver) -> None:
    exported = export_training_graph(graph)
    user_emb, item_emb = _vectors(exported)
    write_embeddings(graph, exported, user_emb, item_emb, model_id="run-1")
    graph.execute_query(
        "CREATE (:Item {id: 'i9', embedding: [1.0, 2.0, 3.0, 4.0], embedding_model: 'run-1'})"
    )  # reached by run-1, unknown to run-2's export

    again = write_embeddings(graph, exported, user_emb[:, :3], item_emb[:, :3], model_id="run-2")
    unchanged = write_embeddings(
        graph, exported, user_emb[:, :3], item_emb[:, :3], model_id="run-3"
    )

    assert sorted(again.indexes_created) == sorted(spec.name for spec in VECTOR_INDEXES)
    assert again.stale_removed == 1
    assert unchanged.indexes_created == []
    records, _, _ = graph.execute_query(
        "SHOW VECTOR INDEXES YIELD name, state, options WHERE name IN $names "
        "RETURN name, state, options.indexConfig.`vector.dimensions` AS dims",
        names=[spec.name for spec in VECTOR_INDEXES],  # not the text index, which is not theirs
    )
    assert {r["name"]: (r["state"], r["dims"]) for r in records} == {
        "item_embedding": ("ONLINE", 3),
        "user_embedding": ("ONLINE", 3),
    }
    records, _, _ = graph.execute_query("MATCH (i:Item {id: 'i9'}) RETURN i.embedding AS e")
    assert records[0]["e"] is None


def test_recommendations_follow_a_new_model_at_once(graph: Driver) -> None:
    exported = export_training_graph(graph)
    user_emb, item_emb = _vectors(exported)
    write_embeddings(graph, exported, user_emb, item_emb, model_id="run-1")
    before = [s.item_id for s in recommend_items(graph, "u0", 3)]

    write_embeddings(graph, exported, user_emb, -item_emb, model_id="run-2")

    after = [s.item_id for s in recommend_items(graph, "u0", 3)]
    assert (before, after) == (["i5", "i2", "i3"], ["i4", "i1", "i3"])


MODELS_SEEN_QUERY = """
MATCH (n) WHERE (n:User OR n:Item) AND n.embedding IS NOT NULL
RETURN collect(DISTINCT n.embedding_model) AS models, count(n) AS vectors
"""


def test_recommendations_never_mix_two_models_during_a_write_back(graph: Driver) -> None:
    # Neo4j reads at read-committed: a raw Cypher scan racing the commit can see part of it
    # (this test's first version, which polled the vectors, saw both models at once). The
    # serving layer must not: run-2 doubles every vector, so a score from one run-2 vector and
    # one run-1 vector is 2x a run-1 score, both from run-2 4x.
    graph.execute_query("UNWIND range(1, 400) AS k CREATE (:User {id: 'extra-' + k})")
    exported = export_training_graph(graph)
    user_emb, item_emb = torch.randn(len(exported.user_ids), 4), torch.randn(5, 4)
    write_embeddings(graph, exported, user_emb, item_emb, model_id="run-1")
    run_1 = [s.score for s in recommend_items(graph, "u0", 5, exclude=Exclude.NOTHING)]
    seen: list[list[float]] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            found = recommend_items(graph, "u0", 5, exclude=Exclude.NOTHING)
            seen.append(sorted(s.score for s in found))

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        write_embeddings(graph, exported, 2 * user_emb, 2 * item_emb, model_id="run-2")
    finally:
        done.set()
        poller.join()

    assert len(seen) > 3
    for scores in seen:
        assert scores in (
            pytest.approx(sorted(run_1), abs=1e-5),
            pytest.approx(sorted(4 * x for x in run_1), abs=1e-5),
        )


def test_a_user_vector_of_another_model_is_not_scored(graph: Driver) -> None:
    exported = export_training_graph(graph)
    write_embeddings(graph, exported, *_vectors(exported), model_id="run-1")
    graph.execute_query("MATCH (u:User {id: 'u0'}) SET u.embedding_model = 'run-0'")

    with pytest.raises(NotTrained, match="run-0"):
        recommend_items(graph, "u0", 3)


def test_item_vectors_are_not_cached_while_incomplete(graph: Driver) -> None:
    exported = export_training_graph(graph)
    write_embeddings(graph, exported, *_vectors(exported), model_id="run-1")
    # as a read racing the commit would find it: one item still without run-1's vector
    graph.execute_query("MATCH (i:Item {id: 'i3'}) SET i.embedding_model = 'run-0'")
    graph.execute_query("MATCH (u:User) SET u.embedding_model = 'run-1'")

    with pytest.raises(NotTrained, match="4 of its 5 item vectors"):
        recommend_items(graph, "u0", 3)
    graph.execute_query("MATCH (i:Item {id: 'i3'}) SET i.embedding_model = 'run-1'")
    assert [s.item_id for s in recommend_items(graph, "u0", 5)] == ["i5", "i2", "i3", "i1", "i4"]


def test_failed_write_back_rolls_back_and_keeps_the_old_model(graph: Driver) -> None:
    exported = export_training_graph(graph)
    write_embeddings(graph, exported, *_vectors(exported), model_id="run-1")
    graph.execute_query("MATCH (u:User {id: 'u2'}) DETACH DELETE u")

    with pytest.raises(InterestGraphError, match="rolled back"):
        write_embeddings(graph, exported, *_vectors(exported), model_id="run-2", batch_size=2)

    records, _, _ = graph.execute_query(MODELS_SEEN_QUERY)
    assert (records[0]["models"], records[0]["vectors"]) == (["run-1"], 3 + 5)
    model = active_model(graph)
    assert model is not None and model.id == "run-1"


def test_model_node_records_dimension_norm_and_the_active_model(graph: Driver) -> None:
    assert active_model(graph) is None
    exported = export_training_graph(graph)
    user_emb, item_emb = _vectors(exported)
    write_embeddings(graph, exported, user_emb, item_emb, model_id="run-1")
    write_embeddings(graph, exported, 2 * user_emb[:, :3], item_emb[:, :3], model_id="run-2")

    model = active_model(graph)
    assert model is not None
    assert (model.id, model.dimension) == ("run-2", 3)
    assert model.user_norm_mean == pytest.approx(float((2 * user_emb[:, :3]).norm(dim=1).mean()))
    records, _, _ = graph.execute_query(
        "MATCH (m:EmbeddingModel) RETURN m.id AS id, m.active AS active, m.dimension AS d, "
        "m.users AS users, m.items AS items ORDER BY id"
    )
    assert [dict(r) for r in records] == [
        {"id": "run-1", "active": False, "d": 4, "users": 4, "items": 5},
        {"id": "run-2", "active": True, "d": 3, "users": 4, "items": 5},
    ]


def test_quantized_index_of_the_right_dimension_is_recreated(graph: Driver) -> None:
    # Neo4j's default is int8 quantization, which reorders near neighbours.
    graph.execute_query(
        "CREATE VECTOR INDEX item_embedding FOR (i:Item) ON i.embedding "
        "OPTIONS {indexConfig: {`vector.dimensions`: 4, `vector.similarity_function`: 'cosine'}}"
    )
    exported = export_training_graph(graph)
    report = write_embeddings(graph, exported, *_vectors(exported), model_id="run-1")
    assert "item_embedding" in report.indexes_created


def test_legacy_search_vectors_and_their_index_go(graph: Driver) -> None:
    graph.execute_query(
        "CREATE VECTOR INDEX item_search_vector FOR (i:Item) ON i.search_vector "
        "OPTIONS {indexConfig: {`vector.dimensions`: 5, `vector.similarity_function`: 'euclidean'}}"
    )
    graph.execute_query("MATCH (i:Item {id: 'i1'}) SET i.search_vector = [1.0, 0.0, 0.0, 0.0, 3.0]")
    exported = export_training_graph(graph)
    write_embeddings(graph, exported, *_vectors(exported), model_id="run-1")
    records, _, _ = graph.execute_query("SHOW INDEXES YIELD name RETURN collect(name) AS names")
    assert "item_search_vector" not in records[0]["names"]
    records, _, _ = graph.execute_query(
        "MATCH (i:Item) WHERE i.search_vector IS NOT NULL RETURN count(i) AS n"
    )
    assert records[0]["n"] == 0


@pytest.mark.parametrize(
    ("user_shape", "item_shape"),
    [
        ((4, 4), (5, 3)),  # dimensions differ
        ((3, 4), (5, 4)),  # a user row missing
        ((4, 4), (6, 4)),  # an item row too many
        ((4, 0), (5, 0)),
    ],  # no dimensions
)
def test_write_back_refuses_mismatched_shapes(
    graph: Driver, user_shape: tuple[int, int], item_shape: tuple[int, int]
) -> None:
    exported = export_training_graph(graph)
    with pytest.raises(BadInput):
        write_embeddings(
            graph, exported, torch.ones(user_shape), torch.ones(item_shape), model_id="bad"
        )


def test_write_back_refuses_nan(graph: Driver) -> None:
    exported = export_training_graph(graph)
    user_emb, item_emb = _vectors(exported)
    item_emb[0, 0] = float("nan")
    with pytest.raises(BadInput, match="NaN"):
        write_embeddings(graph, exported, user_emb, item_emb, model_id="bad")
