"""The GraphQL API under load: autocannon against `interestgraph serve` on this machine.

    .venv/bin/python benchmarks/api_load.py [--dataset gowalla|tmall] [--duration 120]
        [--connections 8] [--workers 1] [--compare-workers] [--out PATH]

Against a benchmark graph's own server (benchmarks/datapath_graphs.py; when it has no active
model, SVD user and item vectors are written back first, as benchmarks/datapath.py does), with
the API a child process (benchmarks/api_service.py) and the load generator a Node.js one
(benchmarks/load/run.mjs: autocannon, pinned in benchmarks/load/package-lock.json), all on this
machine's cores:

- warm-up: ``--warmup`` seconds of reads, not recorded;
- read: ``recommendations(first: 20)`` for a random user with a vector per request, for
  ``--duration`` seconds over ``--connections`` connections (closed loop, or ``--rate``
  requests/s in all): requests/s, p50/p99 latency, errors (failed connections, non-2xx, and
  200s carrying GraphQL errors);
- paced: the same reads offered at ``--paced-rate`` requests/s in all (the issue's 200), the
  latency at that load; the closed-loop read run keeps every connection waiting, so its
  latency is mostly queueing behind the other connections' requests;
- mix: the same reads with ``--write-share`` of the requests ``recordEvents`` of 1-5 events
  (each a new client event id) for users made up for the run, ``--resend-share`` of the writes
  an exact re-send of an answered one; then, with the API stopped, every event is looked up in
  Neo4j (lost, duplicated; benchmarks/api_events.py) and the made-up users are deleted;
- ``--compare-workers``: before them, a short read run with 1 and with 2 server processes.

Writes ``benchmarks/results/api.json`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import random
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api_cpu import cpu_metrics, cpu_sample
from api_events import count_events, delete_users
from api_loadgen import FIRST, READ_QUERY, WRITE_MUTATION, prime, run_load, run_metrics
from api_service import ApiService, running_api
from datapath_graphs import BENCHMARK_KEY, READERS, BenchmarkGraph, benchmark_graph
from machine import store_results
from neo4j import RoutingControl
from rich.console import Console
from rich.table import Table

from interestgraph.db.server import LocalNeo4jServer
from interestgraph.privacy import Pseudonymizer

RESULTS = Path(__file__).resolve().parent / "results" / "api.json"
DATASETS = ("gowalla", "tmall")
# Mostly browsing, some carts and purchases, a few ratings: a shop's event stream.
EVENT_TYPES = [["VIEW", 60], ["CLICK", 15], ["ADD_TO_CART", 10], ["PURCHASE", 10], ["RATE", 5]]
MAX_EVENTS = 5
WRITE_USERS = 500
PRIME_REQUESTS_PER_PROCESS = 4
ACTIVE_MODEL_QUERY = "MATCH (m:EmbeddingModel {active: true}) RETURN m.id AS id"
USERS_WITH_VECTORS_QUERY = """
UNWIND $ids AS id
MATCH (u:User {id: id}) WHERE u.embedding IS NOT NULL
RETURN u.id AS id
"""
ITEMS_QUERY = "MATCH (i:Item) RETURN i.id AS id ORDER BY id"

console = Console(stderr=True)


def ensure_model(graph: BenchmarkGraph, dataset: str) -> str:
    """The active model's id; without one, SVD vectors are written back first (datapath.py's
    code), since recommendations need user and item vectors."""
    records = graph.driver.execute_query(ACTIVE_MODEL_QUERY, routing_=RoutingControl.READ).records
    if records:
        return str(records[0]["id"])
    from datapath import svd_embeddings

    from interestgraph.export import export_training_graph
    from interestgraph.serving.writeback import write_embeddings

    model_id = f"svd-64-{dataset}-api"
    with console.status(f"{dataset}: no active model, writing SVD vectors back"):
        exported = export_training_graph(graph.driver)
        user_emb, item_emb, _ = svd_embeddings(exported)
        write_embeddings(graph.driver, exported, user_emb, item_emb, model_id=model_id)
    return model_id


def users_with_vectors(graph: BenchmarkGraph, dataset: str) -> list[str]:
    """The dataset's shop user ids whose pseudonym has a vector, sorted: the API takes shop ids,
    the graph holds only pseudonyms, so the ids come from the dataset files."""
    folder, reader = READERS[dataset]
    shop_ids: set[str] = set()
    with console.status(f"{dataset}: reading user ids"):
        for chunk in reader(graph.settings.data_dir / folder).events:
            shop_ids.update(str(u) for u in chunk["user_id"].unique())
    pseudonymizer = Pseudonymizer(BENCHMARK_KEY)
    by_pseudonym = {pseudonymizer.user_id(u): u for u in shop_ids}
    records = graph.driver.execute_query(
        USERS_WITH_VECTORS_QUERY, ids=list(by_pseudonym), routing_=RoutingControl.READ
    ).records
    return sorted(by_pseudonym[r["id"]] for r in records)


def prime_reads(api: ApiService, users: list[str], rng: random.Random) -> float:
    """First reads of a fresh API (item vectors loaded), before anything is timed."""
    sample = rng.sample(users, PRIME_REQUESTS_PER_PROCESS * api.workers)
    return prime(api, READ_QUERY, [{"id": u, "first": FIRST} for u in sample], write=False)


def prime_writes(
    api: ApiService, write_users: list[str], items: list[str], prefix: str
) -> tuple[float, list[dict[str, Any]]]:
    """First writes of a fresh API (newest event time read), before anything is timed; the
    events sent, to be counted with the run's."""
    at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    events = [
        {
            "id": f"{prefix}{k}",
            "userId": write_users[k],
            "itemId": items[k],
            "type": "VIEW",
            "at": at,
        }
        for k in range(PRIME_REQUESTS_PER_PROCESS * api.workers)
    ]
    seconds = prime(api, WRITE_MUTATION, [{"events": [e]} for e in events], write=True)
    return seconds, [e | {"answered": True} for e in events]


def measured_run(
    api: ApiService,
    prefix: str,
    *,
    duration: int,
    config: dict[str, Any],
    neo4j_pid: int | None,
) -> tuple[dict[str, Any], dict[str, float | int | str]]:
    """One timed run: its summary, and its metrics with where the CPU went."""
    before = cpu_sample(api.pid, neo4j_pid)
    summary = run_load(
        api, prefix.split(".", 1)[1], duration=duration, config=config, console=console
    )
    after = cpu_sample(api.pid, neo4j_pid)
    show_errors(summary)
    metrics = run_metrics(prefix, summary, api.workers)
    return summary, metrics | cpu_metrics(prefix, before, after, summary["requests"])


def compare_workers(
    graph: BenchmarkGraph, prefix: str, reads: dict[str, Any], args: argparse.Namespace
) -> dict[str, float | int | str]:
    """Short read runs with 1 and 2 API processes, one after the other, and their ratio."""
    out: dict[str, float | int | str] = {}
    neo4j_pid = LocalNeo4jServer(graph.settings).status().pid
    for workers in (1, 2):
        with running_api(graph.settings, workers=workers) as api:
            prime_reads(api, reads["users"], random.Random(workers))
            run_load(
                api, f"warm-up, {workers} proc", duration=args.warmup, config=reads, console=console
            )
            _, metrics = measured_run(
                api,
                f"{prefix}.workers{workers}",
                duration=args.compare_seconds,
                config=reads,
                neo4j_pid=neo4j_pid,
            )
        out |= metrics
    out[f"{prefix}.workers.rps_ratio"] = float(out[f"{prefix}.workers2.rps"]) / float(
        out[f"{prefix}.workers1.rps"]
    )
    return out


def measure(dataset: str, args: argparse.Namespace) -> dict[str, float | int | str]:
    """Warm-up, the read run and the mix run against one API, then the events counted."""
    run_id = secrets.token_hex(4)
    rng = random.Random(args.seed)
    results: dict[str, float | int | str] = {}
    with benchmark_graph(dataset) as graph:
        model = ensure_model(graph, dataset)
        users = users_with_vectors(graph, dataset)
        items = [r["id"] for r in graph.driver.execute_query(ITEMS_QUERY).records]
        console.print(
            f"{dataset}: model {model}, {len(users):,} users with vectors, {len(items):,} items"
        )
        results |= {f"{dataset}.users": len(users), f"{dataset}.items": len(items)}
        reads: dict[str, Any] = {
            "users": users,
            "items": items,
            "connections": args.connections,
            "rate": args.rate,
            "writeShare": 0.0,
            "seed": rng.randrange(2**31),
        }
        if args.compare_workers:
            results |= compare_workers(graph, dataset, reads, args)

        neo4j_pid = LocalNeo4jServer(graph.settings).status().pid
        write_users = [f"bench-{run_id}-{k}" for k in range(WRITE_USERS)]
        pseudonymizer = Pseudonymizer(BENCHMARK_KEY)
        mix = reads | {
            "writeShare": args.write_share,
            "resendShare": args.resend_share,
            "writeUsers": write_users,
            "maxEvents": MAX_EVENTS,
            "eventTypes": EVENT_TYPES,
        }
        events: list[dict[str, Any]] = []
        try:
            with running_api(graph.settings, workers=args.workers) as api:
                with console.status("first reads (the API loads the item vectors)"):
                    results[f"{dataset}.read.first_answers_s"] = prime_reads(api, users, rng)
                reads["seed"] = rng.randrange(2**31)
                run_load(api, "warm-up", duration=args.warmup, config=reads, console=console)
                # the closed-loop reads, then the same reads offered at a fixed rate
                for run, pacing in (("read", {}), ("paced", {"rate": args.paced_rate})):
                    if run not in args.runs:
                        continue
                    _, metrics = measured_run(
                        api,
                        f"{dataset}.{run}",
                        duration=args.duration,
                        config=reads | pacing | {"seed": rng.randrange(2**31)},
                        neo4j_pid=neo4j_pid,
                    )
                    results |= metrics
                if "paced" in args.runs:
                    results[f"{dataset}.paced.offered_rps"] = args.paced_rate
                if "mix" in args.runs:
                    # the first writes of a process read the newest event time (a scan of every
                    # behaviour edge); those and the warm-up's events are counted with the run's
                    with console.status("first writes (the API reads the newest event time)"):
                        seconds, primed = prime_writes(api, write_users, items, f"bench-{run_id}-p")
                    results[f"{dataset}.mix.first_answers_s"] = seconds
                    events += primed
                    warm = mix | {
                        "seed": rng.randrange(2**31),
                        "eventIdPrefix": f"bench-{run_id}-w",
                    }
                    summary = run_load(
                        api, "warm-up, mix", duration=args.warmup, config=warm, console=console
                    )
                    events += summary["events"]
                    measured = mix | {
                        "seed": rng.randrange(2**31),
                        "eventIdPrefix": f"bench-{run_id}-m",
                    }
                    summary, metrics = measured_run(
                        api,
                        f"{dataset}.mix",
                        duration=args.duration,
                        config=measured,
                        neo4j_pid=neo4j_pid,
                    )
                    events += summary["events"]
                    results |= metrics | {f"{dataset}.mix.write_share": args.write_share}
            # the API is stopped: every write it accepted has finished
            if events:
                with console.status("counting the events in Neo4j"):
                    counted = count_events(graph.driver, events, write_users, pseudonymizer)
                results |= counted.metrics(f"{dataset}.mix")
        finally:
            delete_users(graph.driver, write_users, pseudonymizer)
    return results


def show_errors(summary: dict[str, Any]) -> None:
    for sample in summary["errorSamples"]:
        console.print(f"[yellow]error sample[/] {sample}", highlight=False)


SUMMARY_ROWS = (
    ("offered requests/s", "offered_rps"),
    ("requests/s", "rps"),
    ("p50 latency (ms)", "p50_ms"),
    ("p99 latency (ms)", "p99_ms"),
    ("errors", "errors"),
    ("CPU ms per request: API", "cpu_ms_per_request.api"),
    ("CPU ms per request: Neo4j", "cpu_ms_per_request.neo4j"),
    ("CPU ms per request: load generator", "cpu_ms_per_request.loadgen"),
    ("CPU share of other work", "cpu_share.others"),
    ("events sent / answered", "events_sent"),
    ("events in Neo4j", "events_in_db"),
    ("events lost", "events_lost"),
    ("events duplicated", "events_duplicated"),
    ("re-sent writes recorded again", "resends_recorded"),
)


def print_summary(dataset: str, results: dict[str, float | int | str]) -> None:
    """The headline figures of each run, side by side."""
    runs = [
        run
        for run in ("workers1", "workers2", "read", "paced", "mix")
        if f"{dataset}.{run}.rps" in results
    ]
    table = Table(title=f"GraphQL API under load ({dataset})")
    table.add_column("")
    for run in runs:
        table.add_column(run, justify="right")
    for label, metric in SUMMARY_ROWS:
        cells = [results.get(f"{dataset}.{run}.{metric}") for run in runs]
        if all(cell is None for cell in cells):
            continue
        if metric == "events_sent":
            answered = results.get(f"{dataset}.mix.events_answered")
            cells = [f"{c:,} / {answered:,}" if c is not None else None for c in cells]
        table.add_row(label, *(_cell(c) for c in cells))
    console.print(table)


def _cell(value: float | int | str | None) -> str:
    if value is None or isinstance(value, str):
        return value or ""
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="gowalla", choices=DATASETS)
    parser.add_argument("--duration", type=int, default=120, help="seconds of each measured run")
    parser.add_argument(
        "--warmup",
        type=int,
        default=30,
        help="seconds of reads first (Neo4j's JIT: its CPU per read halved over the first 30 s)",
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rate", type=int, help="requests/s in all (default: closed loop)")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="API server processes (`serve --workers`): one per core; paced p99 48 ms with 1, 40 "
        "with 2 (30-s trials)",
    )
    parser.add_argument(
        "--runs", nargs="+", default=["read", "paced", "mix"], choices=["read", "paced", "mix"]
    )
    parser.add_argument("--paced-rate", type=int, default=200, help="requests/s of the paced run")
    parser.add_argument("--write-share", type=float, default=0.10)
    parser.add_argument("--resend-share", type=float, default=0.05)
    parser.add_argument(
        "--compare-workers", action="store_true", help="first a short read run with 1, 2 processes"
    )
    parser.add_argument("--compare-seconds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results = measure(args.dataset, args)
    print_summary(args.dataset, results)
    store_results(args.out, args.dataset, results)


if __name__ == "__main__":
    main()
