"""One harness for every model and dataset: fit (choosing by validation), then test once.

Full ranking over all items with the observed items masked, the same metrics at the same cut-offs
for every model, fixed seeds. What comes back is a :class:`TrainingResult`, recorded as JSON by
:func:`interestgraph.training.run.save_run`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

import torch

from interestgraph.errors import BadInput
from interestgraph.recommenders.base import FitContext, Recommender
from interestgraph.recommenders.bpr import BPRRecommender
from interestgraph.recommenders.encoders import ENCODERS
from interestgraph.recommenders.graph_filter import GraphFilterRecommender
from interestgraph.recommenders.neighbourhood import ItemKNN, MostPopular
from interestgraph.recommenders.sasrec import SASRec
from interestgraph.training.recdata import RecData
from interestgraph.training.run import TrainingConfig, TrainingResult, new_run_id

_FACTORIES: dict[str, Callable[[TrainingConfig], Recommender]] = {
    "most-popular": MostPopular,
    "itemknn": ItemKNN,
    **{name: partial(BPRRecommender, name=name) for name in ENCODERS},
    "gf-cf": partial(GraphFilterRecommender, name="gf-cf"),
    "bspm": partial(GraphFilterRecommender, name="bspm"),
    "bspm-paper": partial(GraphFilterRecommender, name="bspm-paper"),
    "sasrec": SASRec,
}
MODELS = tuple(_FACTORIES)
"""Model names accepted by ``interestgraph train --model`` and the quality benchmark."""
TEXT_MODELS = frozenset({"hetero-sage", "sasrec"})
"""Models that use item text vectors when the data have them."""


def build_recommender(name: str, config: TrainingConfig) -> Recommender:
    """A fresh, untrained recommender ``name`` with ``config``.

    Raises:
        BadInput: unknown model name.
    """
    if name not in _FACTORIES:
        raise BadInput(f"unknown model {name!r}: choose from {', '.join(MODELS)}")
    return _FACTORIES[name](config)


def train_model(
    data: RecData,
    config: TrainingConfig,
    *,
    model: str = "lightgcn",
    context: FitContext | None = None,
) -> TrainingResult:
    """Fit ``model`` on ``data`` (epoch or settings chosen on validation), score the test split.

    Raises:
        BadInput: unknown model, or a sequence model on data without order.
    """
    recommender = build_recommender(model, config)
    if recommender.needs_order and data.split.train_order is None:
        raise BadInput(f"{model} is a sequence model: this dataset's interactions have no order")
    context = context or FitContext(device=default_device())
    started = time.perf_counter()
    report = recommender.fit(data, context)
    fit_seconds = time.perf_counter() - started
    tick = time.perf_counter()
    test = recommender.evaluate(data, "test")
    test_seconds = time.perf_counter() - tick
    embeddings = recommender.embeddings(data)
    return TrainingResult(
        run_id=new_run_id(model),
        model=model,
        config=config,
        device=str(context.device),
        epoch_seconds=report.epoch_seconds,
        fit_seconds=fit_seconds,
        test_seconds=test_seconds,
        total_seconds=time.perf_counter() - started,
        best_epoch=report.best_epoch,
        stopped_by=report.stopped_by,
        chosen=report.chosen,
        val_metrics=report.val_metrics,
        test_metrics=test,
        dataset=data.split.counts(),
        user_embedding=embeddings[0] if embeddings is not None else None,
        item_embedding=embeddings[1] if embeddings is not None else None,
        history=report.history,
    )


def default_device() -> torch.device:
    """CUDA when present, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
