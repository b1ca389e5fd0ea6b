"""A PyG remote backend over Neo4j: a ``FeatureStore``, a ``GraphStore`` and a neighbour sampler,
so ``NodeLoader`` / ``NeighborLoader`` / ``LinkNeighborLoader`` train on graphs that are never
exported whole.

PyG's own ``NeighborSampler`` needs ``pyg-lib`` or ``torch-sparse`` (no wheels for our torch) and
the whole CSC in memory, so :class:`Neo4jNeighborSampler` runs the hop loop itself: per hop and
edge type, one Cypher query fetches the in-neighbours of the whole frontier. It samples from any
:class:`NeighbourSource`; :class:`InMemoryNeighbours` is the in-memory one over a ``HeteroData``
(the reference the Neo4j-backed one is tested against).

Indices are positions in per-type id lists, as in ``ExportedGraph.ids`` (pass those, or let the
store read and sort the ids itself: the same indices as a fresh export). Labels, relationship
types and property names never enter a query string from input: labels and types come from
export/graph_spec.py, property names are ``$`` parameters (``n[$name]``).

The driver is not fork-safe: use loaders with ``num_workers=0`` (or threads).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, Protocol

import numpy as np
import pandas as pd
import torch
from neo4j import Driver
from torch import Tensor
from torch_geometric.data import FeatureStore, GraphStore, HeteroData, TensorAttr
from torch_geometric.data.graph_store import EdgeAttr, EdgeLayout
from torch_geometric.sampler import (
    BaseSampler,
    EdgeSamplerInput,
    HeteroSamplerOutput,
    NegativeSampling,
    NodeSamplerInput,
)
from torch_geometric.sampler.neighbor_sampler import edge_sample, node_sample

from interestgraph.errors import BadInput
from interestgraph.export.graph_spec import (
    EDGES,
    NODES,
    NODES_BY_TYPE,
    EdgeSpec,
    edge_count_query,
    edge_page_query,
)
from interestgraph.export.pages import all_node_ids, chunks, id_index, read_one

__all__ = [
    "REVERSE_PREFIX",
    "FeatureMissing",
    "InMemoryNeighbours",
    "NeighbourSource",
    "Neo4jFeatureStore",
    "Neo4jGraphStore",
    "Neo4jNeighborSampler",
    "reverse_edge_type",
]

EdgeType = tuple[str, str, str]

# As torch_geometric.transforms.ToUndirected names the reverse of an edge type.
REVERSE_PREFIX = "rev_"


def reverse_edge_type(edge_type: EdgeType) -> EdgeType:
    source, rel, target = edge_type
    return (target, f"{REVERSE_PREFIX}{rel}", source)


class FeatureMissing(BadInput):
    """A node of a batch lacks the property a feature is read from (or the node is gone)."""


class NeighbourSource(Protocol):
    """What the sampler needs of a graph: node counts, edge types and batched in-neighbours."""

    @property
    def num_nodes(self) -> dict[str, int]: ...

    @property
    def edge_types(self) -> list[EdgeType]: ...

    def in_neighbours(self, edge_type: EdgeType, dst_index: Tensor) -> tuple[Tensor, Tensor]:
        """``(counts [len(dst_index)], src [counts.sum()])``: the source indices of the edges
        ending at each destination, destination by destination, ascending within one."""
        ...


# Graph store ##################################################################################


@dataclass(frozen=True)
class _Relation:
    """An edge type as read from Neo4j: its relationship and whether it is walked backwards."""

    spec: EdgeSpec
    reverse: bool

    @property
    def edge_type(self) -> EdgeType:
        return reverse_edge_type(self.spec.edge_type) if self.reverse else self.spec.edge_type

    def in_neighbours_query(self) -> str:
        """Per destination id in ``$ids``, the ids of its in-neighbours of this edge type."""
        spec = self.spec
        if self.reverse:  # messages flow target -> source: a source's neighbours are targets
            dst, pattern = spec.source, f"(d)-[:{spec.rel}]->(n:{spec.target.label})"
        else:
            dst, pattern = spec.target, f"(d)<-[:{spec.rel}]-(n:{spec.source.label})"
        return (
            "UNWIND $ids AS id "
            f"MATCH (d:{dst.label} {{id: id}}) "
            f"CALL (d) {{ MATCH {pattern} RETURN collect(n.id) AS neighbours }} "
            "RETURN collect(id) AS ids, collect(neighbours) AS neighbours"
        )


class Neo4jGraphStore(GraphStore):
    """A read-only ``GraphStore`` whose edges stay in Neo4j.

    Edge types are those of export/graph_spec.py that have relationships (a count-store lookup
    at construction) and, with ``reverse``, their reverses ``(dst, "rev_<rel>", src)``, so
    sampling walks user↔item both ways. :meth:`in_neighbours` is the sampler's path (one query
    per frontier); ``get_edge_index`` pages a whole edge type out, for PyG code that wants COO
    (``LinkNeighborLoader`` without ``edge_label_index``).
    """

    def __init__(
        self,
        driver: Driver,
        ids: Mapping[str, Sequence[str]] | None = None,
        *,
        reverse: bool = True,
        batch_size: int = 10_000,
    ) -> None:
        """``ids``: per node type, the ids in index order (``ExportedGraph.ids``); read and
        sorted from Neo4j when omitted. ``batch_size``: destination ids per query."""
        super().__init__()
        if batch_size < 1:
            raise BadInput(f"batch_size must be at least 1, got {batch_size}")
        self.driver = driver
        self.batch_size = batch_size
        if ids is None:
            ids = {n.node_type: sorted(all_node_ids(driver, n, batch_size)) for n in NODES}
        missing = [n.node_type for n in NODES if n.node_type not in ids]
        if missing:
            raise BadInput(f"ids lack the node types {missing}")
        self.ids: dict[str, list[str]] = {n.node_type: list(ids[n.node_type]) for n in NODES}
        self._lookups = {t: _lookup(values, t) for t, values in self.ids.items()}
        present = [e for e in EDGES if read_one(driver, edge_count_query(e))["n"] > 0]
        relations = [_Relation(e, False) for e in present]
        if reverse:
            relations += [_Relation(e, True) for e in present]
        self._relations = {r.edge_type: r for r in relations}
        self._queries = {t: r.in_neighbours_query() for t, r in self._relations.items()}

    @property
    def num_nodes(self) -> dict[str, int]:
        return {t: len(values) for t, values in self.ids.items()}

    @property
    def edge_types(self) -> list[EdgeType]:
        return list(self._relations)

    def in_neighbours(self, edge_type: EdgeType, dst_index: Tensor) -> tuple[Tensor, Tensor]:
        """The in-neighbours of ``dst_index`` (see :class:`NeighbourSource`), one query per
        ``batch_size`` distinct destinations. Neighbours outside the id lists (nodes created
        since) are left out."""
        query = self._queries[self._relation(edge_type).edge_type]
        src_type, _, dst_type = edge_type
        unique, inverse = torch.unique(dst_index.to(torch.long), return_inverse=True)
        dst_ids = self.ids[dst_type]
        sources: list[np.ndarray[Any, Any]] = []
        segments: list[np.ndarray[Any, Any]] = []
        for page in chunks(unique.tolist(), self.batch_size):
            record = read_one(self.driver, query, ids=[dst_ids[i] for i in page])
            found = self._lookups[dst_type].get_indexer(id_index(record["ids"]))
            positions = np.searchsorted(unique.numpy(), found)  # unique is sorted
            lengths = np.fromiter(map(len, record["neighbours"]), np.int64, len(found))
            flat = list(chain.from_iterable(record["neighbours"]))
            src = (
                self._lookups[src_type].get_indexer(id_index(flat))
                if flat
                else np.zeros(0, np.int64)
            )
            segment = np.repeat(positions, lengths)
            keep = src >= 0
            sources.append(src[keep].astype(np.int64))
            segments.append(segment[keep].astype(np.int64))
        src_all = torch.from_numpy(np.concatenate(sources)) if sources else _empty()
        seg_all = torch.from_numpy(np.concatenate(segments)) if segments else _empty()
        counts = torch.bincount(seg_all, minlength=unique.numel())
        order = _lexsort(seg_all, src_all)
        return _gather_segments(counts, src_all[order], inverse)

    # GraphStore ###############################################################################

    def get_all_edge_attrs(self) -> list[EdgeAttr]:
        sizes = self.num_nodes
        return [
            EdgeAttr(t, EdgeLayout.COO, is_sorted=False, size=(sizes[t[0]], sizes[t[2]]))
            for t in self._relations
        ]

    def _get_edge_index(self, edge_attr: EdgeAttr) -> tuple[Tensor, Tensor] | None:
        """The whole edge type as COO ``(row, col)``, sorted by (row, col), read a page of
        relationship sources at a time; ``None`` for other layouts or unknown types."""
        relation = self._relations.get(tuple(edge_attr.edge_type))
        if relation is None or EdgeLayout(edge_attr.layout) != EdgeLayout.COO:
            return None
        spec = relation.spec
        query = edge_page_query(spec, ())
        source_lookup = self._lookups[spec.source.node_type]
        target_lookup = self._lookups[spec.target.node_type]
        rows: list[np.ndarray[Any, Any]] = []
        cols: list[np.ndarray[Any, Any]] = []
        for page in chunks(self.ids[spec.source.node_type], self.batch_size):
            record = read_one(self.driver, query, ids=page)
            targets: list[list[str]] = record["targets"]
            lengths = np.fromiter(map(len, targets), np.int64, len(targets))
            source = np.repeat(source_lookup.get_indexer(id_index(record["sources"])), lengths)
            flat = list(chain.from_iterable(targets))
            target = target_lookup.get_indexer(id_index(flat)) if flat else np.zeros(0, np.int64)
            keep = (source >= 0) & (target >= 0)
            rows.append(source[keep].astype(np.int64))
            cols.append(target[keep].astype(np.int64))
        row = torch.from_numpy(np.concatenate(rows)) if rows else _empty()
        col = torch.from_numpy(np.concatenate(cols)) if cols else _empty()
        if relation.reverse:
            row, col = col, row
        order = _lexsort(row, col)
        return row[order], col[order]

    def _put_edge_index(self, edge_index: Any, edge_attr: EdgeAttr) -> bool:
        raise NotImplementedError("Neo4jGraphStore is read-only: edges are written by ingest")

    def _remove_edge_index(self, edge_attr: EdgeAttr) -> bool:
        raise NotImplementedError("Neo4jGraphStore is read-only: edges are written by ingest")

    def _relation(self, edge_type: EdgeType) -> _Relation:
        relation = self._relations.get((edge_type[0], edge_type[1], edge_type[2]))
        if relation is None:
            raise BadInput(
                f"unknown or empty edge type {edge_type}; known: {sorted(self._relations)}"
            )
        return relation


# Feature store ################################################################################


class Neo4jFeatureStore(FeatureStore):
    """A read-only ``FeatureStore`` serving node properties (``text_embedding``, ``embedding``)
    as float32 rows by index, one query per node type and batch.

    ``features`` names, per node type, the properties served (the attribute name is the property
    name); only those are listed to loaders, which fetch them for every sampled node. A sampled
    node without the property is a :class:`FeatureMissing` unless ``fill`` gives a value for
    its row (a model needs a row for every node; zeros are what the export uses).
    """

    def __init__(
        self,
        driver: Driver,
        ids: Mapping[str, Sequence[str]],
        features: Mapping[str, Sequence[str]],
        *,
        fill: float | None = None,
        batch_size: int = 10_000,
    ) -> None:
        super().__init__()
        unknown = sorted(set(features) - set(NODES_BY_TYPE))
        if unknown:
            raise BadInput(f"unknown node types {unknown}; known: {sorted(NODES_BY_TYPE)}")
        absent = sorted(set(features) - set(ids))
        if absent:
            raise BadInput(f"no ids for the node types {absent}")
        if batch_size < 1:
            raise BadInput(f"batch_size must be at least 1, got {batch_size}")
        self.driver = driver
        self.ids = {t: list(ids[t]) for t in features}
        self.features = {t: list(names) for t, names in features.items()}
        self.fill = fill
        self.batch_size = batch_size
        self._sizes: dict[tuple[str, str], tuple[int, ...]] = {}

    def get_all_tensor_attrs(self) -> list[TensorAttr]:
        return [TensorAttr(t, name) for t, names in self.features.items() for name in names]

    def _get_tensor(self, attr: TensorAttr) -> Tensor:
        return self._multi_get_tensor([attr])[0]

    def _multi_get_tensor(self, attrs: list[TensorAttr]) -> list[Tensor]:
        """Attributes of one node type and the same index come from one query per page."""
        out: list[Tensor | None] = [None] * len(attrs)
        groups: dict[tuple[str, bytes], list[int]] = {}
        indices: dict[tuple[str, bytes], Tensor] = {}
        for position, attr in enumerate(attrs):
            self._check(attr)
            index = self._index(attr)
            key = (attr.group_name, index.numpy().tobytes())
            groups.setdefault(key, []).append(position)
            indices[key] = index
        for key, positions in groups.items():
            node_type = key[0]
            names = [attrs[p].attr_name for p in positions]
            for p, tensor in zip(
                positions, self._read(node_type, names, indices[key]), strict=True
            ):
                out[p] = tensor
        return [t for t in out if t is not None]

    def _get_tensor_size(self, attr: TensorAttr) -> tuple[int, ...]:
        """``(nodes, dim)`` (``(nodes,)`` for a scalar property), the width read from one node
        that has the property."""
        self._check(attr)
        key = (attr.group_name, attr.attr_name)
        if key not in self._sizes:
            query = (
                f"MATCH (n:{NODES_BY_TYPE[attr.group_name].label}) WHERE n[$name] IS NOT NULL "
                "RETURN n[$name] AS value LIMIT 1"
            )
            records, _, _ = self.driver.execute_query(query, name=attr.attr_name)
            if not records:
                raise FeatureMissing(
                    f"no {attr.group_name} node has the property `{attr.attr_name}`"
                )
            value = records[0]["value"]
            width = (len(value),) if isinstance(value, list) else ()
            self._sizes[key] = (len(self.ids[attr.group_name]), *width)
        size = self._sizes[key]
        if attr.is_set("index") and attr.index is not None:
            return (self._index(attr).numel(), *size[1:])
        return size

    def _put_tensor(self, tensor: Any, attr: TensorAttr) -> bool:
        raise NotImplementedError("Neo4jFeatureStore is read-only: write back with serving")

    def _remove_tensor(self, attr: TensorAttr) -> bool:
        raise NotImplementedError("Neo4jFeatureStore is read-only: write back with serving")

    def _check(self, attr: TensorAttr) -> None:
        names = self.features.get(attr.group_name)
        if names is None or attr.attr_name not in names:
            raise KeyError(
                f"feature ({attr.group_name!r}, {attr.attr_name!r}) is not served; served: "
                f"{[(a.group_name, a.attr_name) for a in self.get_all_tensor_attrs()]}"
            )

    def _index(self, attr: TensorAttr) -> Tensor:
        """The row indices asked for: a tensor, array, slice, int or ``None`` (all rows)."""
        count = len(self.ids[attr.group_name])
        index = attr.index if attr.is_set("index") else None
        if index is None:
            return torch.arange(count)
        if isinstance(index, slice):
            return torch.arange(count)[index]
        if isinstance(index, int):
            return torch.tensor([index])
        tensor = torch.as_tensor(index).to(torch.long).view(-1)
        if tensor.numel() and (int(tensor.min()) < 0 or int(tensor.max()) >= count):
            raise IndexError(f"{attr.group_name} index out of range 0..{count - 1}")
        return tensor

    def _read(self, node_type: str, names: list[str], index: Tensor) -> list[Tensor]:
        """Rows ``index`` of each property in ``names``; pages of ``batch_size`` distinct ids."""
        label = NODES_BY_TYPE[node_type].label
        query = (
            "UNWIND $ids AS id "
            f"MATCH (n:{label} {{id: id}}) "
            "RETURN collect(id) AS ids, collect([name IN $names | n[name]]) AS values"
        )
        ids = self.ids[node_type]
        unique, inverse = torch.unique(index, return_inverse=True)
        rows: dict[str, list[Any]] = {name: [None] * unique.numel() for name in names}
        position = {node: i for i, node in enumerate(ids[j] for j in unique.tolist())}
        for page in chunks(unique.tolist(), self.batch_size):
            record = read_one(self.driver, query, ids=[ids[i] for i in page], names=names)
            for node, values in zip(record["ids"], record["values"], strict=True):
                for name, value in zip(names, values, strict=True):
                    rows[name][position[node]] = value
        return [self._tensor(node_type, name, rows[name], unique)[inverse] for name in names]

    def _tensor(self, node_type: str, name: str, values: list[Any], unique: Tensor) -> Tensor:
        pairs = zip(unique.tolist(), values, strict=True)
        missing = [self.ids[node_type][i] for i, v in pairs if v is None]
        if missing and self.fill is None:
            shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
            raise FeatureMissing(
                f"{len(missing)} {node_type} nodes have no `{name}` property ({shown}); "
                "compute it first or pass fill="
            )
        present = [v for v in values if v is not None]
        widths = {len(v) if isinstance(v, list) else -1 for v in present}
        if len(widths) > 1:
            raise BadInput(f"`{name}` of {node_type} nodes has several sizes {sorted(widths)}")
        if not present:
            width = self.get_tensor_size(node_type, name)[1:]
        else:
            width = () if widths == {-1} else (widths.pop(),)
        tensor = torch.full((len(values), *width), float(self.fill or 0.0), dtype=torch.float32)
        rows = [i for i, v in enumerate(values) if v is not None]
        if rows:
            tensor[torch.tensor(rows)] = torch.tensor(present, dtype=torch.float32)
        return tensor


# In-memory source #############################################################################


class InMemoryNeighbours:
    """The in-neighbours of a ``HeteroData`` (an export), for the sampler: the in-memory
    counterpart of :class:`Neo4jGraphStore`, with the same edge types (non-empty ones, and
    their ``rev_`` reverses with ``reverse``)."""

    def __init__(self, data: HeteroData, *, reverse: bool = True) -> None:
        self._num_nodes = {t: int(data[t].num_nodes) for t in data.node_types}
        self._csc: dict[EdgeType, tuple[Tensor, Tensor]] = {}
        forward = [tuple(t) for t in data.edge_types if int(data[t].edge_index.size(1)) > 0]
        for edge_type in forward:
            row, col = data[edge_type].edge_index
            self._add(edge_type, row, col)
        if reverse:
            for edge_type in forward:
                backwards = reverse_edge_type(edge_type)
                if edge_type[1].startswith(REVERSE_PREFIX) or backwards in self._csc:
                    continue
                row, col = data[edge_type].edge_index
                self._add(backwards, col, row)

    def _add(self, edge_type: EdgeType, row: Tensor, col: Tensor) -> None:
        order = _lexsort(col, row)
        counts = torch.bincount(col, minlength=self._num_nodes[edge_type[2]])
        self._csc[edge_type] = (counts, row[order])

    @property
    def num_nodes(self) -> dict[str, int]:
        return dict(self._num_nodes)

    @property
    def edge_types(self) -> list[EdgeType]:
        return list(self._csc)

    def in_neighbours(self, edge_type: EdgeType, dst_index: Tensor) -> tuple[Tensor, Tensor]:
        if edge_type not in self._csc:
            raise BadInput(f"unknown or empty edge type {edge_type}; known: {sorted(self._csc)}")
        counts, rows = self._csc[edge_type]
        return _gather_segments(counts, rows, dst_index.to(torch.long))


# Sampler ######################################################################################


class Neo4jNeighborSampler(BaseSampler):
    """Layer-wise neighbour sampling over a :class:`NeighbourSource` (PyG's ``NeighborSampler``
    semantics, non-disjoint, without time): per hop and edge type, each destination discovered
    in the previous hop keeps all its in-neighbours if it has at most ``k``, else ``k`` of them
    drawn without replacement; ``-1`` keeps all.

    ``num_neighbors``: one fan-out list for every edge type, or per edge type (types left out
    are not sampled). ``seed`` makes the draws repeatable (a ``torch.Generator``); the same seed
    over two sources with the same neighbour lists gives the same subgraphs.
    """

    def __init__(
        self,
        source: NeighbourSource,
        num_neighbors: Sequence[int] | Mapping[EdgeType, Sequence[int]],
        *,
        seed: int | None = None,
    ) -> None:
        self.source = source
        edge_types = sorted(source.edge_types)  # an order independent of the source's
        if isinstance(num_neighbors, Mapping):
            unknown = sorted(set(map(tuple, num_neighbors)) - set(edge_types))
            if unknown:
                raise BadInput(f"num_neighbors names edge types not in the graph: {unknown}")
            fanouts = {t: list(num_neighbors[t]) for t in edge_types if t in num_neighbors}
        else:
            fanouts = {t: list(num_neighbors) for t in edge_types}
        hops = {len(v) for v in fanouts.values()}
        if len(hops) > 1:
            raise BadInput(f"every edge type needs the same number of hops, got {sorted(hops)}")
        self.num_hops = hops.pop() if hops else 0
        self.fanouts = fanouts
        self.generator: torch.Generator | None = None
        if seed is not None:
            self.generator = torch.Generator().manual_seed(seed)

    def sample_from_nodes(self, index: NodeSamplerInput, **kwargs: Any) -> HeteroSamplerOutput:
        if index.input_type is None:
            raise BadInput("input nodes need a node type: input_nodes=(node_type, index)")
        out: HeteroSamplerOutput = node_sample(index, self._sample)
        return out

    def sample_from_edges(
        self, index: EdgeSamplerInput, neg_sampling: NegativeSampling | None = None
    ) -> HeteroSamplerOutput:
        if index.input_type is None:
            raise BadInput("input edges need an edge type: edge_label_index=(edge_type, index)")
        out: HeteroSamplerOutput = edge_sample(
            index, self._sample, self.source.num_nodes, False, None, neg_sampling
        )
        return out

    def _sample(
        self, seed: dict[str, Tensor], seed_time: dict[str, Tensor] | None = None
    ) -> HeteroSamplerOutput:
        if seed_time is not None:
            raise BadInput("temporal sampling is not supported by Neo4jNeighborSampler")
        nodes = _NodeSet(self.source.num_nodes, seed)
        rows: dict[EdgeType, list[Tensor]] = {t: [] for t in self.fanouts}
        cols: dict[EdgeType, list[Tensor]] = {t: [] for t in self.fanouts}
        edges_per_hop: dict[EdgeType, list[int]] = {t: [] for t in self.fanouts}
        for hop in range(self.num_hops):
            frontier = nodes.frontier()
            for edge_type, fanout in self.fanouts.items():
                src_type, _, dst_type = edge_type
                dst_local = frontier[dst_type]
                k = fanout[hop]
                if k == 0 or dst_local.numel() == 0:
                    edges_per_hop[edge_type].append(0)
                    continue
                counts, src = self.source.in_neighbours(
                    edge_type, nodes.globals(dst_type)[dst_local]
                )
                keep = _choose(counts, k, self.generator)
                col = torch.repeat_interleave(dst_local, counts)[keep]
                row = nodes.add(src_type, src[keep])
                rows[edge_type].append(row)
                cols[edge_type].append(col)
                edges_per_hop[edge_type].append(int(row.numel()))
            nodes.end_hop()
        return HeteroSamplerOutput(
            node=nodes.all(),
            row={t: _cat(parts) for t, parts in rows.items()},
            col={t: _cat(parts) for t, parts in cols.items()},
            edge={t: None for t in self.fanouts},
            batch=None,
            num_sampled_nodes=nodes.per_hop,
            num_sampled_edges=edges_per_hop,
        )


class _NodeSet:
    """The nodes of one sampled subgraph per type: global indices in discovery order, their
    local indices, and which are new this hop. Lookups are sorted-array searches, so the cost
    follows the sample, not the graph."""

    def __init__(self, num_nodes: Mapping[str, int], seed: Mapping[str, Tensor]) -> None:
        self._parts: dict[str, list[Tensor]] = {t: [] for t in num_nodes}
        self._count = dict.fromkeys(num_nodes, 0)
        self._sorted = {t: _empty() for t in num_nodes}
        self._sorted_local = {t: _empty() for t in num_nodes}
        self._hop_start = dict.fromkeys(num_nodes, 0)
        self.per_hop: dict[str, list[int]] = {t: [] for t in num_nodes}
        for node_type, index in seed.items():
            if node_type not in self._parts:
                raise BadInput(f"unknown node type {node_type!r}")
            index = index.to(torch.long).view(-1)
            self._parts[node_type].append(index)  # seeds kept as given: the first batch_size
            self._count[node_type] = index.numel()
            unique = _first_occurrence_unique(index)
            self._index(node_type, unique, _positions_of(index, unique))
        self._frontier = {t: self._new_locals(t, 0) for t in num_nodes}
        for node_type in num_nodes:
            self.per_hop[node_type].append(self._count[node_type])
            self._hop_start[node_type] = self._count[node_type]

    def _new_locals(self, node_type: str, start: int) -> Tensor:
        """Local indices of the distinct nodes added since ``start``."""
        if self._count[node_type] == start:
            return _empty()
        nodes = self.globals(node_type)[start:]
        unique = _first_occurrence_unique(nodes)
        return _positions_of(nodes, unique) + start

    def _index(self, node_type: str, globals_: Tensor, locals_: Tensor) -> None:
        merged = torch.cat([self._sorted[node_type], globals_])
        merged_local = torch.cat([self._sorted_local[node_type], locals_])
        order = torch.argsort(merged, stable=True)
        self._sorted[node_type], self._sorted_local[node_type] = merged[order], merged_local[order]

    def globals(self, node_type: str) -> Tensor:
        parts = self._parts[node_type]
        if len(parts) > 1:
            self._parts[node_type] = parts = [torch.cat(parts)]
        return parts[0] if parts else _empty()

    def frontier(self) -> dict[str, Tensor]:
        return dict(self._frontier)

    def add(self, node_type: str, index: Tensor) -> Tensor:
        """Local indices of ``index``, appending the nodes not seen before."""
        known = self._sorted[node_type]
        where = torch.searchsorted(known, index).clamp(max=max(known.numel() - 1, 0))
        seen = (
            (known[where] == index) if known.numel() else torch.zeros_like(index, dtype=torch.bool)
        )
        new = _first_occurrence_unique(index[~seen])
        if new.numel():
            start = self._count[node_type]
            self._parts[node_type].append(new)
            self._count[node_type] += new.numel()
            self._index(node_type, new, torch.arange(start, self._count[node_type]))
            known = self._sorted[node_type]
        where = torch.searchsorted(known, index)
        return self._sorted_local[node_type][where] if index.numel() else _empty()

    def end_hop(self) -> None:
        for node_type, start in self._hop_start.items():
            self.per_hop[node_type].append(self._count[node_type] - start)
            self._frontier[node_type] = torch.arange(start, self._count[node_type])
            self._hop_start[node_type] = self._count[node_type]

    def all(self) -> dict[str, Tensor]:
        return {t: self.globals(t) for t in self._parts}


# Tensor helpers ###############################################################################


def _empty() -> Tensor:
    return torch.zeros(0, dtype=torch.long)


def _cat(parts: list[Tensor]) -> Tensor:
    return torch.cat(parts) if parts else _empty()


def _lexsort(primary: Tensor, secondary: Tensor) -> Tensor:
    """The permutation sorting by ``primary``, then ``secondary``."""
    return torch.from_numpy(np.lexsort((secondary.numpy(), primary.numpy())).astype(np.int64))


def _gather_segments(counts: Tensor, values: Tensor, index: Tensor) -> tuple[Tensor, Tensor]:
    """Segment ``i`` of ``values`` (segments of lengths ``counts``) for each ``i`` in ``index``,
    concatenated: ``(counts[index], values of those segments)``."""
    starts = torch.cumsum(counts, 0) - counts
    picked = counts[index]
    total = int(picked.sum())
    if total == 0:
        return picked, _empty()
    offsets = torch.arange(total) - torch.repeat_interleave(
        torch.cumsum(picked, 0) - picked, picked
    )
    return picked, values[torch.repeat_interleave(starts[index], picked) + offsets]


def _choose(counts: Tensor, k: int, generator: torch.Generator | None) -> Tensor:
    """A mask over the edges of the segments ``counts``: all of a segment when it has at most
    ``k`` (or ``k`` < 0), else ``k`` of them uniformly at random, in their original order."""
    total = int(counts.sum())
    if k < 0 or total == 0 or int(counts.max()) <= k:
        return torch.ones(total, dtype=torch.bool)
    segment = torch.repeat_interleave(torch.arange(counts.numel()), counts)
    keys = torch.rand(total, generator=generator, dtype=torch.float64)
    order = _lexsort(segment, keys)  # by segment, then random key
    starts = torch.cumsum(counts, 0) - counts
    rank = torch.arange(total) - starts[segment]  # segment[order] == segment: already grouped
    mask = torch.zeros(total, dtype=torch.bool)
    mask[order[rank < k]] = True
    return mask


def _first_occurrence_unique(values: Tensor) -> Tensor:
    """The distinct values in order of first occurrence."""
    if values.numel() == 0:
        return _empty()
    unique, inverse = torch.unique(values, return_inverse=True)
    first = torch.full((unique.numel(),), values.numel(), dtype=torch.long)
    first.scatter_reduce_(0, inverse, torch.arange(values.numel()), reduce="amin")
    return unique[torch.argsort(first)]


def _positions_of(values: Tensor, targets: Tensor) -> Tensor:
    """The first position in ``values`` of each of ``targets`` (all present)."""
    unique, inverse = torch.unique(values, return_inverse=True)
    first = torch.full((unique.numel(),), values.numel(), dtype=torch.long)
    first.scatter_reduce_(0, inverse, torch.arange(values.numel()), reduce="amin")
    return first[torch.searchsorted(unique, targets)]


def _lookup(ids: Sequence[str], node_type: str) -> pd.Index:
    lookup = id_index(list(ids))
    if not lookup.is_unique:
        raise BadInput(f"duplicate {node_type} ids")
    return lookup
