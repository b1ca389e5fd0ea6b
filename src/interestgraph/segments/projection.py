"""The user–user similarity graph that communities are found in.

Each user is a vector of what they did and what they care about: the items of their behaviour
edges (binary) and their ``INTERESTED_IN`` scores for categories, brands and topics, each block
scaled to unit length so that neither dominates, then the whole row. Two users are as similar
as the cosine of their vectors; each user keeps the ``k`` most similar others, and the union of
those lists, undirected, is the projection. Sparse kNN keeps it at most ``k × users`` edges
whatever the popularity of the items (a shared best-seller would join everyone to everyone in
a plain co-purchase projection). Users with no behaviour and no interests have no vector and
are left out of every segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from interestgraph.errors import BadInput
from interestgraph.export import ExportedGraph
from interestgraph.export.graph_spec import BEHAVIOURS

INTEREST_TYPES = (
    ("user", "interested_in", "category"),
    ("user", "interested_in", "brand"),
    ("user", "interested_in", "topic"),
)
# Entries of the similarity matrix computed at a time (float32 blocks of rows × users): 128 MB.
BLOCK_ENTRIES = 32_000_000


@dataclass(frozen=True)
class UserProjection:
    """An undirected weighted graph over ``user_ids`` (indices into it), each pair once with
    ``source < target``; ``features`` are the users' unit-length vectors (rows), ``items`` the
    binary users × items matrix of their behaviour (the bipartite graph the projection came
    from, which bipartite community detection reads instead)."""

    user_ids: list[str]
    source: np.ndarray[Any, Any]
    target: np.ndarray[Any, Any]
    weight: np.ndarray[Any, Any]
    features: sp.csr_matrix
    items: sp.csr_matrix

    @property
    def num_edges(self) -> int:
        return int(self.source.size)


def user_features(exported: ExportedGraph) -> tuple[list[str], sp.csr_matrix, sp.csr_matrix]:
    """The users with any behaviour or interest, their feature rows (module docstring) and
    their rows of the binary users × items behaviour matrix.

    ``exported`` must hold edge attributes (``export_training_graph(edge_attributes=True)``):
    interest scores weigh the interest blocks.
    """
    data = exported.data
    users = len(exported.user_ids)
    blocks = []
    items = sp.csr_matrix((users, len(exported.item_ids)), dtype=np.float32)
    behaviour = [
        data[edge.edge_type].edge_index for edge in BEHAVIOURS if edge.edge_type in data.edge_types
    ]
    if behaviour:
        pairs = np.concatenate([index.numpy() for index in behaviour], axis=1)
        items = sp.csr_matrix(
            (np.ones(pairs.shape[1], np.float32), (pairs[0], pairs[1])),
            shape=(users, len(exported.item_ids)),
        )
        items.data[:] = 1.0  # a user who viewed and bought an item: one shared item, not two
        blocks.append(items)
    for edge_type in INTEREST_TYPES:
        if edge_type not in data.edge_types:
            continue
        store = data[edge_type]
        if "score" not in store:
            raise BadInput("segments need interest scores: export with edge_attributes=True")
        index = store.edge_index.numpy()
        blocks.append(
            sp.csr_matrix(
                (store.score.numpy().astype(np.float32), (index[0], index[1])),
                shape=(users, len(exported.ids[edge_type[2]])),
            )
        )
    blocks = [block for block in blocks if block.nnz]
    if not blocks:
        return [], sp.csr_matrix((0, 0), dtype=np.float32), items[:0]
    matrix = normalize(sp.hstack([normalize(block) for block in blocks], format="csr"))
    active = np.flatnonzero(matrix.getnnz(axis=1) > 0)
    return [exported.user_ids[u] for u in active], matrix[active], items[active].tocsr()


def knn_projection(exported: ExportedGraph, k: int = 15) -> UserProjection:
    """Each user joined to its ``k`` most similar users (cosine > 0), as one undirected graph."""
    if k < 1:
        raise BadInput(f"k must be at least 1, got {k}")
    user_ids, features, items = user_features(exported)
    n = len(user_ids)
    sources, targets, weights = [], [], []
    transposed = features.T.tocsr()
    chunk = max(1, BLOCK_ENTRIES // max(n, 1))
    take = min(k, n - 1)
    for start in range(0, n if take > 0 else 0, chunk):
        # interests up the category tree make most pairs a little similar: dense blocks
        similarity = (features[start : start + chunk] @ transposed).toarray()
        rows = np.arange(similarity.shape[0])
        similarity[rows, start + rows] = 0.0
        best = np.argpartition(-similarity, take - 1, axis=1)[:, :take]
        values = np.take_along_axis(similarity, best, axis=1)
        keep = values > 0
        sources.append(np.repeat(start + rows, take)[keep.ravel()])
        targets.append(best[keep].astype(np.int64))
        weights.append(values[keep])
    if not sources:
        empty = np.zeros(0, np.int64)
        return UserProjection(user_ids, empty, empty, np.zeros(0, np.float32), features, items)
    source = np.concatenate(sources)
    target = np.concatenate(targets)
    weight = np.concatenate(weights)
    low, high = np.minimum(source, target), np.maximum(source, target)
    pairs, first = np.unique(low * n + high, return_index=True)  # cosine is symmetric
    return UserProjection(
        user_ids,
        (pairs // n).astype(np.int64),
        (pairs % n).astype(np.int64),
        weight[first].astype(np.float32),
        features,
        items,
    )
