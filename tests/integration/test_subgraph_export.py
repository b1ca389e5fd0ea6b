"""Subgraph scopes (export/subgraph.py) on a small hand-made graph, exported from a real Neo4j."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from neo4j import Driver

from interestgraph.errors import BadInput, NotFound
from interestgraph.export import ExportedGraph, export_training_graph
from interestgraph.export.subgraph import (
    category_subtree,
    k_hop,
    sample_key,
    time_window,
    user_sample,
)

pytestmark = pytest.mark.integration

USERS = ["u1", "u2", "u3", "u4", "u5", "u6"]  # u5 and u6 have no behaviour
ITEMS = ["i1", "i2", "i3", "i4", "i5"]
CATEGORIES = ["A", "A > B", "A > B > C", "A > D", "E"]
BRANDS = ["b1", "b2", "b3"]  # b3 makes nothing
SUBCATEGORIES = [("A > B", "A"), ("A > B > C", "A > B"), ("A > D", "A")]
ITEM_CATEGORIES = [
    ("i1", "A > B > C"),
    ("i2", "A > B"),
    ("i3", "A > D"),
    ("i4", "E"),
    ("i5", "A > B > C"),
    ("i5", "E"),
]
ITEM_BRANDS = [("i1", "b1"), ("i4", "b1"), ("i3", "b2")]
FOLLOWS = [("u5", "u1")]


def _t(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


# (type, user, item, first_at, last_at); None times: the source had sequence numbers only.
BEHAVIOURS = [
    ("PURCHASED", "u1", "i1", _t("2024-01-05"), _t("2024-01-10")),
    ("VIEWED", "u1", "i4", _t("2024-02-01"), _t("2024-02-01")),  # starts at the window's end
    ("VIEWED", "u2", "i2", _t("2023-12-01"), _t("2024-01-02")),  # overlaps its start
    ("PURCHASED", "u2", "i3", _t("2024-03-01"), _t("2024-03-01")),  # after it
    ("CLICKED", "u3", "i4", _t("2023-06-01"), _t("2023-06-01")),  # before it
    ("RATED", "u3", "i5", _t("2024-01-15"), _t("2024-01-15")),
    ("ADDED_TO_CART", "u4", "i3", _t("2024-01-31"), _t("2024-01-31")),
    ("PURCHASED", "u4", "i2", None, None),
]
WINDOW = (_t("2024-01-01"), _t("2024-02-01"))

CREATE_GRAPH_QUERY = """
UNWIND $users AS id CREATE (:User {id: id})
WITH count(*) AS _ UNWIND $items AS id CREATE (:Item {id: id})
WITH count(*) AS _ UNWIND $categories AS id CREATE (:Category {id: id, name: id})
WITH count(*) AS _ UNWIND $brands AS id CREATE (:Brand {id: id, name: id})
WITH count(*) AS _ UNWIND $subcategories AS p
MATCH (c:Category {id: p[0]}), (parent:Category {id: p[1]}) CREATE (c)-[:SUBCATEGORY_OF]->(parent)
WITH count(*) AS _ UNWIND $item_categories AS p
MATCH (i:Item {id: p[0]}), (c:Category {id: p[1]}) CREATE (i)-[:IN_CATEGORY]->(c)
WITH count(*) AS _ UNWIND $item_brands AS p
MATCH (i:Item {id: p[0]}), (b:Brand {id: p[1]}) CREATE (i)-[:MADE_BY]->(b)
WITH count(*) AS _ UNWIND $follows AS p
MATCH (a:User {id: p[0]}), (b:User {id: p[1]}) CREATE (a)-[:FOLLOWS]->(b)
"""
# One statement per behaviour type: relationship types cannot be parameters.
CREATE_BEHAVIOUR_QUERIES = {
    rel: f"""
    UNWIND $rows AS row
    MATCH (u:User {{id: row.user}}), (i:Item {{id: row.item}})
    CREATE (u)-[r:{rel} {{count: 1, first_seq: 0, last_seq: 0}}]->(i)
    SET r.first_at = row.first_at, r.last_at = row.last_at
    """
    for rel in ("PURCHASED", "VIEWED", "CLICKED", "RATED", "ADDED_TO_CART")
}

Edge = tuple[str, str, str]  # (relationship type, source id, target id)

CATALOGUE: set[Edge] = {
    *(("SUBCATEGORY_OF", a, b) for a, b in SUBCATEGORIES),
    *(("IN_CATEGORY", a, b) for a, b in ITEM_CATEGORIES),
    *(("MADE_BY", a, b) for a, b in ITEM_BRANDS),
    *(("FOLLOWS", a, b) for a, b in FOLLOWS),
}
ALL_BEHAVIOUR_EDGES: set[Edge] = {(rel, u, i) for rel, u, i, _, _ in BEHAVIOURS}


@pytest.fixture
def graph(empty_db: Driver) -> Driver:
    empty_db.execute_query(
        CREATE_GRAPH_QUERY,
        users=USERS,
        items=ITEMS,
        categories=CATEGORIES,
        brands=BRANDS,
        subcategories=[list(p) for p in SUBCATEGORIES],
        item_categories=[list(p) for p in ITEM_CATEGORIES],
        item_brands=[list(p) for p in ITEM_BRANDS],
        follows=[list(p) for p in FOLLOWS],
    )
    for rel, query in CREATE_BEHAVIOUR_QUERIES.items():
        rows = [
            {"user": u, "item": i, "first_at": first, "last_at": last}
            for r, u, i, first, last in BEHAVIOURS
            if r == rel
        ]
        empty_db.execute_query(query, rows=rows)
    return empty_db


def _edges(exported: ExportedGraph) -> set[Edge]:
    """Every exported edge as (relationship type, source id, target id)."""
    edges = set()
    for source, rel, target in exported.data.edge_types:
        edge_index = exported.data[(source, rel, target)].edge_index
        for s, t in edge_index.T.tolist():
            edges.add((rel.upper(), exported.ids[source][s], exported.ids[target][t]))
    return edges


def _nodes(exported: ExportedGraph) -> dict[str, set[str]]:
    return {node_type: set(ids) for node_type, ids in exported.ids.items() if ids}


def _induced(nodes: set[str]) -> set[Edge]:
    """The test graph's edges with both ends in ``nodes`` (ids are unique across types)."""
    return {e for e in CATALOGUE | ALL_BEHAVIOUR_EDGES if e[1] in nodes and e[2] in nodes}


def test_full_export_sees_the_whole_test_graph(graph: Driver) -> None:
    # the baseline the scoped exports below are compared against
    assert _edges(export_training_graph(graph)) == CATALOGUE | ALL_BEHAVIOUR_EDGES


def test_time_window_keeps_only_behaviour_with_events_in_it(graph: Driver) -> None:
    exported = export_training_graph(graph, time_window(*WINDOW))

    assert _nodes(exported) == {
        "user": set(USERS),
        "item": set(ITEMS),
        "category": set(CATEGORIES),
        "brand": set(BRANDS),
    }
    assert _edges(exported) == CATALOGUE | {
        ("PURCHASED", "u1", "i1"),
        ("VIEWED", "u2", "i2"),
        ("RATED", "u3", "i5"),
        ("ADDED_TO_CART", "u4", "i3"),
    }


def test_time_window_refuses_empty_and_naive_windows() -> None:
    with pytest.raises(BadInput):
        time_window(WINDOW[1], WINDOW[0])
    with pytest.raises(BadInput):
        time_window(WINDOW[0], WINDOW[0])
    with pytest.raises(BadInput):
        time_window(datetime(2024, 1, 1), datetime(2024, 2, 1))


def test_category_subtree(graph: Driver) -> None:
    scope = category_subtree(graph, "A > B")
    exported = export_training_graph(graph, scope)

    assert _nodes(exported) == {
        "category": {"A > B", "A > B > C"},
        "item": {"i1", "i2", "i5"},
        "user": {"u1", "u2", "u3", "u4"},
        "brand": {"b1"},
    }
    assert exported.ids["topic"] == []
    assert _edges(exported) == {
        ("SUBCATEGORY_OF", "A > B > C", "A > B"),
        ("IN_CATEGORY", "i1", "A > B > C"),
        ("IN_CATEGORY", "i2", "A > B"),
        ("IN_CATEGORY", "i5", "A > B > C"),
        ("MADE_BY", "i1", "b1"),
        ("PURCHASED", "u1", "i1"),
        ("VIEWED", "u2", "i2"),
        ("RATED", "u3", "i5"),
        ("PURCHASED", "u4", "i2"),
    }


def test_category_subtree_of_a_leaf_and_of_the_root(graph: Driver) -> None:
    leaf = category_subtree(graph, "A > D")
    assert leaf.nodes == {
        "category": ["A > D"],
        "item": ["i3"],
        "user": ["u2", "u4"],
        "brand": ["b2"],
        "topic": [],
    }
    root = category_subtree(graph, "A")
    assert set(root.nodes["category"]) == {"A", "A > B", "A > B > C", "A > D"}
    assert root.nodes["item"] == ["i1", "i2", "i3", "i5"]


def test_unknown_category_is_not_found(graph: Driver) -> None:
    with pytest.raises(NotFound):
        category_subtree(graph, "Nope")


def test_user_sample_is_the_lowest_hash_keys_and_their_items(graph: Driver) -> None:
    scope = user_sample(graph, n=3, seed=7)
    expected_users = sorted(USERS, key=lambda u: sample_key(u, 7))[:3]
    touched = {i for _, u, i, _, _ in BEHAVIOURS if u in expected_users}
    assert scope.nodes == {"user": sorted(expected_users), "item": sorted(touched)}

    exported = export_training_graph(graph, scope)
    assert set(exported.user_ids) == set(expected_users)
    assert set(exported.item_ids) == touched
    assert set(exported.category_ids) == set(CATEGORIES)  # the catalogue stays whole
    assert _edges(exported) == _induced(
        set(expected_users) | touched | set(CATEGORIES) | set(BRANDS)
    )


def test_user_sample_is_reproducible_and_depends_on_the_seed(graph: Driver) -> None:
    assert user_sample(graph, n=3, seed=1) == user_sample(graph, n=3, seed=1)
    assert user_sample(graph, fraction=0.5, seed=1) == user_sample(graph, fraction=0.5, seed=1)
    samples = {tuple(user_sample(graph, n=3, seed=s).nodes["user"]) for s in range(8)}
    assert len(samples) > 1
    # a larger sample of the same seed contains the smaller one
    small = set(user_sample(graph, n=2, seed=3).nodes["user"])
    assert small <= set(user_sample(graph, n=4, seed=3).nodes["user"])


def test_user_sample_by_fraction(graph: Driver) -> None:
    assert user_sample(graph, fraction=0.0).nodes == {"user": [], "item": []}
    everyone = user_sample(graph, fraction=1.0)
    assert everyone.nodes == {"user": USERS, "item": ITEMS}
    half = user_sample(graph, fraction=0.5, seed=11).nodes["user"]
    assert half == sorted(u for u in USERS if sample_key(u, 11) < 0.5 * 2**64)


def test_user_sample_refuses_bad_arguments(graph: Driver) -> None:
    for kwargs in ({}, {"n": 1, "fraction": 0.5}, {"fraction": 1.5}, {"n": -1}):
        with pytest.raises(BadInput):
            user_sample(graph, **kwargs)


def test_k_hop_grows_hop_by_hop_in_both_directions(graph: Driver) -> None:
    assert k_hop(graph, {"user": ["u5"]}, 0).nodes["user"] == ["u5"]
    one = k_hop(graph, {"user": ["u5"]}, 1)
    assert {t: ids for t, ids in one.nodes.items() if ids} == {"user": ["u1", "u5"]}
    two = k_hop(graph, {"user": ["u5"]}, 2)
    assert {t: ids for t, ids in two.nodes.items() if ids} == {
        "user": ["u1", "u5"],
        "item": ["i1", "i4"],
    }

    three = k_hop(graph, {"user": ["u5"]}, 3)
    exported = export_training_graph(graph, three)
    # i4 leads back (against CLICKED's direction) to u3, but u3's rated i5 is 4 hops away
    assert _nodes(exported) == {
        "user": {"u1", "u3", "u5"},
        "item": {"i1", "i4"},
        "category": {"A > B > C", "E"},
        "brand": {"b1"},
    }
    assert _edges(exported) == {
        ("FOLLOWS", "u5", "u1"),
        ("PURCHASED", "u1", "i1"),
        ("VIEWED", "u1", "i4"),
        ("CLICKED", "u3", "i4"),
        ("IN_CATEGORY", "i1", "A > B > C"),
        ("IN_CATEGORY", "i4", "E"),
        ("MADE_BY", "i1", "b1"),
        ("MADE_BY", "i4", "b1"),
    }


def test_k_hop_from_several_seed_types(graph: Driver) -> None:
    scope = k_hop(graph, {"brand": ["b2"], "category": ["A > D"]}, 1)
    assert {t: ids for t, ids in scope.nodes.items() if ids} == {
        "brand": ["b2"],
        "category": ["A", "A > D"],
        "item": ["i3"],
    }
    # an isolated seed reaches nothing, however many hops
    everything = k_hop(graph, {"user": ["u6"]}, 10)
    assert {t: ids for t, ids in everything.nodes.items() if ids} == {"user": ["u6"]}


def test_k_hop_refuses_unknown_seeds_and_negative_hops(graph: Driver) -> None:
    with pytest.raises(NotFound, match="nobody"):
        k_hop(graph, {"user": ["u1", "nobody"]}, 1)
    with pytest.raises(BadInput):
        k_hop(graph, {"user": ["u1"]}, -1)
    with pytest.raises(BadInput):
        k_hop(graph, {"shop": ["u1"]}, 1)
    with pytest.raises(BadInput):
        k_hop(graph, {"user": []}, 1)
