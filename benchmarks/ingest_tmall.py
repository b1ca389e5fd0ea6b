"""Benchmark of ingesting the real Tmall multi-behaviour set through the one canonical ingest path.

Starts its own Neo4j (fresh home under benchmarks/.work, free ports) unless NEO4J_URI is set.
After one untimed warm-up run, ingests into an emptied database, each run in a process of its
own so that its peak memory is its own: the first half of the users (every file cut at the same
user) and the whole set (1,177,059 events: 1,130,712 train + 46,347 held-out). Each size runs
twice: timed, then under tracemalloc (slower; gives the peak of Python allocations). Memory that
stays flat from half to full shows that the ingest streams. Writes
benchmarks/results/ingest-tmall.json.

    .venv/bin/python benchmarks/ingest_tmall.py [--chunk-rows 100000]

Peak RSS is the worker's high-water mark (``getrusage``), Neo4j's memory not included;
``rss_start_mib`` is its resident memory just before the ingest (interpreter, pandas, driver).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from neo4j import Driver

from interestgraph.config import Settings
from interestgraph.db.connection import connect
from interestgraph.db.server import LocalNeo4jServer, find_free_port
from interestgraph.ingest.adapters.tmall import read_tmall, tmall_files
from interestgraph.ingest.canonical import ingest_source
from interestgraph.privacy import Pseudonymizer

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
RESULT = HERE / "results" / "ingest-tmall.json"
PREFIX = "tmall"
# a fixed, public key: the benchmark's pseudonyms need only be stable, not secret
BENCHMARK_KEY = b"interestgraph-benchmark-key-not-a-secret"
# relationships first, in small transactions: a DETACH DELETE of a busy node is too big for one
CLEAR_QUERIES = (
    "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS",
    "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 20000 ROWS",
)
COUNT_QUERY = """
CALL () { MATCH (u:User) RETURN count(u) AS users }
CALL () { MATCH (i:Item) RETURN count(i) AS items }
CALL () { MATCH ()-[r:VIEWED]->() RETURN count(r) AS viewed }
CALL () { MATCH ()-[r:ADDED_TO_CART]->() RETURN count(r) AS added_to_cart }
CALL () { MATCH ()-[r:PURCHASED]->() RETURN count(r) AS purchased }
RETURN users, items, viewed, added_to_cart, purchased
"""


def _peak_rss_mib() -> float:
    """The process's RSS high-water mark (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mib() -> float:
    """The process's resident memory now."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def half_copy(dataset: Path, target: Path) -> Path:
    """A copy of the dataset holding the first half of the users (ids are dense, 0-based)."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    files = tmall_files(dataset)
    users = sum(1 for _ in files[0].path.open("rb"))
    for file in files:
        with file.path.open("rb") as lines, (target / file.path.name).open("wb") as out:
            out.writelines(line for line in lines if int(line.split()[0]) < users // 2)
    return target


def run_worker(dataset: Path, chunk_rows: int, trace: bool) -> dict[str, float]:
    """One ingest in this process (the database is empty); its numbers, printed as JSON."""
    settings = Settings()
    with connect(settings) as driver:
        rss_start = _rss_mib()
        if trace:
            tracemalloc.start()
        start = time.perf_counter()
        report = ingest_source(
            driver,
            read_tmall(dataset, chunk_rows=chunk_rows),
            pseudonymizer=Pseudonymizer(BENCHMARK_KEY),
            batch_size=settings.batch_size,
        )
        seconds = time.perf_counter() - start
        if trace:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            return {"tracemalloc_peak_mib": peak / 2**20}
        counts = driver.execute_query(COUNT_QUERY, routing_="r").records[0].data()
    events = report.tables["events"]
    return {
        "events_read": events.read,
        "events_kept": events.kept,
        "events_rejected": events.rejected,
        "seconds": seconds,
        "events_per_s": events.read / seconds,
        "rss_start_mib": rss_start,
        "rss_peak_mib": _peak_rss_mib(),
        **{f"graph.{name}": value for name, value in counts.items()},
    }


def _clear(driver: Driver) -> None:
    with driver.session() as session:
        for query in CLEAR_QUERIES:
            session.run(query).consume()


def _in_subprocess(
    settings: Settings, dataset: Path, chunk_rows: int, trace: bool
) -> dict[str, float]:
    env = {
        **os.environ,
        "NEO4J_URI": settings.bolt_uri,
        "NEO4J_PASSWORD": settings.password(),
        "INTERESTGRAPH_HOME": str(settings.home),
    }
    command = [sys.executable, __file__, "--worker", str(dataset), "--chunk-rows", str(chunk_rows)]
    if trace:
        command.append("--trace")
    done = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"worker failed ({done.returncode}):\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(run_worker(args.worker, args.chunk_rows, args.trace)))
        return

    home = WORK / "ingest-tmall-home"
    shutil.rmtree(home, ignore_errors=True)
    settings = Settings(home=home)
    dataset = settings.data_dir / "tmall-multibehavior"
    sizes = {"half": half_copy(dataset, WORK / "tmall-half"), "full": dataset}
    results: dict[str, float | str] = {}
    server = None
    if settings.manages_local_server:
        settings = settings.model_copy(
            update={"bolt_port": find_free_port(), "http_port": find_free_port()}
        )
        server = LocalNeo4jServer(settings)
        start = time.perf_counter()
        server.start()
        results[f"{PREFIX}.neo4j_start.seconds"] = time.perf_counter() - start
    results[f"{PREFIX}.chunk_rows"] = args.chunk_rows
    try:
        with connect(settings) as driver:
            _clear(driver)  # warm-up: Neo4j plans and compiles its queries on the first run
            _in_subprocess(settings, sizes["half"], args.chunk_rows, trace=False)
            for size, path in sizes.items():
                for trace in (False, True):
                    _clear(driver)
                    run = _in_subprocess(settings, path, args.chunk_rows, trace)
                    print(size, "tracemalloc" if trace else "timed", run, flush=True)
                    results.update({f"{PREFIX}.{size}.{key}": value for key, value in run.items()})
    finally:
        if server is not None:
            server.stop()
    # imports torch: only now, as a worker's peak RSS starts from this process's size at fork
    from machine import describe_machine

    results["machine"] = describe_machine()
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
