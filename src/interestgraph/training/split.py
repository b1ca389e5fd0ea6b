"""Train / validation / test interactions, and the leave-one-out split of the Amazon protocol."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

import torch
from torch import Tensor

from interestgraph.errors import BadInput

logger = logging.getLogger(__name__)

Phase = Literal["val", "test"]

MIN_INTERACTIONS = 3  # a user needs a train, a validation and a test interaction


@dataclass(frozen=True)
class InteractionSplit:
    """User–item interactions of the target behaviour split in three; tensors are ``[2, E_*]``.

    A model learns from ``train`` (and ``aux``), picks its epoch or settings on ``val``, and is
    scored once on ``test``. :meth:`observed` and :meth:`masked` say what a model may see and
    which items it may not recommend in each phase, so every model is evaluated the same way.

    ``aux`` holds edges of other behaviours (views, carts) a multi-behaviour model may learn
    from; they are never targets and never masked. ``train_order`` is each train edge's position
    in its user's time-ordered history (``None`` when the data are unordered); the validation
    edge comes after every train edge, the test edge after it. ``num_short_users`` counts users
    kept entirely in ``train`` because they had too few interactions to hold any out.
    """

    train: Tensor
    val: Tensor
    test: Tensor
    num_users: int
    num_items: int
    num_short_users: int = 0
    aux: Tensor = field(default_factory=lambda: torch.empty(2, 0, dtype=torch.long))
    train_order: Tensor | None = None

    def observed(self, phase: Phase) -> Tensor:
        """Target-behaviour edges known before ``phase``'s targets: train, plus val for test.

        A model may condition on them (and on ``aux``), and their items are masked from the
        ranking: an item the user already bought never takes a slot.
        """
        if phase == "val":
            return self.train
        return torch.cat([self.train, self.val], dim=1)

    def target(self, phase: Phase) -> Tensor:
        """The held-out edges ``phase`` is scored on."""
        return self.val if phase == "val" else self.test

    def sequences(self, phase: Phase) -> list[Tensor]:
        """Each user's observed items in time order (oldest first), as ``[L_u]`` item indices.

        Raises:
            BadInput: the split has no order (``train_order`` is ``None``).
        """
        if self.train_order is None:
            raise BadInput("this split has no interaction order: a sequence model needs one")
        user, item = self.train
        order = torch.argsort(self.train_order, stable=True)
        order = order[torch.argsort(user[order], stable=True)]
        counts = torch.bincount(user, minlength=self.num_users).tolist()
        per_user = list(torch.split(item[order], counts))
        if phase == "test":
            for u, i in self.val.T.tolist():
                per_user[u] = torch.cat([per_user[u], torch.tensor([i])])
        return per_user

    def counts(self) -> dict[str, int]:
        """Sizes of the split, for run reports."""
        counts = {
            "users": self.num_users,
            "items": self.num_items,
            "train_edges": int(self.train.size(1)),
            "val_edges": int(self.val.size(1)),
            "test_edges": int(self.test.size(1)),
            "short_users": self.num_short_users,
        }
        if self.aux.size(1):
            counts["aux_edges"] = int(self.aux.size(1))
        return counts


def leave_one_out_split(
    edge_index: Tensor, seq: Tensor, *, num_users: int, num_items: int
) -> InteractionSplit:
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
    train_mask = ~(test_mask | val_mask)
    return InteractionSplit(
        train=edges[:, train_mask],
        val=edges[:, val_mask],
        test=edges[:, test_mask],
        num_users=num_users,
        num_items=num_items,
        num_short_users=num_short_users,
        train_order=seq[order][train_mask],
    )
