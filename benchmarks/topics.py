"""Benchmark of item text encoding and topic clustering on a real ingested dataset.

Runs against the configured Neo4j (``INTERESTGRAPH_*`` / ``NEO4J_*`` settings), which must already
hold the dataset (``interestgraph ingest ...``); it removes the items' text vectors first so the
encoding is timed in full, and rewrites the topics. The encoder is loaded and warmed up before the
clock starts. A second run measures the cached path (nothing to encode). Results go under
``<dataset>.`` keys into benchmarks/results/topics.json, next to other datasets' keys:

    .venv/bin/python benchmarks/topics.py --dataset amazon-office [--device cpu]

Also prints, per topic, its label and how many top-level / second-level categories its items
come from, which shows whether topics cut across the category tree; the results count the topics
that span two or more such categories, and those of which no second-level category holds 80 %.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from interestgraph.config import Settings
from interestgraph.db.connection import connect
from interestgraph.semantics import TextEncoder, enrich_items

HERE = Path(__file__).resolve().parent
RESULT = HERE / "results" / "topics.json"
CLEAR_TEXT_QUERY = """
MATCH (i:Item) WHERE i.text_embedding IS NOT NULL
CALL (i) { REMOVE i.text_embedding, i.text_hash, i.text_model } IN TRANSACTIONS OF 5000 ROWS
"""
# per topic: the items in its most common second-level category (an item counts once per category)
DOMINANT_SECOND_LEVEL_QUERY = """
MATCH (t:Topic)<-[:HAS_TOPIC]-(i:Item)-[:IN_CATEGORY]->(c:Category)
WITH t, i, collect(DISTINCT c.path[..2]) AS seconds
UNWIND seconds AS second
WITH t, second, count(i) AS n
RETURN t.id AS id, t.size AS size, max(n) AS dominant
"""
MIXED_SHARE = 0.8
WARM_UP_TEXTS = ["a warm-up sentence about fountain pens and ink"] * 64


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", required=True, help="key prefix, e.g. amazon-office")
    parser.add_argument("--device", default=None)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--min-topics", type=int, default=5)
    parser.add_argument("--max-topics", type=int, default=40)
    args = parser.parse_args()
    options = {"seed": args.seed, "min_topics": args.min_topics, "max_topics": args.max_topics}

    encoder = TextEncoder(args.device)
    encoder.encode(WARM_UP_TEXTS)
    with connect(Settings()) as driver:
        with driver.session() as session:
            session.run(CLEAR_TEXT_QUERY).consume()
        started = time.perf_counter()
        fresh = enrich_items(driver, encoder=encoder, **options)
        fresh_seconds = time.perf_counter() - started
        started = time.perf_counter()
        cached = enrich_items(driver, encoder=encoder, **options)
        cached_seconds = time.perf_counter() - started
        records, _, _ = driver.execute_query(DOMINANT_SECOND_LEVEL_QUERY)
    # topics under 80 % of whose items share one second-level category: they cut across the tree
    mixed = sum(r["dominant"] < MIXED_SHARE * r["size"] for r in records)

    prefix = args.dataset
    topics = fresh.topics
    results: dict[str, float | int | str] = {
        f"{prefix}.device": str(encoder.device),
        f"{prefix}.items": fresh.items,
        f"{prefix}.items_encoded": fresh.encoding.encoded,
        f"{prefix}.items_without_text": fresh.encoding.without_text,
        f"{prefix}.encode.seconds": fresh.encoding.seconds,
        f"{prefix}.encode.items_per_s": fresh.encoding.items_per_s,
        f"{prefix}.cluster.seconds": fresh.cluster_seconds,
        f"{prefix}.write_topics.seconds": fresh.write_seconds,
        f"{prefix}.fresh_run.seconds": fresh_seconds,
        f"{prefix}.cached_run.seconds": cached_seconds,
        f"{prefix}.cached_run.items_encoded": cached.encoding.encoded,
        f"{prefix}.k": fresh.k,
        f"{prefix}.k_sample_size": fresh.sample_size,
        f"{prefix}.silhouette_best": fresh.silhouette[fresh.k],
        f"{prefix}.topics_spanning_2plus_top_levels": sum(t.top_levels >= 2 for t in topics),
        f"{prefix}.topics_spanning_2plus_second_levels": sum(t.second_levels >= 2 for t in topics),
        f"{prefix}.topics_under_80pct_in_one_second_level": mixed,
        f"{prefix}.topic_size_min": min(t.size for t in topics),
        f"{prefix}.topic_size_max": max(t.size for t in topics),
        f"{prefix}.same_topics_on_rerun": int(
            [t.label for t in cached.topics] == [t.label for t in topics]
        ),
    }
    results.update({f"{prefix}.silhouette.k{k}": s for k, s in fresh.silhouette.items()})
    for t in topics:
        print(
            f"{t.id:>9} {t.size:>6} top {t.top_levels:>2} second {t.second_levels:>3} "
            f"leaves {t.leaves:>3}  {t.label}"
        )

    from machine import store_results

    store_results(RESULT, prefix, results)


if __name__ == "__main__":
    main()
