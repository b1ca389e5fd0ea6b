"""What a training run is configured with, what it produces, and its JSON record under runs/."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from torch import Tensor

from interestgraph.errors import BadInput


@dataclass(frozen=True)
class TrainingConfig:
    """LightGCN + BPR hyper-parameters.

    The defaults are tuned on Amazon Beauty for a demo on two CPU cores: 30 epochs take about a
    minute (≈ 2 s each) and reach HR@20 ≈ 0.083, NDCG@20 ≈ 0.034 on the leave-one-out test
    split; validation levels off after ~20 epochs. Lower ``lr`` (0.005, 0.002) needs more epochs
    for the same numbers; ``batch_size`` 8192 with ``lr`` 0.02 halves the epoch time for ≈ 0.083.
    ``patience`` counts evaluations (every ``eval_every`` epochs) without a better
    ``select_metric`` on validation before training stops.
    """

    epochs: int = 30
    embedding_dim: int = 64
    num_layers: int = 3
    lr: float = 0.01
    batch_size: int = 4096
    reg: float = 1e-4
    eval_every: int = 5
    patience: int = 3
    seed: int = 42
    ks: tuple[int, ...] = (10, 20)
    select_metric: str = "recall@20"
    eval_batch_size: int = 2048

    def __post_init__(self) -> None:
        positive = {
            "epochs": self.epochs,
            "embedding_dim": self.embedding_dim,
            "lr": self.lr,
            "batch_size": self.batch_size,
            "eval_every": self.eval_every,
            "patience": self.patience,
            "eval_batch_size": self.eval_batch_size,
        }
        bad = [name for name, value in positive.items() if value <= 0]
        if bad or self.num_layers < 0 or self.reg < 0:
            raise BadInput(f"training settings must be positive: {', '.join(bad) or 'layers/reg'}")
        if self.select_metric.split("@")[-1] not in {str(k) for k in self.ks}:
            raise BadInput(f"select_metric {self.select_metric} needs its K in ks={self.ks}")


@dataclass
class TrainingResult:
    """A finished run: timings, metrics of the chosen validation epoch or settings, embeddings.

    ``user_embedding`` is ``[U, d]`` and ``item_embedding`` ``[I, d]``, float32 on the CPU, in the
    index order of the data; the score of (u, i) is their inner product. Both are ``None`` for
    models whose scores are not a dot product (most-popular, ItemKNN, graph filters).
    ``stopped_by`` says why training ended (``epochs``, ``patience``, ``budget``,
    ``closed-form``); ``chosen`` holds settings picked on validation (e.g. ItemKNN's K).
    """

    run_id: str
    model: str
    config: TrainingConfig
    device: str
    epoch_seconds: list[float]
    fit_seconds: float
    test_seconds: float
    total_seconds: float
    best_epoch: int
    stopped_by: str
    chosen: dict[str, float]
    val_metrics: dict[str, float]
    test_metrics: dict[str, float]
    dataset: dict[str, int]
    user_embedding: Tensor | None
    item_embedding: Tensor | None
    history: list[dict[str, float]] = field(default_factory=list)

    @property
    def seconds_per_epoch(self) -> float:
        """Mean wall time of one training epoch (evaluation excluded); 0 without epochs."""
        return sum(self.epoch_seconds) / max(len(self.epoch_seconds), 1)


def new_run_id(model: str = "lightgcn", now: datetime | None = None) -> str:
    """A sortable, timestamp-based id such as ``lightgcn-20250101-120000-123``."""
    now = now or datetime.now(UTC)
    return f"{model}-{now:%Y%m%d-%H%M%S}-{now.microsecond // 1000:03d}"


def save_run(
    result: TrainingResult, runs_dir: Path, *, stage_seconds: dict[str, float] | None = None
) -> Path:
    """Write the run's config, metrics, timings and dataset counts (not tensors) as JSON.

    ``stage_seconds`` adds the wall time of the pipeline stages around training (export,
    write-back, ...) to the record. Returns the path, ``runs_dir/<run_id>.json``.
    """
    record: dict[str, Any] = {
        "run_id": result.run_id,
        "model": result.model,
        "device": result.device,
        "config": asdict(result.config),
        "dataset": result.dataset,
        "best_epoch": result.best_epoch,
        "epochs_run": len(result.epoch_seconds),
        "stopped_by": result.stopped_by,
        "chosen": result.chosen,
        "timings": {
            "seconds_per_epoch": result.seconds_per_epoch,
            "epoch_seconds": result.epoch_seconds,
            "fit_seconds": result.fit_seconds,
            "test_seconds": result.test_seconds,
            "total_seconds": result.total_seconds,
            "stages": stage_seconds or {},
        },
        "metrics": {"val": result.val_metrics, "test": result.test_metrics},
        "history": result.history,
    }
    runs_dir.mkdir(parents=True, exist_ok=True)
    path = runs_dir / f"{result.run_id}.json"
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path
