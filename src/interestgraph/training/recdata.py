"""What every recommender trains on: the interaction split plus optional item side information."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
from torch import Tensor

from interestgraph.training.split import InteractionSplit, Phase

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ItemSide:
    """Item metadata a content-aware model may use; indices follow the split's items.

    ``groups`` maps a relation (``"brand"``, ``"category"``) to ``([2, E] (item, group)``
    edges, number of groups``)``. ``text_embedding`` is ``[I, D]`` float32 (zeros where an item
    has no text) once encoded; ``texts`` the strings it was encoded from, when known.
    """

    texts: list[str] | None = None
    groups: dict[str, tuple[Tensor, int]] = field(default_factory=dict)
    text_embedding: Tensor | None = None


@dataclass(frozen=True)
class RecData:
    """A split and its item side information (``None`` for id-only datasets such as Gowalla)."""

    split: InteractionSplit
    side: ItemSide | None = None

    @property
    def text_embedding(self) -> Tensor | None:
        """``[I, D]`` item text vectors, or ``None``."""
        return self.side.text_embedding if self.side is not None else None

    def inputs(self, phase: Phase) -> Tensor:
        """Every (user, item) edge a model may learn from in ``phase``: observed target
        behaviour plus the auxiliary behaviours, ``[2, E]`` distinct pairs."""
        edges = torch.cat([self.split.observed(phase), self.split.aux], dim=1)
        unique: Tensor = torch.unique(edges, dim=1)
        return unique


def with_text_embedding(
    data: RecData, cache_dir: Path | None, device: str | None = None
) -> RecData:
    """``data`` with its item texts encoded by the MiniLM text encoder, cached on disk by hash.

    Items without text get a zero vector; data without texts are returned unchanged.
    """
    side = data.side
    if side is None or side.texts is None or side.text_embedding is not None:
        return data
    digest = hashlib.sha256("\n".join(side.texts).encode("utf-8")).hexdigest()[:16]
    cache = cache_dir / f"text-{digest}.pt" if cache_dir is not None else None
    if cache is not None and cache.exists():
        vectors: Tensor = torch.load(cache)
    else:
        from interestgraph.semantics.item_text import TextEncoder

        encoder = TextEncoder(device=device)
        present = [n for n, text in enumerate(side.texts) if text]
        encoded = torch.from_numpy(encoder.encode([side.texts[n] for n in present])).float()
        vectors = torch.zeros(len(side.texts), encoded.size(1))
        vectors[torch.tensor(present, dtype=torch.long)] = encoded
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            torch.save(vectors, cache)
        logger.info("encoded %d item texts", len(present))
    return replace(data, side=replace(side, text_embedding=vectors))
