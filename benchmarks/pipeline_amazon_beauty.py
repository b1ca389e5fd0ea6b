"""Benchmark of the main job on the real Amazon Beauty data, stage by stage, on a fresh database.

Starts its own Neo4j (fresh home under benchmarks/.work, free ports) unless NEO4J_URI is set,
then measures: first ingest, idempotent re-ingest, export, training (LightGCN, the demo's
defaults), write-back; writes benchmarks/results/amazon-beauty-pipeline.json.

    .venv/bin/python benchmarks/pipeline_amazon_beauty.py [--epochs 30]
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from machine import describe_machine

from interestgraph.config import Settings
from interestgraph.db.connection import connect
from interestgraph.db.server import LocalNeo4jServer, find_free_port
from interestgraph.export.training_graph import export_training_graph
from interestgraph.ingest.pipeline import ingest_amazon_beauty
from interestgraph.pipeline import split_exported
from interestgraph.serving.writeback import write_embeddings
from interestgraph.training.lightgcn import train_lightgcn
from interestgraph.training.run import TrainingConfig

HERE = Path(__file__).resolve().parent
RESULT = HERE / "results" / "amazon-beauty-pipeline.json"
PREFIX = "amazon-beauty"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=TrainingConfig().epochs)
    args = parser.parse_args()

    home = HERE / ".work" / "pipeline-home"
    shutil.rmtree(home, ignore_errors=True)
    settings = Settings(home=home)
    server = None
    if settings.manages_local_server:
        settings = settings.model_copy(
            update={"bolt_port": find_free_port(), "http_port": find_free_port()}
        )
        server = LocalNeo4jServer(settings)
        start = time.perf_counter()
        server.start()
        server_seconds = time.perf_counter() - start
    results: dict[str, float | str] = {"machine": describe_machine()}
    if server is not None:
        results[f"{PREFIX}.neo4j_start.seconds"] = server_seconds
    try:
        with connect(settings) as driver:
            dataset = settings.data_dir / "amazon-beauty"
            first = ingest_amazon_beauty(driver, dataset, batch_size=settings.batch_size)
            again = ingest_amazon_beauty(driver, dataset, batch_size=settings.batch_size)
            results[f"{PREFIX}.ingest.seconds"] = first.total_seconds
            results[f"{PREFIX}.ingest_rerun.seconds"] = again.total_seconds
            results[f"{PREFIX}.ingest_rerun.new_purchases"] = again.created.get("purchased", 0)

            start = time.perf_counter()
            exported = export_training_graph(driver)
            export_seconds = time.perf_counter() - start
            edges = sum(
                exported.data[edge_type].edge_index.size(1)
                for edge_type in exported.data.edge_types
            )
            results[f"{PREFIX}.export.seconds"] = export_seconds
            results[f"{PREFIX}.export.edges"] = edges
            results[f"{PREFIX}.export.edges_per_s"] = edges / export_seconds

            config = TrainingConfig(epochs=args.epochs)
            result = train_lightgcn(split_exported(exported), config)
            results[f"{PREFIX}.lightgcn.epochs"] = len(result.epoch_seconds)
            results[f"{PREFIX}.lightgcn.best_epoch"] = result.best_epoch
            results[f"{PREFIX}.lightgcn.seconds_per_epoch"] = result.seconds_per_epoch
            results[f"{PREFIX}.lightgcn.train.seconds"] = result.total_seconds
            for name, value in sorted(result.test_metrics.items()):
                results[f"{PREFIX}.lightgcn.{name}"] = value

            start = time.perf_counter()
            report = write_embeddings(
                driver,
                exported,
                result.user_embedding,
                result.item_embedding,
                model_id=result.run_id,
                batch_size=settings.batch_size,
            )
            write_seconds = time.perf_counter() - start
            nodes = report.users_written + report.items_written
            results[f"{PREFIX}.write_back.seconds"] = write_seconds
            results[f"{PREFIX}.write_back.nodes_per_s"] = nodes / write_seconds
    finally:
        if server is not None:
            server.stop()
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
