"""Fold-in of new and changed users into the active model, on a real Neo4j with vector indexes."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from neo4j import Driver

from cli_runner import run_cli
from graph_builder import GraphSpec, dot, padded, pseudonym, vector_indexes, write_graph
from interestgraph.config import Settings
from interestgraph.errors import NotFound, NotTrained
from interestgraph.serving.fold_in import changed_users, fold_in_user, fold_in_users
from interestgraph.serving.recommend import recommend_items

pytestmark = pytest.mark.integration

ITEM_VECTORS: dict[str, tuple[float, float]] = {
    "i01": (1.2, 0.0),
    "i02": (1.1, -0.5),
    "i03": (1.0, 0.6),
    "i04": (0.9, -0.9),
    "i05": (0.8, 1.0),
    "i06": (0.7, 0.2),
    "i07": (0.6, 1.6),
    "i08": (0.5, -0.8),
    "i09": (0.4, 0.1),
    "i10": (0.3, 1.3),
    "i11": (0.2, -1.2),
}
SPEC = GraphSpec(
    items={**ITEM_VECTORS, "i12": None},  # i12: not reached by any training run yet
    users={"u1": (1.0, 0.0), "u2": (0.6, 0.8)},
    purchases={"u1": ["i01", "i07"], "u2": ["i07"]},
)
USER_NORM_MEAN = 1.0  # write_graph's model: the mean norm of the users (1, 0) and (0.6, 0.8)
U1 = pseudonym("u1")  # write_graph stores users under their pseudonyms

BEHAVIOUR_QUERY = """
MERGE (u:User {id: $user})
WITH u MATCH (i:Item) WHERE i.id IN $items
CREATE (u)-[:VIEWED {count: 1, changed_at: datetime.transaction()}]->(i)
"""


@pytest.fixture(scope="module")
def indexes(neo4j_driver: Driver) -> Iterator[None]:
    with vector_indexes(neo4j_driver):
        yield


@pytest.fixture
def graph(indexes: None, empty_db: Driver) -> Driver:
    write_graph(empty_db, SPEC)
    return empty_db


def expected_vector(items: dict[str, int]) -> tuple[float, float]:
    """LightGCN's rule by hand: Σ e_i / sqrt(deg i), scaled to the trained users' mean norm."""
    x = sum(ITEM_VECTORS[i][0] / math.sqrt(d) for i, d in items.items())
    y = sum(ITEM_VECTORS[i][1] / math.sqrt(d) for i, d in items.items())
    length = math.hypot(x, y)
    return (x * USER_NORM_MEAN / length, y * USER_NORM_MEAN / length)


def expected_top(vector: tuple[float, float], seen: set[str], first: int) -> list[str]:
    unseen = [i for i in ITEM_VECTORS if i not in seen]
    return sorted(unseen, key=lambda i: -dot(vector, ITEM_VECTORS[i]))[:first]


def test_new_user_is_folded_in_and_recommendations_follow_new_events(graph: Driver) -> None:
    graph.execute_query(BEHAVIOUR_QUERY, user="new", items=["i07", "i10"])
    with pytest.raises(NotTrained):
        recommend_items(graph, "new", 3)

    result = fold_in_user(graph, "new")

    # i07 has two users (u1 and u2 bought it, "new" viewed it): three edges; i10 one.
    vector = expected_vector({"i07": 3, "i10": 1})
    records, _, _ = graph.execute_query(
        "MATCH (u:User {id: 'new'}) RETURN u.embedding AS e, u.embedding_model AS model"
    )
    assert records[0]["e"] == pytest.approx(padded(vector), abs=1e-5)
    models, _, _ = graph.execute_query("MATCH (m:EmbeddingModel) RETURN m.id AS id")
    model = models[0]["id"]
    assert (result.model_id, result.items, records[0]["model"]) == (model, 2, model)
    before = [s.item_id for s in recommend_items(graph, "new", 3)]
    assert before == expected_top(vector, {"i07", "i10"}, 3) == ["i05", "i03", "i06"]

    graph.execute_query(BEHAVIOUR_QUERY, user="new", items=["i04", "i08", "i11"])
    fold_in_user(graph, "new")

    seen = {"i07", "i10", "i04", "i08", "i11"}
    vector = expected_vector({"i07": 3, "i10": 1, "i04": 1, "i08": 1, "i11": 1})
    after = [s.item_id for s in recommend_items(graph, "new", 3)]
    assert after == expected_top(vector, seen, 3)
    assert after != before


def test_items_without_vectors_are_left_out_and_alone_give_nothing(graph: Driver) -> None:
    graph.execute_query(BEHAVIOUR_QUERY, user="fresh", items=["i12"])
    with pytest.raises(NotTrained, match="no items with embeddings"):
        fold_in_user(graph, "fresh")

    graph.execute_query(BEHAVIOUR_QUERY, user="fresh", items=["i03"])
    assert fold_in_user(graph, "fresh").items == 1


def test_unknown_user_and_missing_model(graph: Driver) -> None:
    with pytest.raises(NotFound):
        fold_in_user(graph, "nobody")
    graph.execute_query("MATCH (m:EmbeddingModel) DETACH DELETE m")
    with pytest.raises(NotTrained, match="no model"):
        fold_in_user(graph, U1)
    with pytest.raises(NotTrained, match="no model"):
        fold_in_users(graph, [U1])


def test_changed_users_are_those_with_behaviour_after_the_model_or_no_vector(
    graph: Driver,
) -> None:
    graph.execute_query(BEHAVIOUR_QUERY, user=U1, items=["i03"])  # u1 viewed i03 since
    graph.execute_query(BEHAVIOUR_QUERY, user="new", items=["i05"])
    graph.execute_query(BEHAVIOUR_QUERY, user="cold", items=["i12"])  # nothing to fold in from

    changed = changed_users(graph)

    assert changed == sorted([U1, "new", "cold"])
    summary = fold_in_users(graph, changed)
    assert sorted(r.user_id for r in summary.folded) == sorted([U1, "new"])
    assert summary.skipped == ["cold"]
    assert changed_users(graph) == ["cold"]


def test_cli_folds_in_changed_users(graph: Driver, neo4j_settings: Settings) -> None:
    graph.execute_query(BEHAVIOUR_QUERY, user="new", items=["i05", "i06"])

    result = run_cli(neo4j_settings, "fold-in", "--changed")

    assert result.returncode == 0, result.stderr
    assert "folded in 1 users, skipped 0" in result.stderr  # the console writes to stderr
    records, _, _ = graph.execute_query("MATCH (u:User {id: 'new'}) RETURN u.embedding AS e")
    assert records[0]["e"] == pytest.approx(padded(expected_vector({"i05": 1, "i06": 1})), abs=1e-5)
    refused = run_cli(neo4j_settings, "fold-in")
    assert refused.returncode != 0
    assert "--changed" in refused.stderr
