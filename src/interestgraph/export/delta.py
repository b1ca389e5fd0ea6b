"""Delta export: what changed since an earlier export, for warm-start training.

The ingest stamps ``created_at`` on nodes it creates and ``changed_at`` on relationships it
creates or applies new events to (ingest/writer.py), both the writing transaction's start time.
A delta reads the relationships stamped since the previous export's ``exported_at`` minus a
margin: a transaction that began before that export but committed after it carries an earlier
stamp than the export saw. Reading an edge twice is harmless, since an edge's attributes are its
aggregate state, not increments; :func:`merge` keeps the newer copy.

Index stability: a delta keeps the previous export's ids in their order and appends the new ids
(sorted) after them, so indices of an earlier model stay valid and only new rows are added to
its embedding tables.

What a delta cannot express: removed nodes and edges (``forget``, an item moved to another
category), and edges the ingest does not stamp (``HAS_TOPIC``, ``INTERESTED_IN``, rebuilt
wholesale by ``interestgraph topics`` and the interest profiles): take a full export after
those. A removed node is detected (the label's count drops below the ids held) and refused.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import torch
from neo4j import Driver
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired
from neo4j.time import DateTime
from torch_geometric.data import HeteroData

from interestgraph.errors import BadInput, DatabaseUnavailable, InterestGraphError
from interestgraph.export.graph_spec import BEHAVIOURS, EDGES, NODES, EdgeSpec, NodeSpec
from interestgraph.export.pages import id_index, read_one
from interestgraph.export.training_graph import (
    SERVER_TIME_QUERY,
    ExportedGraph,
    Scope,
    export_training_graph,
)

__all__ = ["DEFAULT_MARGIN", "STAMPED_EDGES", "export_delta", "merge"]

# Longer than any ingest transaction takes (a chunk of events is seconds): every write that
# committed after the previous export began is read again, whatever its stamp.
DEFAULT_MARGIN = timedelta(minutes=5)

# The relationship types whose writes the ingest stamps with `changed_at`.
_STAMPED_RELS = {edge.rel for edge in BEHAVIOURS} | {
    "IN_CATEGORY",
    "MADE_BY",
    "SUBCATEGORY_OF",
    "FOLLOWS",
}
STAMPED_EDGES = tuple(edge for edge in EDGES if edge.rel in _STAMPED_RELS)
# The labels whose nodes the ingest stamps with `created_at` (topics come from clustering runs).
_STAMPED_NODES = tuple(node for node in NODES if node.node_type != "topic")


def _created_query(node: NodeSpec) -> str:
    return f"MATCH (n:{node.label}) WHERE n.created_at >= $since RETURN collect(n.id) AS ids"


def _changed_ends_query(edge: EdgeSpec) -> str:
    """Both ends of the ``edge`` relationships changed since ``$since``: an index seek on
    ``changed_at`` (cypher/schema.cypher)."""
    return (
        f"MATCH (s:{edge.source.label})-[r:{edge.rel}]->(t:{edge.target.label}) "
        "WHERE r.changed_at >= $since "
        "RETURN collect(DISTINCT s.id) AS sources, collect(DISTINCT t.id) AS targets"
    )


def _count_query(node: NodeSpec) -> str:
    """A count-store lookup, O(1)."""
    return f"MATCH (n:{node.label}) RETURN count(n) AS n"


def export_delta(
    driver: Driver,
    previous: ExportedGraph,
    *,
    margin: timedelta = DEFAULT_MARGIN,
    edge_attributes: bool = False,
    batch_size: int = 2500,
    workers: int = 2,
) -> ExportedGraph:
    """The nodes and edges changed since ``previous`` was exported.

    ``ids`` are ``previous.ids`` with the new ids (sorted) appended; ``data`` holds every node
    (``num_nodes`` = all ids) but only the edges changed since ``previous.exported_at`` −
    ``margin``, with their current attributes, in the index space of ``ids`` and sorted by
    (source, target). ``exported_at`` is the server's clock when this export began, the
    watermark of the next delta. Item text features are not read; :func:`merge` combines
    ``previous`` and the delta into the current graph.

    Raises:
        BadInput: a negative ``margin``, or as ``export_training_graph``.
        InterestGraphError: nodes of ``previous`` were removed since (a full export is needed),
            or Neo4j refused a query.
        DatabaseUnavailable: Neo4j went away.
    """
    if margin < timedelta(0):
        raise BadInput(f"margin must not be negative, got {margin}")
    since = previous.exported_at - margin
    try:
        exported_at: DateTime = read_one(driver, SERVER_TIME_QUERY)["now"]
        touched: dict[str, set[str]] = {node.node_type: set() for node in NODES}
        for node in _STAMPED_NODES:
            touched[node.node_type].update(
                read_one(driver, _created_query(node), since=since)["ids"]
            )
        for edge in STAMPED_EDGES:
            record = read_one(driver, _changed_ends_query(edge), since=since)
            touched[edge.source.node_type].update(record["sources"])
            touched[edge.target.node_type].update(record["targets"])
        counts = {node.node_type: read_one(driver, _count_query(node))["n"] for node in NODES}
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"Neo4j went away during the delta export: {e}") from e
    except Neo4jError as e:
        raise InterestGraphError(f"delta export from Neo4j failed: {e.message}") from e

    ids: dict[str, list[str]] = {}
    for node in NODES:
        old = previous.ids.get(node.node_type, [])
        known = set(old)
        ids[node.node_type] = old + sorted(touched[node.node_type] - known)
        # every id held existed at some point, so fewer nodes now means some were removed
        if counts[node.node_type] < len(ids[node.node_type]):
            raise InterestGraphError(
                f"{node.plural} were removed since the previous export (forget?): a delta "
                "cannot remove nodes, run a full export"
            )
    local = export_training_graph(
        driver,
        Scope(
            nodes={t: sorted(values) for t, values in touched.items()},
            changed_since=since,
        ),
        edge_attributes=edge_attributes,
        batch_size=batch_size,
        workers=workers,
    )
    data = HeteroData()
    for node_type, values in ids.items():
        data[node_type].num_nodes = len(values)
    for edge_type in local.data.edge_types:
        source_type, _, target_type = edge_type
        store = local.data[edge_type]
        # local index -> index in `ids`
        to_source = id_index(ids[source_type]).get_indexer(id_index(local.ids[source_type]))
        to_target = id_index(ids[target_type]).get_indexer(id_index(local.ids[target_type]))
        edge_index = store.edge_index.numpy()
        source = to_source[edge_index[0]].astype(np.int64)
        target = to_target[edge_index[1]].astype(np.int64)
        order = np.lexsort((target, source))
        out = data[edge_type]
        out.edge_index = torch.from_numpy(np.stack([source[order], target[order]]))
        for name, value in store.items():
            if name != "edge_index":
                out[name] = value[torch.from_numpy(order)]
    return ExportedGraph(data=data, ids=ids, exported_at=exported_at)


def merge(previous: ExportedGraph, delta: ExportedGraph) -> ExportedGraph:
    """``previous`` updated by ``delta`` (from ``export_delta(driver, previous)``): ``delta``'s
    ids, every edge of either, and ``delta``'s attributes where both hold an edge.

    The result is the graph a fresh full export would give (up to index order), as far as a
    delta can express changes (module docstring); it is a valid ``previous`` for the next delta.
    Item text features of ``previous`` are not carried over.

    Raises:
        BadInput: ``delta``'s ids do not extend ``previous``'s, or their edge attributes differ
            (one exported with ``edge_attributes``, one without).
    """
    for node_type, old in previous.ids.items():
        if delta.ids.get(node_type, [])[: len(old)] != old:
            raise BadInput(f"the delta's {node_type} ids do not extend the previous export's")
    data = HeteroData()
    for node_type, values in delta.ids.items():
        data[node_type].num_nodes = len(values)
    edge_types = list(dict.fromkeys([*delta.data.edge_types, *previous.data.edge_types]))
    for edge_type in edge_types:
        stores = [
            _edge_arrays(export.data, edge_type)
            for export in (delta, previous)  # delta first: its copy of an edge wins
            if edge_type in export.data.edge_types
        ]
        names = {frozenset(s) for s in stores}
        if len(names) > 1:
            raise BadInput(
                f"{edge_type} has different attributes in the two exports: export both with "
                "the same edge_attributes"
            )
        merged = {
            name: np.concatenate([s[name] for s in stores], axis=1 if name == "edge_index" else 0)
            for name in stores[0]
        }
        width = len(delta.ids[edge_type[2]])
        keys = merged["edge_index"][0] * width + merged["edge_index"][1]
        _, first = np.unique(keys, return_index=True)  # sorted keys: (source, target) order
        out = data[edge_type]
        for name, column in merged.items():
            chosen = column[:, first] if name == "edge_index" else column[first]
            out[name] = torch.from_numpy(np.ascontiguousarray(chosen))
    return ExportedGraph(data=data, ids=delta.ids, exported_at=delta.exported_at)


def _edge_arrays(data: HeteroData, edge_type: tuple[str, str, str]) -> dict[str, Any]:
    """An edge store's tensors as numpy arrays, by attribute name."""
    return {name: value.numpy() for name, value in data[edge_type].items()}
