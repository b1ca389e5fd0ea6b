"""The epoch loop every trained model shares: evaluate, keep the best, stop, checkpoint, log.

A checkpoint after each evaluation holds the weights, the optimiser, the sampler's generator,
the best weights so far and the history, so a run killed (or stopped by its time budget) resumes
where it was: same results as one uninterrupted run. It is keyed by the model's configuration and
the data's sizes; a checkpoint of another configuration is ignored, never loaded into the wrong
model.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import nn

from interestgraph.recommenders.base import FitContext, FitReport
from interestgraph.training.run import TrainingConfig

logger = logging.getLogger(__name__)


def run_epochs(
    *,
    name: str,
    module: nn.Module,
    optimizer: torch.optim.Optimizer,
    generator: torch.Generator,
    train_epoch: Callable[[], float],
    evaluate: Callable[[], dict[str, float]],
    config: TrainingConfig,
    context: FitContext,
    fingerprint: dict[str, Any],
) -> FitReport:
    """Train ``module`` for up to ``config.epochs``, leaving it with its best validation weights.

    Args:
        name: the model's name, for the checkpoint file, TensorBoard and the progress bar.
        train_epoch: one pass over the training data; returns the mean loss.
        evaluate: validation metrics of the current weights.
        fingerprint: what else identifies the run (data sizes, model options).
    """
    started = time.perf_counter()
    key = _run_key(name, config, fingerprint)
    path = context.checkpoint_dir / f"{name}-{key}.pt" if context.checkpoint_dir else None
    report = FitReport(stopped_by="epochs")
    best_state = copy.deepcopy(module.state_dict())
    best_score, evals_since_best, start_epoch = -1.0, 0, 1
    if path is not None and path.exists():
        saved = torch.load(path, weights_only=False)
        module.load_state_dict(saved["module"])
        optimizer.load_state_dict(saved["optimizer"])
        generator.set_state(saved["generator"])
        torch.set_rng_state(saved["torch_rng"])  # dropout draws from the global generator
        best_state, best_score = saved["best_state"], saved["best_score"]
        evals_since_best, start_epoch = saved["evals_since_best"], saved["epoch"] + 1
        report = saved["report"]
        logger.info("%s: resumed from %s at epoch %d", name, path, saved["epoch"])
    writer = _summary_writer(context, name, key)
    task = (
        context.progress.add_task(name, total=config.epochs, completed=start_epoch - 1)
        if context.progress is not None
        else None
    )
    epoch = start_epoch - 1
    for epoch in range(start_epoch, config.epochs + 1):
        if evals_since_best >= config.patience:
            report.stopped_by = "patience"
            break
        if context.max_seconds is not None and time.perf_counter() - started > context.max_seconds:
            report.stopped_by = "budget"
            break
        module.train()
        tick = time.perf_counter()
        loss = train_epoch()
        if context.device.type == "cuda":
            torch.cuda.synchronize(context.device)
        report.epoch_seconds.append(time.perf_counter() - tick)
        report.epochs_run = epoch
        logger.info("%s epoch %d loss %.4f (%.1f s)", name, epoch, loss, report.epoch_seconds[-1])
        if writer is not None:
            writer.add_scalar("train/loss", loss, epoch)
            writer.add_scalar("train/epoch_seconds", report.epoch_seconds[-1], epoch)
        if epoch % config.eval_every == 0 or epoch == config.epochs:
            module.eval()
            val = evaluate()
            report.history.append({"epoch": epoch, "loss": loss} | val)
            logger.info("%s epoch %d loss %.4f val %s", name, epoch, loss, val)
            if writer is not None:
                for metric, value in val.items():
                    writer.add_scalar(f"val/{metric}", value, epoch)
            if val[config.select_metric] > best_score:
                best_score, report.best_epoch, report.val_metrics = (
                    val[config.select_metric],
                    epoch,
                    val,
                )
                best_state = copy.deepcopy(module.state_dict())
                evals_since_best = 0
            else:
                evals_since_best += 1
            if path is not None:
                _save(
                    path,
                    module,
                    optimizer,
                    generator,
                    best_state,
                    best_score,
                    evals_since_best,
                    epoch,
                    report,
                )
        if context.progress is not None and task is not None:
            context.progress.update(
                task,
                completed=epoch,
                description=f"{name} loss {loss:.4f} best val "
                f"{config.select_metric} {max(best_score, 0):.4f}",
            )
    else:
        if evals_since_best >= config.patience:
            report.stopped_by = "patience"
    if writer is not None:
        writer.close()
    module.load_state_dict(best_state)
    module.eval()
    return report


def _run_key(name: str, config: TrainingConfig, fingerprint: dict[str, Any]) -> str:
    settings = asdict(config) | {"name": name} | fingerprint
    settings.pop("epochs")  # a longer run resumes a shorter one
    settings.pop("patience")
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _save(
    path: Path,
    module: nn.Module,
    optimizer: torch.optim.Optimizer,
    generator: torch.Generator,
    best_state: dict[str, Any],
    best_score: float,
    evals_since_best: int,
    epoch: int,
    report: FitReport,
) -> None:
    """Write the checkpoint next to its final name, then rename: a kill never leaves half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    torch.save(
        {
            "module": module.state_dict(),
            "optimizer": optimizer.state_dict(),
            "generator": generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "best_state": best_state,
            "best_score": best_score,
            "evals_since_best": evals_since_best,
            "epoch": epoch,
            "report": report,
        },
        partial,
    )
    partial.replace(path)


def _summary_writer(context: FitContext, name: str, key: str) -> Any:
    if context.logdir is None:
        return None
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(log_dir=str(context.logdir / f"{name}-{key}"))
