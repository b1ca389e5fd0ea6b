"""Full-ranking evaluation: every evaluated user is ranked against the whole catalogue.

Sampled metrics (rank the target among 100 random items) overstate quality and do not compare
with the published Amazon Beauty numbers, so scores are computed for all items, in user batches
to bound memory. The per-batch top-K lists go to PyG's ``LinkPred*`` metrics.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor
from torch_geometric.metrics import (
    LinkPredCoverage,
    LinkPredHitRatio,
    LinkPredMetricCollection,
    LinkPredNDCG,
    LinkPredPrecision,
    LinkPredRecall,
)

from interestgraph.errors import BadInput

DEFAULT_KS = (10, 20)


def evaluate_ranking(
    user_emb: Tensor,
    item_emb: Tensor,
    target: Tensor,
    known: Tensor,
    *,
    ks: Sequence[int] = DEFAULT_KS,
    batch_size: int = 2048,
) -> dict[str, float]:
    """Recall, NDCG, hit ratio, precision and catalogue coverage at each K.

    Users evaluated are those with at least one ``target`` edge. Their ``known`` items are masked
    before taking the top K: pass the train edges when evaluating on validation, and train plus
    validation edges when evaluating on test, so an item the user is known to have bought never
    takes a slot. A target that is also known can therefore never be hit.

    Args:
        user_emb: ``[U, d]`` user vectors; the score of (u, i) is ``user_emb[u] @ item_emb[i]``.
        item_emb: ``[I, d]`` item vectors.
        target: ``[2, T]`` held-out (user, item) edges to find.
        known: ``[2, K]`` (user, item) edges to mask.
        ks: cut-offs; with one target per user ``recall@K`` equals ``hr@K``.
        batch_size: users scored at once (memory ``batch_size × I`` floats).

    Returns:
        ``{"recall@10": …, "ndcg@10": …, "hr@10": …, "precision@10": …, "coverage@10": …, …}``,
        averaged over evaluated users (coverage: share of items in anyone's top K).
    """
    if user_emb.dim() != 2 or item_emb.dim() != 2 or user_emb.size(1) != item_emb.size(1):
        raise BadInput(
            f"expected [U, d] and [I, d] embeddings, got {list(user_emb.shape)} and "
            f"{list(item_emb.shape)}"
        )
    if not ks or min(ks) < 1 or batch_size < 1:
        raise BadInput(f"ks must be positive cut-offs and batch_size ≥ 1, got {ks}, {batch_size}")
    device = user_emb.device
    num_items = item_emb.size(0)
    target, known = target.to(device), known.to(device)
    metrics = _metric_collection(ks, num_items).to(device)
    max_k = min(max(ks), num_items)

    users = torch.unique(target[0])
    row_of = torch.full((user_emb.size(0),), -1, dtype=torch.long, device=device)
    with torch.no_grad():
        for start in range(0, users.numel(), batch_size):
            batch = users[start : start + batch_size]
            row_of[batch] = torch.arange(batch.numel(), device=device)
            scores = user_emb[batch] @ item_emb.T  # [B, I]
            known_rows = row_of[known[0]]
            in_batch = known_rows >= 0
            scores[known_rows[in_batch], known[1][in_batch]] = float("-inf")
            target_rows = row_of[target[0]]
            in_batch = target_rows >= 0
            top = scores.topk(max_k, dim=1).indices  # [B, max_k]
            metrics.update(top, torch.stack([target_rows[in_batch], target[1][in_batch]]))
            row_of[batch] = -1
    return {name: float(value) for name, value in metrics.compute().items()}


def _metric_collection(ks: Sequence[int], num_items: int) -> LinkPredMetricCollection:
    metrics: dict[str, object] = {}
    for k in sorted(set(ks)):
        metrics |= {
            f"recall@{k}": LinkPredRecall(k),
            f"ndcg@{k}": LinkPredNDCG(k),
            f"hr@{k}": LinkPredHitRatio(k),
            f"precision@{k}": LinkPredPrecision(k),
            f"coverage@{k}": LinkPredCoverage(k, num_dst_nodes=num_items),
        }
    return LinkPredMetricCollection(metrics)
