"""Benchmark of the main job on the real Amazon Beauty data, stage by stage, on a fresh database.

Starts its own Neo4j (fresh home under benchmarks/.work, free ports) unless NEO4J_URI is set,
then measures the demo's stages: first ingest, idempotent re-ingest, item text encoding and
topics, interest profiles, export, training (LightGCN, the demo's defaults), write-back; writes
benchmarks/results/amazon-beauty-pipeline.json.

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
from interestgraph.ingest.adapters.amazon_beauty import read_amazon_beauty
from interestgraph.ingest.canonical import ingest_source
from interestgraph.interests import InterestConfig, refresh_interests
from interestgraph.pipeline import train_and_publish
from interestgraph.privacy import create_pseudonymizer
from interestgraph.semantics import enrich_items
from interestgraph.training.run import TrainingConfig

HERE = Path(__file__).resolve().parent
RESULT = HERE / "results" / "amazon-beauty-pipeline.json"
PREFIX = "amazon-beauty"
EDGE_KINDS = ("purchased", "in_category", "made_by", "subcategory_of")


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
    results: dict[str, float | int | str] = {"machine": describe_machine()}
    if server is not None:
        results[f"{PREFIX}.neo4j_start.seconds"] = server_seconds
    try:
        with connect(settings) as driver:
            dataset = settings.data_dir / "amazon-beauty"
            pseudonymizer = create_pseudonymizer(settings)
            first = ingest_source(
                driver,
                read_amazon_beauty(dataset),
                pseudonymizer=pseudonymizer,
                batch_size=settings.batch_size,
            )
            again = ingest_source(  # the same input again: every chunk is in the ledger
                driver,
                read_amazon_beauty(dataset),
                pseudonymizer=pseudonymizer,
                batch_size=settings.batch_size,
            )
            results[f"{PREFIX}.ingest.seconds"] = first.total_seconds
            results[f"{PREFIX}.ingest.users"] = first.graph_after.get("User", 0)
            results[f"{PREFIX}.ingest.items"] = first.graph_after.get("Item", 0)
            results[f"{PREFIX}.ingest.brands"] = first.graph_after.get("Brand", 0)
            results[f"{PREFIX}.ingest.purchases"] = first.graph_after.get("PURCHASED", 0)
            results[f"{PREFIX}.ingest_rerun.seconds"] = again.total_seconds
            results[f"{PREFIX}.ingest_rerun.new_purchases"] = again.created.get("PURCHASED", 0)

            start = time.perf_counter()
            topics = enrich_items(driver)
            results[f"{PREFIX}.topics.seconds"] = time.perf_counter() - start
            results[f"{PREFIX}.topics.k"] = topics.k
            results[f"{PREFIX}.topics.encode.items_per_s"] = topics.encoding.items_per_s
            interests = refresh_interests(driver, config=InterestConfig.from_settings(settings))
            results[f"{PREFIX}.interests.seconds"] = interests.seconds
            results[f"{PREFIX}.interests.users_per_s"] = interests.users_per_second
            results[f"{PREFIX}.interests.edges"] = sum(interests.edges.values())

            report = train_and_publish(driver, settings, TrainingConfig(epochs=args.epochs))
    finally:
        if server is not None:
            server.stop()
    result, seconds = report.result, report.stage_seconds
    edges = sum(n for name, n in report.graph_counts.items() if name in EDGE_KINDS)
    if report.writeback is None:
        raise SystemExit("LightGCN wrote no embeddings back")
    nodes = report.writeback.users_written + report.writeback.items_written
    results.update(
        {
            f"{PREFIX}.export.seconds": seconds["export"],
            f"{PREFIX}.export.edges": edges,
            f"{PREFIX}.export.edges_per_s": edges / seconds["export"],
            f"{PREFIX}.lightgcn.epochs": len(result.epoch_seconds),
            f"{PREFIX}.lightgcn.best_epoch": result.best_epoch,
            f"{PREFIX}.lightgcn.seconds_per_epoch": result.seconds_per_epoch,
            f"{PREFIX}.lightgcn.train.seconds": seconds["train"],
            f"{PREFIX}.write_back.seconds": seconds["write_back"],
            f"{PREFIX}.write_back.nodes_per_s": nodes / seconds["write_back"],
        }
    )
    for name, value in sorted(result.test_metrics.items()):
        results[f"{PREFIX}.lightgcn.{name}"] = value
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
