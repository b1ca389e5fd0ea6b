"""The Neo4j remote backend for PyG (export/remote.py) against a real Neo4j: its edges, features
and sampled subgraphs agree with the in-memory export of the same hand-made graph."""

from __future__ import annotations

import random
from collections.abc import Mapping

import pytest
import torch
from neo4j import Driver
from torch import Tensor
from torch_geometric.loader import LinkNeighborLoader, NeighborLoader, NodeLoader
from torch_geometric.sampler import HeteroSamplerOutput, NodeSamplerInput
from torch_geometric.transforms import ToUndirected

from interestgraph.errors import BadInput
from interestgraph.export import ExportedGraph, export_training_graph
from interestgraph.export.remote import (
    FeatureMissing,
    InMemoryNeighbours,
    Neo4jFeatureStore,
    Neo4jGraphStore,
    Neo4jNeighborSampler,
    reverse_edge_type,
)
from interestgraph.export.training_graph import PURCHASED

pytestmark = pytest.mark.integration

EdgeType = tuple[str, str, str]

USERS = ["u3", "u1", "u0", "u4", "u2"]  # created unsorted: indices are sorted positions
ITEMS = ["i5", "i2", "i0", "i4", "i1", "i3"]
CATEGORIES = ["Makeup > Nails", "Makeup", "Makeup > Eyes"]
BRANDS = ["opi", "unused", "nyx"]
PURCHASES = [
    ("u1", "i1"),
    ("u1", "i2"),
    ("u1", "i3"),
    ("u2", "i3"),
    ("u2", "i5"),
    ("u3", "i1"),
    *(("u4", item) for item in ["i1", "i2", "i3", "i4", "i5"]),  # u0 bought nothing
]
VIEWS = [("u0", "i0"), ("u1", "i4"), ("u2", "i1"), ("u4", "i0")]
FOLLOWS = [("u1", "u2"), ("u3", "u2"), ("u2", "u1")]
ITEM_CATEGORIES = [
    ("i1", "Makeup > Nails"),
    ("i2", "Makeup > Nails"),
    ("i2", "Makeup > Eyes"),
    ("i3", "Makeup > Eyes"),
    ("i5", "Makeup"),
]
ITEM_BRANDS = [("i1", "opi"), ("i3", "nyx"), ("i4", "nyx")]
SUBCATEGORIES = [("Makeup > Nails", "Makeup"), ("Makeup > Eyes", "Makeup")]
TEXT = {item: [float(k), 0.5 * k, -1.0] for k, item in enumerate(sorted(ITEMS))}
USER_SCORE = {user: float(k) / 4 for k, user in enumerate(sorted(USERS))}

CREATE_GRAPH_QUERY = """
UNWIND $users AS u CREATE (:User {id: u.id, score: u.score})
WITH count(*) AS _ UNWIND $items AS i CREATE (:Item {id: i.id, text_embedding: i.vector})
WITH count(*) AS _ UNWIND $categories AS id CREATE (:Category {id: id, name: id})
WITH count(*) AS _ UNWIND $brands AS id CREATE (:Brand {id: id, name: id})
WITH count(*) AS _ UNWIND $purchases AS p
MATCH (u:User {id: p[0]}), (i:Item {id: p[1]}) CREATE (u)-[:PURCHASED {count: 1, last_seq: 0}]->(i)
WITH count(*) AS _ UNWIND $views AS p
MATCH (u:User {id: p[0]}), (i:Item {id: p[1]}) CREATE (u)-[:VIEWED {count: 1}]->(i)
WITH count(*) AS _ UNWIND $follows AS p
MATCH (a:User {id: p[0]}), (b:User {id: p[1]}) CREATE (a)-[:FOLLOWS]->(b)
WITH count(*) AS _ UNWIND $item_categories AS p
MATCH (i:Item {id: p[0]}), (c:Category {id: p[1]}) CREATE (i)-[:IN_CATEGORY]->(c)
WITH count(*) AS _ UNWIND $item_brands AS p
MATCH (i:Item {id: p[0]}), (b:Brand {id: p[1]}) CREATE (i)-[:MADE_BY]->(b)
WITH count(*) AS _ UNWIND $subcategories AS p
MATCH (c:Category {id: p[0]}), (parent:Category {id: p[1]}) CREATE (c)-[:SUBCATEGORY_OF]->(parent)
"""

ROLLED = ("item", "rev_purchased", "user")  # a user's bought items flow into the user
VIEWED = ("user", "viewed", "item")


@pytest.fixture
def graph(empty_db: Driver) -> Driver:
    empty_db.execute_query(
        CREATE_GRAPH_QUERY,
        users=[{"id": u, "score": USER_SCORE[u]} for u in USERS],
        items=[{"id": i, "vector": TEXT[i]} for i in ITEMS],
        categories=CATEGORIES,
        brands=BRANDS,
        purchases=[list(p) for p in PURCHASES],
        views=[list(p) for p in VIEWS],
        follows=[list(p) for p in FOLLOWS],
        item_categories=[list(p) for p in ITEM_CATEGORIES],
        item_brands=[list(p) for p in ITEM_BRANDS],
        subcategories=[list(p) for p in SUBCATEGORIES],
    )
    return empty_db


@pytest.fixture
def exported(graph: Driver) -> ExportedGraph:
    return export_training_graph(graph)


def _edge_set(exported: ExportedGraph, edge_type: EdgeType) -> set[tuple[str, str]]:
    """An edge type of the export (or the reverse of one) as id pairs."""
    src, rel, dst = edge_type
    if rel.startswith("rev_"):
        return {(b, a) for a, b in _edge_set(exported, (dst, rel.removeprefix("rev_"), src))}
    edge_index = exported.data[edge_type].edge_index
    return {(exported.ids[src][s], exported.ids[dst][d]) for s, d in edge_index.T.tolist()}


def _as_ids(
    out: HeteroSamplerOutput, ids: Mapping[str, list[str]]
) -> tuple[dict[str, set[str]], dict[EdgeType, set[tuple[str, str]]]]:
    """A sampled subgraph as node id sets per type and non-empty edge sets of id pairs."""
    nodes = {
        t: {ids[t][i] for i in index.tolist()} for t, index in out.node.items() if index.numel()
    }
    edges = {}
    for edge_type, row in out.row.items():
        src, _, dst = edge_type
        pairs = zip(
            out.node[src][row].tolist(), out.node[dst][out.col[edge_type]].tolist(), strict=True
        )
        if row.numel():
            edges[edge_type] = {(ids[src][s], ids[dst][d]) for s, d in pairs}
    return nodes, edges


def _sample(sampler: Neo4jNeighborSampler, node_type: str, seeds: list[int]) -> HeteroSamplerOutput:
    index = torch.tensor(seeds)
    out = sampler.sample_from_nodes(
        NodeSamplerInput(input_id=torch.arange(len(seeds)), node=index, input_type=node_type)
    )
    assert isinstance(out, HeteroSamplerOutput)
    return out


def _assert_same_output(a: HeteroSamplerOutput, b: HeteroSamplerOutput) -> None:
    assert a.node.keys() == b.node.keys()
    for t in a.node:
        assert torch.equal(a.node[t], b.node[t]), t
    assert a.row.keys() == b.row.keys()
    for t in a.row:
        assert torch.equal(a.row[t], b.row[t]), t
        assert torch.equal(a.col[t], b.col[t]), t
    assert a.num_sampled_nodes == b.num_sampled_nodes
    assert a.num_sampled_edges == b.num_sampled_edges


# Graph store ##################################################################################


def test_graph_store_edges_match_the_export(graph: Driver, exported: ExportedGraph) -> None:
    store = Neo4jGraphStore(graph, batch_size=2)  # reads and sorts the ids itself
    memory = InMemoryNeighbours(exported.data)

    assert store.ids == exported.ids
    assert store.num_nodes == {t: len(v) for t, v in exported.ids.items()}
    forward = {
        ("user", "purchased", "item"),
        ("user", "viewed", "item"),
        ("user", "follows", "user"),
        ("item", "in_category", "category"),
        ("item", "made_by", "brand"),
        ("category", "subcategory_of", "category"),
    }
    assert set(store.edge_types) == forward | {reverse_edge_type(t) for t in forward}
    assert set(store.edge_types) == set(memory.edge_types)
    # the reverse types are named as ToUndirected names them (its own self-loop types aside)
    undirected = ToUndirected()(exported.data.clone())
    assert {t for t in store.edge_types if t[0] != t[2]} <= set(undirected.edge_types)

    for attr in store.get_all_edge_attrs():
        src, _, dst = attr.edge_type
        assert attr.size == (len(exported.ids[src]), len(exported.ids[dst]))
        row, col = store.get_edge_index(attr.edge_type, "coo")
        pairs = [
            (exported.ids[src][s], exported.ids[dst][d]) for s, d in zip(row, col, strict=True)
        ]
        assert len(pairs) == len(set(pairs))
        assert set(pairs) == _edge_set(exported, attr.edge_type), attr.edge_type
        order = sorted(zip(row.tolist(), col.tolist(), strict=True))
        assert list(zip(row.tolist(), col.tolist(), strict=True)) == order
    assert {
        (exported.user_ids[u], exported.item_ids[i])
        for u, i in zip(*store.get_edge_index(PURCHASED, "coo"), strict=True)
    } == set(PURCHASES)


def test_graph_store_is_read_only(graph: Driver) -> None:
    store = Neo4jGraphStore(graph)
    with pytest.raises(NotImplementedError, match="read-only"):
        store.put_edge_index((torch.tensor([0]), torch.tensor([0])), PURCHASED, "coo")
    with pytest.raises(NotImplementedError, match="read-only"):
        store.remove_edge_index(PURCHASED, "coo")
    with pytest.raises(KeyError):
        store.get_edge_index(("user", "rated", "item"), "coo")  # no RATED relationships
    with pytest.raises(BadInput, match="unknown or empty edge type"):
        store.in_neighbours(("user", "rated", "item"), torch.tensor([0]))


@pytest.mark.parametrize("batch_size", [1, 3, 10_000])
def test_in_neighbours_match_the_export(
    graph: Driver, exported: ExportedGraph, batch_size: int
) -> None:
    store = Neo4jGraphStore(graph, exported.ids, batch_size=batch_size)
    memory = InMemoryNeighbours(exported.data)
    for edge_type in store.edge_types:
        src, _, dst = edge_type
        count = len(exported.ids[dst])
        # every destination, out of order and with a repeat
        dst_index = torch.cat([torch.arange(count).flip(0), torch.tensor([0])])
        counts, sources = store.in_neighbours(edge_type, dst_index)
        expected_counts, expected_sources = memory.in_neighbours(edge_type, dst_index)
        assert torch.equal(counts, expected_counts), edge_type
        assert torch.equal(sources, expected_sources), edge_type

        edges = _edge_set(exported, edge_type)
        start = 0
        for d, n in zip(dst_index.tolist(), counts.tolist(), strict=True):
            got = sources[start : start + n].tolist()
            start += n
            assert got == sorted(got)
            assert {exported.ids[src][s] for s in got} == {
                a for a, b in edges if b == exported.ids[dst][d]
            }


def test_in_neighbours_by_hand(graph: Driver, exported: ExportedGraph) -> None:
    store = Neo4jGraphStore(graph, exported.ids)
    user = exported.user_index
    counts, items = store.in_neighbours(ROLLED, torch.tensor([user["u1"], user["u0"], user["u3"]]))
    assert counts.tolist() == [3, 0, 1]
    assert [exported.item_ids[i] for i in items.tolist()] == ["i1", "i2", "i3", "i1"]


# Sampling #####################################################################################


@pytest.mark.parametrize(
    ("node_type", "seeds"),
    [
        ("user", ["u1"]),
        ("user", ["u0", "u2", "u4"]),
        ("item", ["i4", "i0"]),
        ("category", ["Makeup"]),
    ],
)
def test_full_neighbourhoods_are_the_in_memory_ones(
    graph: Driver, exported: ExportedGraph, node_type: str, seeds: list[str]
) -> None:
    store = Neo4jGraphStore(graph, exported.ids)
    memory = InMemoryNeighbours(exported.data)
    index = [exported.ids[node_type].index(s) for s in seeds]

    remote = _sample(Neo4jNeighborSampler(store, [-1, -1]), node_type, index)
    local = _sample(Neo4jNeighborSampler(memory, [-1, -1]), node_type, index)

    assert _as_ids(remote, exported.ids) == _as_ids(local, exported.ids)
    _assert_same_output(remote, local)
    assert remote.node[node_type][: len(seeds)].tolist() == index  # seeds come first
    assert remote.num_sampled_nodes is not None
    assert remote.num_sampled_nodes[node_type][0] == len(seeds)
    assert len(remote.num_sampled_nodes[node_type]) == 3  # seeds, hop 1, hop 2


def test_two_hop_neighbourhood_by_hand(graph: Driver, exported: ExportedGraph) -> None:
    """u1 bought i1, i2, i3; those were bought by u1, u3, u2, u4 (hop 2)."""
    store = Neo4jGraphStore(graph, exported.ids)
    purchases = {ROLLED: [-1, -1], PURCHASED: [-1, -1]}
    out = _sample(Neo4jNeighborSampler(store, purchases), "user", [exported.user_index["u1"]])
    nodes, edges = _as_ids(out, exported.ids)

    assert nodes == {"user": {"u1", "u2", "u3", "u4"}, "item": {"i1", "i2", "i3"}}
    assert edges[ROLLED] == {("i1", "u1"), ("i2", "u1"), ("i3", "u1")}
    assert edges[PURCHASED] == {p for p in PURCHASES if p[1] in {"i1", "i2", "i3"}}
    assert out.num_sampled_nodes == {
        "user": [1, 0, 3],
        "item": [0, 3, 0],
        "category": [0, 0, 0],
        "brand": [0, 0, 0],
        "topic": [0, 0, 0],
    }
    assert out.num_sampled_edges is not None
    assert out.num_sampled_edges[ROLLED] == [3, 0]  # hop 2 has no new users to expand
    assert out.num_sampled_edges[PURCHASED] == [0, 8]


@pytest.mark.parametrize("fanout", [1, 2])
def test_finite_fanout_keeps_at_most_k_real_edges(
    graph: Driver, exported: ExportedGraph, fanout: int
) -> None:
    store = Neo4jGraphStore(graph, exported.ids)
    memory = InMemoryNeighbours(exported.data)
    seeds = [exported.user_index[u] for u in ["u4", "u1", "u2"]]

    remote = _sample(Neo4jNeighborSampler(store, [fanout, fanout], seed=7), "user", seeds)
    local = _sample(Neo4jNeighborSampler(memory, [fanout, fanout], seed=7), "user", seeds)
    _assert_same_output(remote, local)  # the same draws over the same neighbour lists
    again = _sample(Neo4jNeighborSampler(store, [fanout, fanout], seed=7), "user", seeds)
    _assert_same_output(remote, again)

    _, edges = _as_ids(remote, exported.ids)
    for edge_type, pairs in edges.items():
        assert pairs <= _edge_set(exported, edge_type), edge_type
    full = _sample(Neo4jNeighborSampler(store, [-1, -1]), "user", seeds)
    for edge_type, col in remote.col.items():
        dst = edge_type[2]
        per_destination = torch.bincount(col, minlength=remote.node[dst].numel())
        if col.numel():
            assert int(per_destination.max()) <= fanout
        # a destination keeps min(k, degree) neighbours
        destinations = remote.node[dst][col.unique()]
        degrees, _ = store.in_neighbours(edge_type, destinations)
        assert per_destination[col.unique()].tolist() == degrees.clamp(max=fanout).tolist()
    assert sum(r.numel() for r in remote.row.values()) < sum(r.numel() for r in full.row.values())
    # u4 bought five items: a single hop keeps `fanout` of them
    assert remote.num_sampled_edges is not None
    u4 = remote.col[ROLLED][: remote.num_sampled_edges[ROLLED][0]] == 0
    assert int(u4.sum()) == fanout


def test_sampler_rejects_unknown_edge_types(graph: Driver, exported: ExportedGraph) -> None:
    store = Neo4jGraphStore(graph, exported.ids)
    with pytest.raises(BadInput, match="not in the graph"):
        Neo4jNeighborSampler(store, {("user", "rated", "item"): [1]})
    with pytest.raises(BadInput, match="same number of hops"):
        Neo4jNeighborSampler(store, {ROLLED: [1], PURCHASED: [1, 1]})


def _random_graph(driver: Driver, rng: random.Random) -> None:
    """A few hundred edges of each behaviour among 60 users and 40 items, distinct pairs."""
    users = [f"user-{k:02d}" for k in range(60)]
    items = [f"item-{k:02d}" for k in range(40)]

    def pairs(sources: list[str], targets: list[str], count: int) -> list[list[str]]:
        chosen = {(rng.choice(sources), rng.choice(targets)) for _ in range(count)}
        return [list(p) for p in chosen if p[0] != p[1]]

    driver.execute_query(
        CREATE_GRAPH_QUERY,
        users=[{"id": u, "score": 0.0} for u in users],
        items=[{"id": i, "vector": [1.0]} for i in items],
        categories=CATEGORIES,
        brands=BRANDS,
        purchases=pairs(users, items, 300),
        views=pairs(users, items, 200),
        follows=pairs(users, users, 60),
        item_categories=pairs(items, CATEGORIES, 50),
        item_brands=[[i, rng.choice(BRANDS)] for i in items[::2]],
        subcategories=[list(p) for p in SUBCATEGORIES],
    )


def _breadth_first(
    exported: ExportedGraph, edge_types: list[EdgeType], node_type: str, seeds: set[str], hops: int
) -> tuple[dict[str, set[str]], dict[EdgeType, set[tuple[str, str]]]]:
    """Full neighbourhoods from the export's edges alone: each hop expands the nodes the
    previous hop found, along every edge type into them."""
    edge_sets = {t: _edge_set(exported, t) for t in edge_types}
    seen: dict[str, set[str]] = {t: set() for t in exported.ids}
    seen[node_type] = set(seeds)
    frontier = {t: set(v) for t, v in seen.items()}
    edges: dict[EdgeType, set[tuple[str, str]]] = {}
    for _ in range(hops):
        found: dict[str, set[str]] = {t: set() for t in exported.ids}
        for edge_type, pairs in edge_sets.items():
            src, _, dst = edge_type
            for s, d in pairs:
                if d in frontier[dst]:
                    edges.setdefault(edge_type, set()).add((s, d))
                    found[src].add(s)
        frontier = {t: found[t] - seen[t] for t in found}
        for t, new in frontier.items():
            seen[t] |= new
    return {t: v for t, v in seen.items() if v}, edges


@pytest.mark.parametrize("hops", [1, 2, 3])
def test_random_graph_full_neighbourhoods_are_breadth_first(empty_db: Driver, hops: int) -> None:
    rng = random.Random(hops)
    _random_graph(empty_db, rng)
    exported = export_training_graph(empty_db)
    store = Neo4jGraphStore(empty_db, exported.ids, batch_size=7)
    seeds = rng.sample(range(len(exported.user_ids)), 4)

    out = _sample(Neo4jNeighborSampler(store, [-1] * hops), "user", seeds)
    expected = _breadth_first(
        exported, store.edge_types, "user", {exported.user_ids[s] for s in seeds}, hops
    )
    assert _as_ids(out, exported.ids) == expected
    memory = InMemoryNeighbours(exported.data)
    _assert_same_output(out, _sample(Neo4jNeighborSampler(memory, [-1] * hops), "user", seeds))
    sampled = Neo4jNeighborSampler(store, [3] * hops, seed=hops)
    reference = Neo4jNeighborSampler(memory, [3] * hops, seed=hops)
    _assert_same_output(_sample(sampled, "user", seeds), _sample(reference, "user", seeds))


# Feature store ################################################################################


def _read_property(driver: Driver, label: str, name: str, ids: list[str]) -> list[object]:
    records, _, _ = driver.execute_query(
        f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) RETURN id, n[$name] AS value",
        ids=ids,
        name=name,
    )
    values = {r["id"]: r["value"] for r in records}
    return [values[i] for i in ids]


def test_feature_store_rows_are_the_node_properties(graph: Driver, exported: ExportedGraph) -> None:
    store = Neo4jFeatureStore(
        graph, exported.ids, {"item": ["text_embedding"], "user": ["score"]}, batch_size=2
    )
    index = torch.tensor([4, 0, 4, 2, 5])  # out of order, with a repeat

    x = store.get_tensor("item", "text_embedding", index)
    direct = _read_property(graph, "Item", "text_embedding", [exported.item_ids[i] for i in index])
    assert x.dtype == torch.float32 and x.shape == (5, 3)
    assert x.tolist() == direct
    assert store["item", "text_embedding", index].tolist() == direct

    score, text = store.multi_get_tensor(
        [("user", "score", torch.tensor([3, 1])), ("item", "text_embedding", None)]
    )
    assert score.tolist() == [USER_SCORE[exported.user_ids[3]], USER_SCORE[exported.user_ids[1]]]
    assert text.tolist() == [TEXT[i] for i in exported.item_ids]
    assert store.get_tensor_size("item", "text_embedding") == (6, 3)
    assert store.get_tensor_size("user", "score") == (5,)
    assert {(a.group_name, a.attr_name) for a in store.get_all_tensor_attrs()} == {
        ("item", "text_embedding"),
        ("user", "score"),
    }


def test_feature_store_errors_are_clear(graph: Driver, exported: ExportedGraph) -> None:
    graph.execute_query("MATCH (i:Item {id: 'i2'}) REMOVE i.text_embedding")
    store = Neo4jFeatureStore(graph, exported.ids, {"item": ["text_embedding", "embedding"]})
    i2 = exported.item_index["i2"]

    with pytest.raises(FeatureMissing, match=r"1 item nodes have no `text_embedding` .*\(i2\)"):
        store.get_tensor("item", "text_embedding", torch.tensor([0, i2]))
    assert store.get_tensor("item", "text_embedding", torch.tensor([0])).tolist() == [TEXT["i0"]]
    with pytest.raises(FeatureMissing, match="no item node has the property `embedding`"):
        store.get_tensor_size("item", "embedding")
    with pytest.raises(FeatureMissing, match="no `embedding` property"):
        store.get_tensor("item", "embedding", torch.tensor([0]))
    with pytest.raises(KeyError, match=r"\('item', 'colour'\) is not served"):
        store.get_tensor("item", "colour", torch.tensor([0]))
    with pytest.raises(KeyError, match="not served"):
        store.get_tensor("user", "text_embedding", torch.tensor([0]))
    with pytest.raises(IndexError, match="out of range"):
        store.get_tensor("item", "text_embedding", torch.tensor([99]))
    with pytest.raises(BadInput, match="unknown node types"):
        Neo4jFeatureStore(graph, exported.ids, {"shop": ["x"]})
    with pytest.raises(NotImplementedError, match="read-only"):
        store.put_tensor(torch.zeros(1, 3), "item", "text_embedding", torch.tensor([0]))
    with pytest.raises(NotImplementedError, match="read-only"):
        store.remove_tensor("item", "text_embedding", torch.tensor([0]))

    filled = Neo4jFeatureStore(graph, exported.ids, {"item": ["text_embedding"]}, fill=0.0)
    rows = filled.get_tensor("item", "text_embedding", torch.tensor([i2, 0]))
    assert rows.tolist() == [[0.0, 0.0, 0.0], TEXT["i0"]]


# Loaders ######################################################################################


def _stores(graph: Driver, exported: ExportedGraph) -> tuple[Neo4jFeatureStore, Neo4jGraphStore]:
    graph_store = Neo4jGraphStore(graph, exported.ids)
    features = Neo4jFeatureStore(graph, graph_store.ids, {"item": ["text_embedding"]})
    return features, graph_store


def _check_batch(batch: object, exported: ExportedGraph, seeds: Tensor) -> None:
    from torch_geometric.data import HeteroData

    assert isinstance(batch, HeteroData)
    n_id = batch["item"].n_id
    assert batch["item"].text_embedding.tolist() == [TEXT[exported.item_ids[i]] for i in n_id]
    assert batch["item"].num_nodes == n_id.numel()
    for edge_type in batch.edge_types:
        src, _, dst = edge_type
        row, col = batch[edge_type].edge_index
        pairs = {
            (exported.ids[src][batch[src].n_id[r]], exported.ids[dst][batch[dst].n_id[c]])
            for r, c in zip(row.tolist(), col.tolist(), strict=True)
        }
        assert pairs <= _edge_set(exported, edge_type)
    assert batch["user"].n_id[: batch["user"].batch_size].tolist() == seeds.tolist()


def test_node_loader_yields_the_sampled_batches(graph: Driver, exported: ExportedGraph) -> None:
    features, graph_store = _stores(graph, exported)
    sampler = Neo4jNeighborSampler(graph_store, [-1, -1])
    memory = Neo4jNeighborSampler(InMemoryNeighbours(exported.data), [-1, -1])
    seeds = torch.arange(len(USERS))
    loader = NodeLoader(
        data=(features, graph_store),
        node_sampler=sampler,
        input_nodes=("user", seeds),
        batch_size=2,
    )

    batches = list(loader)
    assert len(batches) == 3
    for k, batch in enumerate(batches):
        batch_seeds = seeds[2 * k : 2 * k + 2]
        _check_batch(batch, exported, batch_seeds)
        expected = _sample(memory, "user", batch_seeds.tolist())
        for node_type, node in expected.node.items():
            assert batch[node_type].n_id.tolist() == node.tolist()
        for edge_type, row in expected.row.items():
            if row.numel():
                assert batch[edge_type].edge_index.tolist() == [
                    row.tolist(),
                    expected.col[edge_type].tolist(),
                ]
        assert batch["user"].num_sampled_nodes == expected.num_sampled_nodes["user"]

    neighbor_loader = NeighborLoader(
        data=(features, graph_store),
        num_neighbors=[-1, -1],
        input_nodes=("user", seeds),
        batch_size=5,
        neighbor_sampler=sampler,
    )
    (whole,) = list(neighbor_loader)
    _check_batch(whole, exported, seeds)
    assert set(whole["item"].n_id.tolist()) == set(range(len(ITEMS)))


def test_link_neighbor_loader_samples_around_purchases(
    graph: Driver, exported: ExportedGraph
) -> None:
    features, graph_store = _stores(graph, exported)
    loader = LinkNeighborLoader(
        data=(features, graph_store),
        num_neighbors=[2],
        edge_label_index=(PURCHASED, None),  # the purchases, paged out of Neo4j
        batch_size=4,
        neg_sampling="binary",
        neighbor_sampler=Neo4jNeighborSampler(graph_store, [2], seed=1),
    )

    positives: set[tuple[str, str]] = set()
    for batch in loader:
        label_index = batch[PURCHASED].edge_label_index
        label = batch[PURCHASED].edge_label
        users = batch["user"].n_id[label_index[0]].tolist()
        items = batch["item"].n_id[label_index[1]].tolist()
        for u, i, y in zip(users, items, label.tolist(), strict=True):
            if y == 1:
                positives.add((exported.user_ids[u], exported.item_ids[i]))
        assert int((label == 0).sum()) == int((label == 1).sum())
        assert batch["item"].text_embedding.shape == (batch["item"].n_id.numel(), 3)
    assert positives == set(PURCHASES)
