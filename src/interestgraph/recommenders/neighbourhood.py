"""The two baselines every recommender must beat: most-popular and item-based kNN.

- **most-popular**: every user gets the items with the most interactions, minus their own.
- **ItemKNN** (Sarwar et al., 2001; Deshpande & Karypis, 2004): items are similar when the same
  users interacted with both (cosine of their user columns); each item keeps its ``K`` most
  similar neighbours and a user's score for an item sums its similarity to the user's items.
  ``K`` is chosen on validation.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

from interestgraph.recommenders.base import FitContext, FitReport, Recommender
from interestgraph.training.metrics import Scorer
from interestgraph.training.recdata import RecData
from interestgraph.training.split import Phase

logger = logging.getLogger(__name__)

NEIGHBOUR_COUNTS = (50, 200)
ITEM_CHUNK = 2048


class MostPopular(Recommender):
    """Ranks items by how many users interacted with them (target and auxiliary behaviours)."""

    name = "most-popular"

    def fit(self, data: RecData, context: FitContext) -> FitReport:
        return FitReport(val_metrics=self.evaluate(data, "val"))

    def scorer(self, data: RecData, phase: Phase) -> Scorer:
        counts = torch.bincount(data.inputs(phase)[1], minlength=data.split.num_items).float()
        return lambda users: counts.expand(users.numel(), -1).clone()


class ItemKNN(Recommender):
    """Item–item cosine similarity, top-``K`` neighbours per item, ``K`` picked on validation."""

    name = "itemknn"

    def __init__(self, config: object) -> None:
        super().__init__(config)  # type: ignore[arg-type]
        self.neighbours = NEIGHBOUR_COUNTS[0]
        self._cache: dict[str, tuple[sp.csr_matrix, sp.csr_matrix]] = {}

    def fit(self, data: RecData, context: FitContext) -> FitReport:
        report = FitReport()
        best = -1.0
        for neighbours in NEIGHBOUR_COUNTS:
            self.neighbours = neighbours
            self._cache = {}
            metrics = self.evaluate(data, "val")
            report.history.append({"neighbours": float(neighbours)} | metrics)
            if metrics[self.config.select_metric] > best:
                best, chosen, report.val_metrics = (
                    metrics[self.config.select_metric],
                    neighbours,
                    metrics,
                )
        self.neighbours = chosen
        self._cache = {}
        report.chosen = {"neighbours": float(chosen)}
        return report

    def scorer(self, data: RecData, phase: Phase) -> Scorer:
        if phase not in self._cache:
            matrix = _interaction_matrix(
                data.inputs(phase), data.split.num_users, data.split.num_items
            )
            self._cache = {phase: (matrix, top_k_cosine(matrix, self.neighbours))}
        matrix, similarity = self._cache[phase]
        return lambda users: torch.from_numpy((matrix[users.numpy()] @ similarity).toarray())


def top_k_cosine(matrix: sp.csr_matrix, neighbours: int) -> sp.csr_matrix:
    """``[I, I]`` sparse: for each item its ``neighbours`` most cosine-similar other items.

    Computed in chunks of items so the dense block is ``ITEM_CHUNK × I``, never ``I × I``.
    """
    num_items = matrix.shape[1]
    columns = matrix.T.tocsr().astype(np.float32)
    norms = np.sqrt(np.asarray(columns.multiply(columns).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    k = min(neighbours, num_items - 1)
    rows, cols, values = [], [], []
    for start in range(0, num_items, ITEM_CHUNK):
        stop = min(start + ITEM_CHUNK, num_items)
        block = torch.from_numpy((columns[start:stop] @ columns.T).toarray())
        block /= torch.from_numpy(norms[start:stop, None] * norms[None, :])
        block[torch.arange(stop - start), torch.arange(start, stop)] = 0.0  # not its own neighbour
        top = block.topk(k, dim=1)
        rows.append(torch.arange(start, stop).repeat_interleave(k))
        cols.append(top.indices.reshape(-1))
        values.append(top.values.reshape(-1))
    return sp.csr_matrix(
        (torch.cat(values).numpy(), (torch.cat(rows).numpy(), torch.cat(cols).numpy())),
        shape=(num_items, num_items),
    )


def _interaction_matrix(edges: Tensor, num_users: int, num_items: int) -> sp.csr_matrix:
    user, item = edges.cpu().numpy()
    return sp.csr_matrix(
        (np.ones(user.size, dtype=np.float32), (user, item)), shape=(num_users, num_items)
    )
