"""The one interface every recommender implements, so one harness trains and scores them all."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import torch
from torch import Tensor

from interestgraph.training.metrics import Scorer, evaluate_scores
from interestgraph.training.recdata import RecData
from interestgraph.training.run import TrainingConfig
from interestgraph.training.split import Phase

if TYPE_CHECKING:
    from rich.progress import Progress


@dataclass
class FitContext:
    """Where and how a model trains, beyond its hyper-parameters.

    ``checkpoint_dir`` (when set) holds one resumable checkpoint per model; ``logdir`` gets
    TensorBoard curves; ``max_seconds`` stops training (checkpoint kept) after that much wall
    time, so a long run continues in a later session.
    """

    device: torch.device
    progress: Progress | None = None
    checkpoint_dir: Path | None = None
    logdir: Path | None = None
    max_seconds: float | None = None


@dataclass
class FitReport:
    """How training went: epochs run, time per epoch, the best validation epoch and why it
    stopped (``"epochs"``, ``"patience"``, ``"budget"``, or ``"closed-form"`` for models
    without epochs)."""

    epochs_run: int = 0
    best_epoch: int = 0
    epoch_seconds: list[float] = field(default_factory=list)
    stopped_by: str = "closed-form"
    val_metrics: dict[str, float] = field(default_factory=dict)
    history: list[dict[str, float]] = field(default_factory=list)
    chosen: dict[str, float] = field(default_factory=dict)

    @property
    def seconds_per_epoch(self) -> float:
        """Mean wall time of one training epoch (evaluation excluded); 0 without epochs."""
        return sum(self.epoch_seconds) / max(len(self.epoch_seconds), 1)


class Recommender(ABC):
    """Learns from a :class:`RecData` and scores every item for any user.

    ``fit`` may look at validation targets only to choose epochs or settings; ``scorer`` gives
    the scores of a phase from what is observed before it (:meth:`RecData.inputs`).
    """

    name: str
    needs_order: ClassVar[bool] = False

    def __init__(self, config: TrainingConfig) -> None:
        self.config = config

    @abstractmethod
    def fit(self, data: RecData, context: FitContext) -> FitReport:
        """Train on ``data.split.train`` (and ``aux``); choose by validation."""

    @abstractmethod
    def scorer(self, data: RecData, phase: Phase) -> Scorer:
        """Scores ``[B, I]`` for user indices ``[B]`` given what is observed before ``phase``."""

    def embeddings(self, data: RecData) -> tuple[Tensor, Tensor] | None:
        """``([U, d], [I, d])`` CPU float32 vectors over all interactions whose inner product is
        the score, for write-back and vector search; ``None`` when scores are not a dot product."""
        return None

    def evaluate(self, data: RecData, phase: Phase) -> dict[str, float]:
        """Full-ranking metrics of ``phase``: observed items masked, every item ranked."""
        return evaluate_scores(
            self.scorer(data, phase),
            data.split.target(phase),
            data.split.observed(phase),
            num_items=data.split.num_items,
            ks=self.config.ks,
            batch_size=self.config.eval_batch_size,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name})"
