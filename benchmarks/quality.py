"""Recommendation quality of every model on every benchmark split, next to the published numbers.

    .venv/bin/python benchmarks/quality.py                      # everything (long: a benchmark)
    .venv/bin/python benchmarks/quality.py --datasets gowalla --models lightgcn
    .venv/bin/python benchmarks/quality.py --quick --out /tmp/q  # minutes: a smoke run

Each dataset's results go to ``benchmarks/results/quality-<dataset>.json`` (merged: a run of one
model replaces only that model's figures), keys ``<dataset>.<model>.<metric>``. Trained models
checkpoint under ``benchmarks/.work/checkpoints``: a run stopped by its time budget
(``--budget-minutes``) or killed resumes where it was. TensorBoard curves go to ``--logdir``.
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import replace
from pathlib import Path

import torch
from machine import store_results

from interestgraph.config import Settings
from interestgraph.recommenders import MODELS, FitContext, build_recommender, train_model
from interestgraph.recommenders.harness import default_device
from interestgraph.training.datasets import BENCHMARKS, load_benchmark
from interestgraph.training.recdata import with_text_embedding
from interestgraph.training.run import TrainingConfig

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work"
REPORTED = ("recall", "ndcg", "hr", "precision", "f1", "coverage")

# Settings per dataset (all models) and per (dataset, model). Graph models on Gowalla take the
# LightGCN paper's 64 dimensions and 3 layers with a 4x larger batch and learning rate, which
# makes an epoch 5x cheaper on CPU; SASRec takes the usual transformer settings.
BASE = TrainingConfig(
    epochs=400,
    embedding_dim=64,
    num_layers=3,
    lr=0.004,
    batch_size=8192,
    reg=1e-4,
    eval_every=10,
    patience=5,
)
DATASET_CONFIG: dict[str, dict[str, object]] = {
    "gowalla": {},
    "amazon-beauty": {"lr": 0.01, "batch_size": 4096, "eval_every": 5, "patience": 4},
    "amazon-office": {"lr": 0.01, "batch_size": 2048, "eval_every": 5, "patience": 4},
    "tmall": {"lr": 0.01, "batch_size": 8192, "eval_every": 5, "patience": 4},
    "tmall-buy": {"lr": 0.01, "batch_size": 2048, "eval_every": 5, "patience": 4},
}
MODEL_CONFIG: dict[str, dict[str, object]] = {
    "sasrec": {
        "lr": 0.001,
        "batch_size": 256,
        "num_layers": 2,
        "reg": 0.01,
        "eval_every": 5,
        "patience": 4,
        "epochs": 200,
    },
    "gcn": {"num_layers": 2},
    "gat": {"num_layers": 2},
    "hetero-sage": {"num_layers": 2},
}
QUICK = {"epochs": 4, "eval_every": 2, "patience": 2}
QUICK_USERS = 600


def config_for(dataset: str, model: str, quick: bool) -> TrainingConfig:
    """The benchmark's settings for ``model`` on ``dataset`` (smaller and shorter with quick)."""
    overrides = DATASET_CONFIG[dataset] | MODEL_CONFIG.get(model, {})
    if quick:
        overrides = overrides | QUICK
    return replace(BASE, **overrides)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(BENCHMARKS))
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument(
        "--quick", action="store_true", help=f"first {QUICK_USERS} users, a few epochs: a smoke run"
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=Settings().data_dir,
        help="folder of the datasets (default: INTERESTGRAPH_DATA)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--checkpoints", type=Path, default=WORK / "checkpoints")
    parser.add_argument("--logdir", type=Path, default=None, help="TensorBoard log folder")
    parser.add_argument(
        "--budget-minutes",
        type=float,
        default=None,
        help="stop each trained model after this long (it resumes next run)",
    )
    parser.add_argument("--device", default=None, help="cpu, cuda (default: CUDA when present)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    datasets = [name for name in args.datasets.split(",") if name]
    models = [name for name in args.models.split(",") if name]
    for model in models:
        build_recommender(model, BASE)  # unknown names fail before any work
    device = torch.device(args.device) if args.device else default_device()
    checkpoints = args.checkpoints / ("quick" if args.quick else "full")
    started = time.perf_counter()
    for dataset in datasets:
        loaded = load_benchmark(dataset, args.data, max_users=QUICK_USERS if args.quick else None)
        data = with_text_embedding(loaded.data, WORK / "text-cache")
        path = args.out / f"quality-{dataset}.json"
        counts: dict[str, float | int | str] = {
            f"{dataset}.data.{name}": value for name, value in data.split.counts().items()
        }
        store_results(
            path,
            f"{dataset}.data",
            counts | {f"{dataset}.data.rejected_rows": loaded.rejected_rows},
        )
        for model in models:
            config = config_for(dataset, model, args.quick)
            if build_recommender(model, config).needs_order and data.split.train_order is None:
                logging.info("%s: %s needs ordered interactions; skipped", dataset, model)
                continue
            context = FitContext(
                device=device,
                checkpoint_dir=checkpoints / dataset,
                logdir=args.logdir / dataset if args.logdir else None,
                max_seconds=args.budget_minutes * 60 if args.budget_minutes else None,
            )
            result = train_model(data, config, model=model, context=context)
            prefix = f"{dataset}.{model}"
            results: dict[str, float | int | str] = {}
            for k in config.ks:
                for metric in REPORTED:
                    results[f"{prefix}.{metric}@{k}"] = result.test_metrics[f"{metric}@{k}"]
            results[f"{prefix}.val.{config.select_metric}"] = result.val_metrics.get(
                config.select_metric, 0.0
            )
            results[f"{prefix}.epochs"] = len(result.epoch_seconds)
            results[f"{prefix}.best_epoch"] = result.best_epoch
            results[f"{prefix}.stopped_by_budget"] = int(result.stopped_by == "budget")
            results[f"{prefix}.seconds_per_epoch"] = result.seconds_per_epoch
            results[f"{prefix}.fit_seconds"] = result.fit_seconds
            for name, value in result.chosen.items():
                results[f"{prefix}.chosen.{name}"] = value
            logging.info("%s: test %s (%s)", prefix, result.test_metrics, result.stopped_by)
            store_results(path, prefix, results)
    logging.info("quality benchmark done in %.0f s", time.perf_counter() - started)


if __name__ == "__main__":
    main()
