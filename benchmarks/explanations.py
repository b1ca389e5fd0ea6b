"""Coverage and latency of interest profiles and recommendation reasons on a trained dataset.

Runs against the configured Neo4j (``INTERESTGRAPH_*`` / ``NEO4J_*`` settings), which must hold
the dataset with topics, interest profiles and a trained model written back (``interestgraph
ingest``, ``topics``, ``interests``, ``train``). For every user (or a seeded sample of
``--users``) it asks for the top ``--first`` recommendations and their explanations through the
serving layer, as the GraphQL API does, and counts users without an interest profile,
recommendations without a path, and the reason kinds. Results go under ``<dataset>.`` keys into
benchmarks/results/explanations.json:

    .venv/bin/python benchmarks/explanations.py --dataset amazon-office [--users 1000]
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from pathlib import Path

import numpy as np
from neo4j import RoutingControl

from interestgraph.config import Settings
from interestgraph.db.connection import connect
from interestgraph.serving.explain import KINDS, explain_recommendations
from interestgraph.serving.recommend import recommend_items, user_interests

HERE = Path(__file__).resolve().parent
RESULT = HERE / "results" / "explanations.json"
USERS_QUERY = "MATCH (u:User) WHERE u.embedding IS NOT NULL RETURN u.id AS id ORDER BY id"
PROFILED_QUERY = """
MATCH (u:User)
RETURN count(u) AS users,
       count(CASE WHEN EXISTS { (u)-[:INTERESTED_IN]->() } THEN 1 END) AS profiled,
       COUNT { ()-[:INTERESTED_IN]->(:Topic) } AS topic_edges
"""
WARM_UP_USERS = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", required=True, help="key prefix, e.g. amazon-office")
    parser.add_argument("--users", type=int, default=0, help="seeded sample size; 0 = all")
    parser.add_argument("--first", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    with connect(Settings()) as driver:
        records, _, _ = driver.execute_query(USERS_QUERY, routing_=RoutingControl.READ)
        users = [r["id"] for r in records]
        if args.users and args.users < len(users):
            users = random.Random(args.seed).sample(users, args.users)
        profile, _, _ = driver.execute_query(PROFILED_QUERY, routing_=RoutingControl.READ)
        for user in users[:WARM_UP_USERS]:
            explain_recommendations(
                driver, user, [s.item_id for s in recommend_items(driver, user, args.first)]
            )
        kinds: Counter[str] = Counter()
        recommend_ms, explain_ms, interests_ms = [], [], []
        without_path = 0
        for user in users:
            started = time.perf_counter()
            found = recommend_items(driver, user, args.first)
            recommend_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            explained = explain_recommendations(driver, user, [s.item_id for s in found])
            explain_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            user_interests(driver, user, 10)
            interests_ms.append((time.perf_counter() - started) * 1000)
            for scored in found:
                kinds[explained[scored.item_id].kind] += 1
                without_path += not explained[scored.item_id].path

    prefix = args.dataset
    total = sum(kinds.values())
    results: dict[str, float | int | str] = {
        f"{prefix}.users": profile[0]["users"],
        f"{prefix}.users_with_interests": profile[0]["profiled"],
        f"{prefix}.interested_in_topic_edges": profile[0]["topic_edges"],
        f"{prefix}.users_asked": len(users),
        f"{prefix}.recommendations": total,
        f"{prefix}.recommendations_without_path": without_path,
        f"{prefix}.explain_ms.p50": float(np.percentile(explain_ms, 50)),
        f"{prefix}.explain_ms.p99": float(np.percentile(explain_ms, 99)),
        f"{prefix}.recommend_ms.p50": float(np.percentile(recommend_ms, 50)),
        f"{prefix}.interests_ms.p50": float(np.percentile(interests_ms, 50)),
    }
    results.update({f"{prefix}.reason_share.{k}": kinds[k] / total for k in (*KINDS, "none")})

    from machine import store_results

    store_results(RESULT, prefix, results)


if __name__ == "__main__":
    main()
