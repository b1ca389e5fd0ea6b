"""Leave-one-out split by sequence order, the protocol of the published Amazon Beauty numbers."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch
from torch import Tensor

from interestgraph.errors import BadInput

logger = logging.getLogger(__name__)

MIN_INTERACTIONS = 3  # a user needs a train, a validation and a test interaction


@dataclass(frozen=True)
class LeaveOneOutSplit:
    """User–item interactions split per user; every tensor is ``[2, E_*]`` of (user, item) indices.

    ``val`` and ``test`` hold at most one edge per user; neither appears in ``train``, the only
    edges a model may propagate over. ``num_short_users`` counts users with 1 or 2 interactions,
    which are kept entirely in ``train`` and so are never evaluated.
    """

    train: Tensor
    val: Tensor
    test: Tensor
    num_users: int
    num_items: int
    num_short_users: int

    def counts(self) -> dict[str, int]:
        """Sizes of the split, for run reports."""
        return {
            "users": self.num_users,
            "items": self.num_items,
            "train_edges": int(self.train.size(1)),
            "val_edges": int(self.val.size(1)),
            "test_edges": int(self.test.size(1)),
            "short_users": self.num_short_users,
        }


def leave_one_out_split(
    edge_index: Tensor, seq: Tensor, *, num_users: int, num_items: int
) -> LeaveOneOutSplit:
    """Per user, the largest ``seq`` is test, the second largest validation, the rest train.

    Users with fewer than three interactions keep all of them in train (and are logged), as the
    S3-Rec protocol does. Ties in ``seq`` are broken by edge position, so the result is
    deterministic for a deterministic export.

    Args:
        edge_index: ``[2, E]`` (user, item) indices.
        seq: ``[E]`` position of each interaction in its user's time-ordered sequence.
        num_users: number of users U (indices in ``0..U-1``).
        num_items: number of items I (indices in ``0..I-1``).
    """
    if edge_index.dim() != 2 or edge_index.size(0) != 2 or seq.shape != (edge_index.size(1),):
        raise BadInput(
            f"expected edge_index [2, E] and seq [E], got {list(edge_index.shape)} and "
            f"{list(seq.shape)}"
        )
    if edge_index.numel() and (
        int(edge_index[0].max()) >= num_users or int(edge_index[1].max()) >= num_items
    ):
        raise BadInput(f"edge_index points past {num_users} users or {num_items} items")
    user = edge_index[0]
    # Latest first within each user: sort by seq descending, then stably by user.
    order = torch.argsort(seq, descending=True, stable=True)
    order = order[torch.argsort(user[order], stable=True)]
    sorted_user = user[order]
    counts = torch.bincount(user, minlength=num_users)
    starts = torch.cumsum(counts, 0) - counts
    rank = torch.arange(order.numel(), device=user.device) - starts[sorted_user]
    long_enough = counts[sorted_user] >= MIN_INTERACTIONS

    edges = edge_index[:, order]
    test_mask = long_enough & (rank == 0)
    val_mask = long_enough & (rank == 1)
    num_short_users = int(((counts > 0) & (counts < MIN_INTERACTIONS)).sum())
    if num_short_users:
        logger.info(
            "%d users have fewer than %d interactions: all kept in train, not evaluated",
            num_short_users,
            MIN_INTERACTIONS,
        )
    return LeaveOneOutSplit(
        train=edges[:, ~(test_mask | val_mask)],
        val=edges[:, val_mask],
        test=edges[:, test_mask],
        num_users=num_users,
        num_items=num_items,
        num_short_users=num_short_users,
    )
