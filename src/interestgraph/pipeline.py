"""The main job after ingest: export the graph, train a model, write embeddings back, record it.

One function so that the CLI's `train` and `demo` and the end-to-end test run the same code.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import torch
from neo4j import Driver
from rich.progress import Progress

from interestgraph.config import Settings
from interestgraph.errors import BadInput
from interestgraph.export.training_graph import (
    IN_CATEGORY,
    MADE_BY,
    PURCHASED,
    ExportedGraph,
    export_training_graph,
)
from interestgraph.recommenders import FitContext, train_model
from interestgraph.recommenders.harness import TEXT_MODELS, default_device
from interestgraph.serving.writeback import WritebackReport, write_embeddings
from interestgraph.training.recdata import ItemSide, RecData
from interestgraph.training.run import TrainingConfig, TrainingResult, save_run
from interestgraph.training.split import InteractionSplit, leave_one_out_split


@dataclass(frozen=True)
class TrainReport:
    """What `interestgraph train` reports: graph sizes, metrics, stage timings, the run file."""

    graph_counts: dict[str, int]
    split_counts: dict[str, int]
    result: TrainingResult
    writeback: WritebackReport | None
    stage_seconds: dict[str, float]
    run_path: Path


def split_exported(exported: ExportedGraph) -> InteractionSplit:
    """Leave-one-out split of the exported purchases, by their order in each user's history.

    Raises:
        BadInput: a purchase with neither ``last_seq`` nor ``last_at`` (no order to split by).
    """
    store = exported.data[PURCHASED]
    if bool((store.time < 0).any()):
        raise BadInput(
            "some PURCHASED relationships have neither `last_seq` nor `last_at`: the "
            "leave-one-out split needs the order of each user's purchases"
        )
    return leave_one_out_split(
        store.edge_index,
        store.time,
        num_users=len(exported.user_ids),
        num_items=len(exported.item_ids),
    )


def rec_data(exported: ExportedGraph, split: InteractionSplit) -> RecData:
    """The split with the graph's item side: brands, categories and text vectors when exported."""
    data = exported.data
    groups = {
        "brand": (data[MADE_BY].edge_index, len(exported.brand_ids)),
        "category": (data[IN_CATEGORY].edge_index, len(exported.category_ids)),
    }
    has_text = "x" in data["item"] and bool(data["item"].has_text.any())
    text = data["item"].x if has_text else None
    return RecData(split, ItemSide(groups=groups, text_embedding=text))


def train_and_publish(
    driver: Driver,
    settings: Settings,
    config: TrainingConfig,
    *,
    model: str = "lightgcn",
    device: str | torch.device | None = None,
    progress: Progress | None = None,
    logdir: Path | None = None,
    checkpoint_dir: Path | None = None,
) -> TrainReport:
    """Export → split → train → write back; the run's JSON goes under ``settings.runs_dir``.

    ``logdir`` gets TensorBoard curves; with ``checkpoint_dir`` a killed run resumes when
    started again on the same graph. Only models that score by a dot product have vectors to
    write back; for the others
    (``writeback`` is ``None``) the run is measured and recorded, and the stored embeddings stay.
    """
    seconds: dict[str, float] = {}

    start = time.perf_counter()
    exported = export_training_graph(driver, text_features=model in TEXT_MODELS)
    seconds["export"] = time.perf_counter() - start

    start = time.perf_counter()
    split = split_exported(exported)
    seconds["split"] = time.perf_counter() - start

    context = FitContext(
        device=torch.device(device) if device is not None else default_device(),
        progress=progress,
        logdir=logdir,
        checkpoint_dir=checkpoint_dir,
    )
    result = train_model(rec_data(exported, split), config, model=model, context=context)
    seconds["train"] = result.total_seconds

    writeback = None
    if result.user_embedding is not None and result.item_embedding is not None:
        start = time.perf_counter()
        writeback = write_embeddings(
            driver,
            exported,
            result.user_embedding,
            result.item_embedding,
            model_id=result.run_id,
            batch_size=settings.batch_size,
        )
        seconds["write_back"] = time.perf_counter() - start

    run_path = save_run(result, settings.runs_dir, stage_seconds=seconds)
    return TrainReport(
        graph_counts=exported.counts(),
        split_counts=split.counts(),
        result=result,
        writeback=writeback,
        stage_seconds=seconds,
        run_path=run_path,
    )
