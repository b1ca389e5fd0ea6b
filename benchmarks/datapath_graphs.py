"""The benchmark graphs, each in a Neo4j home of its own.

Tmall (1.18 M events) and Gowalla (1.03 M check-ins) for the data-path benchmark, Amazon Beauty
and Amazon Office for the segments benchmark, are ingested once through the canonical ingest
path into ``benchmarks/.work/datapath-<dataset>``; a ``loaded`` marker there lets later runs
reuse the graph (ingest is idempotent, so an interrupted load simply runs again). ``enriched``
graphs also get item topics and interest profiles, once (marker ``enriched``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from neo4j import Driver

from interestgraph.config import Settings
from interestgraph.db.connection import connect
from interestgraph.db.server import LocalNeo4jServer, find_free_port
from interestgraph.ingest.adapters.amazon_beauty import read_amazon_beauty
from interestgraph.ingest.adapters.gowalla import read_gowalla
from interestgraph.ingest.adapters.lcrec import read_lcrec
from interestgraph.ingest.adapters.tmall import read_tmall
from interestgraph.ingest.canonical import ingest_source
from interestgraph.ingest.source import CanonicalSource
from interestgraph.interests import refresh_interests
from interestgraph.privacy import Pseudonymizer
from interestgraph.semantics import enrich_items

WORK = Path(__file__).resolve().parent / ".work"
# a fixed, public key: the benchmark's pseudonyms need only be stable, not secret
BENCHMARK_KEY = b"interestgraph-benchmark-key-not-a-secret"
READERS: dict[str, tuple[str, Callable[[Path], CanonicalSource]]] = {
    "tmall": ("tmall-multibehavior", read_tmall),
    "gowalla": ("gowalla", read_gowalla),
    "amazon-beauty": ("amazon-beauty", read_amazon_beauty),
    "amazon-office": ("amazon-office", read_lcrec),
}


@dataclass(frozen=True)
class BenchmarkGraph:
    """A running server holding one dataset: a driver, and the settings a child process needs."""

    driver: Driver
    settings: Settings


def graph_settings(
    dataset: str, bolt_port: int, heap: str = "4g", pagecache: str = "2g"
) -> Settings:
    """The settings of ``dataset``'s server home; a child process rebuilds them from the port."""
    return Settings(
        home=WORK / f"datapath-{dataset}",
        neo4j_uri=None,
        neo4j_password=None,
        bolt_port=bolt_port,
        http_port=find_free_port(),
        neo4j_heap=heap,
        neo4j_pagecache=pagecache,
    )


@contextmanager
def benchmark_graph(
    dataset: str, *, heap: str = "4g", pagecache: str = "2g", enriched: bool = False
) -> Iterator[BenchmarkGraph]:
    """A local server holding ``dataset``, ingested on first use (with topics and interest
    profiles when ``enriched``)."""
    folder, reader = READERS[dataset]
    settings = graph_settings(dataset, find_free_port(), heap, pagecache)
    home = settings.home
    server = LocalNeo4jServer(settings)
    server.start()
    try:
        with connect(settings) as driver:
            marker = home / "loaded"
            if not marker.exists():
                started = time.perf_counter()
                ingest_source(
                    driver,
                    reader(settings.data_dir / folder),
                    pseudonymizer=Pseudonymizer(BENCHMARK_KEY),
                    batch_size=settings.batch_size,
                )
                marker.write_text(f"{time.perf_counter() - started:.1f} s\n", encoding="utf-8")
            enriched_marker = home / "enriched"
            if enriched and not enriched_marker.exists():
                started = time.perf_counter()
                enrich_items(driver)
                refresh_interests(driver)
                enriched_marker.write_text(
                    f"{time.perf_counter() - started:.1f} s\n", encoding="utf-8"
                )
            yield BenchmarkGraph(driver, settings)
    finally:
        server.stop()


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:]:
        with benchmark_graph(name) as loaded:
            count = loaded.driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS n").records[0][
                "n"
            ]
            print(name, "relationships:", count, flush=True)
