"""Full-ranking evaluation: every evaluated user is ranked against the whole catalogue.

Sampled metrics (rank the target among 100 random items) overstate quality and do not compare
with the published Amazon Beauty numbers, so scores are computed for all items, in user batches
to bound memory. The per-batch top-K lists go to PyG's ``LinkPred*`` metrics.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor
from torch_geometric.metrics import (
    LinkPredCoverage,
    LinkPredF1,
    LinkPredHitRatio,
    LinkPredMetricCollection,
    LinkPredNDCG,
    LinkPredPrecision,
    LinkPredRecall,
)

from interestgraph.errors import BadInput

DEFAULT_KS = (10, 20)


Scorer = Callable[[Tensor], Tensor]
"""Scores ``[B, I]`` of every item for a batch of user indices ``[B]``."""


def evaluate_ranking(
    user_emb: Tensor,
    item_emb: Tensor,
    target: Tensor,
    known: Tensor,
    *,
    ks: Sequence[int] = DEFAULT_KS,
    batch_size: int = 2048,
) -> dict[str, float]:
    """:func:`evaluate_scores` for a model whose score of (u, i) is ``user_emb[u] @ item_emb[i]``.

    Args:
        user_emb: ``[U, d]`` user vectors.
        item_emb: ``[I, d]`` item vectors.
        target, known, ks, batch_size: as for :func:`evaluate_scores`.
    """
    if user_emb.dim() != 2 or item_emb.dim() != 2 or user_emb.size(1) != item_emb.size(1):
        raise BadInput(
            f"expected [U, d] and [I, d] embeddings, got {list(user_emb.shape)} and "
            f"{list(item_emb.shape)}"
        )
    return evaluate_scores(
        lambda users: user_emb[users] @ item_emb.T,
        target,
        known,
        num_items=item_emb.size(0),
        ks=ks,
        batch_size=batch_size,
    )


def evaluate_scores(
    scorer: Scorer,
    target: Tensor,
    known: Tensor,
    *,
    num_items: int,
    ks: Sequence[int] = DEFAULT_KS,
    batch_size: int = 2048,
) -> dict[str, float]:
    """Recall, NDCG, hit ratio, precision, F1 and catalogue coverage at each K.

    Users evaluated are those with at least one ``target`` edge. Their ``known`` items are masked
    before taking the top K: pass the train edges when evaluating on validation, and train plus
    validation edges when evaluating on test, so an item the user is known to have bought never
    takes a slot. A target that is also known can therefore never be hit.

    Args:
        scorer: item scores ``[B, I]`` for user indices ``[B]`` (on the device of the result).
        target: ``[2, T]`` held-out (user, item) edges to find.
        known: ``[2, K]`` (user, item) edges to mask.
        num_items: catalogue size I.
        ks: cut-offs; with one target per user ``recall@K`` equals ``hr@K``.
        batch_size: users scored at once (memory ``batch_size × I`` floats).

    Returns:
        ``{"recall@10": …, "ndcg@10": …, "hr@10": …, "precision@10": …, "f1@10": …,
        "coverage@10": …, …}``, averaged over evaluated users (coverage: share of items in
        anyone's top K; F1: per user, of that user's precision and recall).
    """
    if not ks or min(ks) < 1 or batch_size < 1:
        raise BadInput(f"ks must be positive cut-offs and batch_size ≥ 1, got {ks}, {batch_size}")
    metrics: LinkPredMetricCollection | None = None
    max_k = min(max(ks), num_items)
    users = torch.unique(target[0])
    row_of: Tensor | None = None
    with torch.no_grad():
        for start in range(0, users.numel(), batch_size):
            batch = users[start : start + batch_size]
            scores = scorer(batch)  # [B, I]
            if metrics is None or row_of is None:
                device = scores.device
                metrics = _metric_collection(ks, num_items).to(device)
                target, known, users = target.to(device), known.to(device), users.to(device)
                batch = batch.to(device)
                row_of = torch.full((int(users.max()) + 1,), -1, dtype=torch.long, device=device)
            scores = scores.float()
            row_of[batch] = torch.arange(batch.numel(), device=row_of.device)
            known_rows = _rows(row_of, known[0])
            in_batch = known_rows >= 0
            scores[known_rows[in_batch], known[1][in_batch]] = float("-inf")
            target_rows = _rows(row_of, target[0])
            in_batch = target_rows >= 0
            top = scores.topk(max_k, dim=1).indices  # [B, max_k]
            metrics.update(top, torch.stack([target_rows[in_batch], target[1][in_batch]]))
            row_of[batch] = -1
    if metrics is None:
        raise BadInput("no target edges to evaluate")
    return {name: float(value) for name, value in metrics.compute().items()}


def _rows(row_of: Tensor, users: Tensor) -> Tensor:
    """Batch row of each user, -1 for users outside the batch (or past the evaluated range)."""
    inside = users < row_of.numel()
    rows = torch.full_like(users, -1)
    rows[inside] = row_of[users[inside]]
    return rows


def _metric_collection(ks: Sequence[int], num_items: int) -> LinkPredMetricCollection:
    metrics: dict[str, object] = {}
    for k in sorted(set(ks)):
        metrics |= {
            f"recall@{k}": LinkPredRecall(k),
            f"ndcg@{k}": LinkPredNDCG(k),
            f"hr@{k}": LinkPredHitRatio(k),
            f"precision@{k}": LinkPredPrecision(k),
            f"f1@{k}": LinkPredF1(k),
            f"coverage@{k}": LinkPredCoverage(k, num_dst_nodes=num_items),
        }
    return LinkPredMetricCollection(metrics)
