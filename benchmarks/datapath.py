"""The data path between Neo4j and PyG on Tmall and Gowalla, side by side in one run.

    .venv/bin/python benchmarks/datapath.py [--datasets tmall gowalla] [--users 500]

Per dataset, against its own local server (benchmarks/datapath_graphs.py, ingested on first use):

- export: our exporter (``export_training_graph``, all node and edge types) next to a naive
  driver loop that reads one record per edge, each in a child process of its own; peak memory
  is the child's peak RSS growth over its RSS before the timed runs (peak reset through
  /proc/self/clear_refs after one untimed run); three rounds, each the best of three runs of ours
  and one run of the naive loop (it takes 15-20× as long); the medians over the rounds of
  edges/s and of the per-round ratio, and the smallest and largest ratio.
- write-back: 64-dimensional user and item vectors (a truncated SVD of the interaction
  matrix: real structure, unlike random vectors, which no vector index searches well) through
  ``write_embeddings``, three times under new model ids with the vectors' signs flipped each time
  (new values, as a new model brings: every vector index entry changes; the last run writes the
  vectors the search measurements use): nodes/s of the first (on a server that has not written
  vectors since it started) and of the best, each including the index checks and the wait for
  the indexes.
- search: ``recommend_items(first=20)`` (status query, norm-bounded exact search, items the user
  interacted with left out) for sampled users, p50/p99 latency and recall@20 against
  brute-force inner-product search in torch; ``similar_items(first=20)`` (cosine vector index)
  likewise against brute-force cosine.
- fold-in: ``fold_in_user`` for sampled users, p50/p99 latency.
- the design not taken: a euclidean vector index over MIPS-augmented item vectors
  ``[v, sqrt(M² − ‖v‖²)]`` (a temporary index and property, removed after), recall@20 of its
  top 20 and of its top 200 re-ranked, against the same brute force.

Writes ``benchmarks/results/datapath.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from datapath_graphs import BenchmarkGraph, benchmark_graph, graph_settings
from machine import store_results
from neo4j import Driver
from scipy.sparse.linalg import svds

from interestgraph.db.connection import connect
from interestgraph.export import ExportedGraph, export_training_graph
from interestgraph.export.graph_spec import BEHAVIOURS, EDGES, NODES
from interestgraph.serving.fold_in import fold_in_user
from interestgraph.serving.recommend import recommend_items, similar_items
from interestgraph.serving.writeback import write_embeddings

RESULTS = Path(__file__).resolve().parent / "results" / "datapath.json"
DIMENSION = 64
FIRST = 20
WRITEBACK_RUNS = 3
EXPORT_ROUNDS = 3
DATASETS = ("tmall", "gowalla")


def naive_export(driver: Driver) -> int:
    """What a notebook does: one record per node and per edge, ids mapped in a Python loop."""
    index: dict[str, dict[str, int]] = {}
    for node in NODES:
        with driver.session() as session:
            result = session.run(f"MATCH (n:{node.label}) RETURN n.id AS id ORDER BY id")
            index[node.node_type] = {record["id"]: k for k, record in enumerate(result)}
    edges = 0
    for edge in EDGES:
        sources, targets = [], []
        source_index, target_index = index[edge.source.node_type], index[edge.target.node_type]
        query = (
            f"MATCH (s:{edge.source.label})-[:{edge.rel}]->(t:{edge.target.label}) "
            "RETURN s.id AS s, t.id AS t"
        )
        with driver.session() as session:
            for record in session.run(query):
                sources.append(source_index[record["s"]])
                targets.append(target_index[record["t"]])
        edge_index = torch.tensor([sources, targets], dtype=torch.long)
        edges += int(edge_index.size(1))
    return edges


def ours_export(driver: Driver) -> int:
    return export_training_graph(driver).num_edges()


def export_child(dataset: str, bolt_port: int, method: str, runs: int) -> dict[str, float]:
    """Run one exporter ``runs`` times in this (child) process; seconds, edges, peak RSS."""
    with connect(graph_settings(dataset, bolt_port)) as driver:
        exporter = ours_export if method == "ours" else naive_export
        exporter(driver)  # one-time allocations (lazy imports, first tensors) out of the peak
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")  # peak RSS := RSS now
        baseline_mb = _status_mb("VmRSS")
        seconds, edges = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            edges = exporter(driver)
            seconds.append(time.perf_counter() - started)
        peak_mb = _status_mb("VmHWM")
    return {"seconds": min(seconds), "edges": edges, "peak_mb": peak_mb, "base_mb": baseline_mb}


def _status_mb(field: str) -> float:
    """A ``kB`` line of /proc/self/status in MiB."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def measure_export(graph: BenchmarkGraph, dataset: str, method: str, runs: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", method, "--runs", str(runs)]
    command += ["--datasets", dataset, "--port", str(graph.settings.bolt_port)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def export_metrics(graph: BenchmarkGraph, dataset: str) -> dict[str, float | int | str]:
    """Ours and the naive loop in alternating rounds: this machine's speed drifts by tens of
    per cent within minutes, so each round's ratio compares runs made close together; the
    medians over the rounds are reported, with the smallest and largest ratio."""
    rounds = [
        (measure_export(graph, dataset, "ours", runs=3), measure_export(graph, dataset, "naive", 1))
        for _ in range(EXPORT_ROUNDS)
    ]
    edges = rounds[0][0]["edges"]
    ratios = [naive["seconds"] / ours["seconds"] for ours, naive in rounds]
    out: dict[str, float | int | str] = {
        f"{dataset}.export.edges": edges,
        f"{dataset}.export.rounds": len(rounds),
        f"{dataset}.export.speedup": statistics.median(ratios),
        f"{dataset}.export.speedup.min": min(ratios),
        f"{dataset}.export.speedup.max": max(ratios),
    }
    for index, method in enumerate(("ours", "naive")):
        seconds = statistics.median(r[index]["seconds"] for r in rounds)
        out |= {
            f"{dataset}.export.{method}.edges_per_s": edges / seconds,
            f"{dataset}.export.{method}.seconds": seconds,
            f"{dataset}.export.{method}.peak_rss_mb": max(r[index]["peak_mb"] for r in rounds),
            f"{dataset}.export.{method}.rss_growth_mb": max(
                r[index]["peak_mb"] - r[index]["base_mb"] for r in rounds
            ),
        }
    return out


def svd_embeddings(exported: ExportedGraph) -> tuple[torch.Tensor, torch.Tensor, sp.csr_matrix]:
    """Users × items of every behaviour, and a rank-64 SVD of it as user and item vectors."""
    users, items = len(exported.user_ids), len(exported.item_ids)
    pairs = torch.cat([exported.data[edge.edge_type].edge_index for edge in BEHAVIOURS], dim=1)
    matrix = sp.csr_matrix(
        (np.ones(pairs.size(1), np.float32), (pairs[0].numpy(), pairs[1].numpy())),
        shape=(users, items),
    )
    matrix.data[:] = 1.0  # duplicates (two behaviours) summed: binarise
    u, s, vt = svds(matrix.astype(np.float64), k=DIMENSION, random_state=0)
    root = np.sqrt(s)
    return (
        torch.from_numpy(u * root).float(),
        torch.from_numpy(vt.T * root).float(),
        matrix,
    )


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = call()
    return (time.perf_counter() - started) * 1000, value


def percentiles(ms: list[float]) -> tuple[float, float]:
    ordered = sorted(ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def run_dataset(dataset: str, users_sample: int) -> dict[str, float | int | str]:
    out: dict[str, float | int | str] = {}
    with benchmark_graph(dataset) as graph:
        driver = graph.driver
        exported = export_training_graph(driver)  # warms the server, gives the ids
        out |= export_metrics(graph, dataset)
        print(f"{dataset}: export {out}", flush=True)

        user_emb, item_emb, matrix = svd_embeddings(exported)
        seconds = []
        for run in range(WRITEBACK_RUNS):
            sign = (-1) ** run  # new values every run, as a new model has: the indexes update
            report = write_embeddings(
                driver,
                exported,
                sign * user_emb,
                sign * item_emb,
                model_id=f"svd-{DIMENSION}-{dataset}-{run}",
            )
            seconds.append(report.seconds)
        nodes = report.users_written + report.items_written
        out |= {
            f"{dataset}.writeback.nodes": nodes,
            f"{dataset}.writeback.first.seconds": seconds[0],
            f"{dataset}.writeback.first.nodes_per_s": nodes / seconds[0],
            f"{dataset}.writeback.nodes_per_s": nodes / min(seconds),
        }
        print(f"{dataset}: write-back {nodes} nodes, seconds {seconds}", flush=True)
        out |= search_metrics(dataset, driver, exported, user_emb, item_emb, matrix, users_sample)
    return out


def search_metrics(
    dataset: str,
    driver: Driver,
    exported: ExportedGraph,
    user_emb: torch.Tensor,
    item_emb: torch.Tensor,
    matrix: sp.csr_matrix,
    users_sample: int,
) -> dict[str, float | int | str]:
    rng = random.Random(0)
    active = [u for u in range(len(exported.user_ids)) if matrix.indptr[u + 1] > matrix.indptr[u]]
    users = rng.sample(active, min(users_sample, len(active)))
    scores = user_emb[users] @ item_emb.T
    for row, u in enumerate(users):
        scores[row, matrix.indices[matrix.indptr[u] : matrix.indptr[u + 1]]] = -torch.inf
    exact_unseen = scores.topk(FIRST, dim=1).indices.tolist()
    item_ids = exported.item_ids

    service_ms, service_recall = [], []
    for _ in range(20):  # warm the query plans
        recommend_items(driver, exported.user_ids[users[0]], FIRST)
    for row, u in enumerate(users):
        ms, found = timed(partial(recommend_items, driver, exported.user_ids[u], FIRST))
        service_ms.append(ms)
        service_recall.append(
            len({s.item_id for s in found} & _ids(item_ids, exact_unseen[row]))
            / min(FIRST, len(exact_unseen[row]))
        )

    normed = torch.nn.functional.normalize(item_emb, dim=1)
    probes = rng.sample(range(len(item_ids)), min(users_sample // 2, len(item_ids)))
    cosines = normed[probes] @ normed.T
    cosines[torch.arange(len(probes)), probes] = -torch.inf
    exact_similar = cosines.topk(FIRST, dim=1).indices.tolist()
    similar_ms, similar_recall = [], []
    for row, i in enumerate(probes):
        ms, found = timed(partial(similar_items, driver, item_ids[i], FIRST))
        similar_ms.append(ms)
        similar_recall.append(len({s.item_id for s in found} & _ids(item_ids, exact_similar[row])))

    fold_ms = []
    for u in users[: max(1, users_sample // 2)]:
        ms, _ = timed(partial(fold_in_user, driver, exported.user_ids[u]))
        fold_ms.append(ms)

    out: dict[str, float | int | str] = {f"{dataset}.search.users": len(users)}
    for name, samples in (
        ("recommendations", service_ms),
        ("similar", similar_ms),
        ("fold_in", fold_ms),
    ):
        p50, p99 = percentiles(samples)
        out[f"{dataset}.{name}.p50_ms"] = p50
        out[f"{dataset}.{name}.p99_ms"] = p99
    out[f"{dataset}.recommendations.recall@20"] = sum(service_recall) / len(users)
    out[f"{dataset}.similar.recall@20"] = sum(similar_recall) / (FIRST * len(probes))
    out |= mips_index_recall(dataset, driver, item_ids, user_emb, item_emb, users[:200])
    print(f"{dataset}: search {out}", flush=True)
    return out


PROBE_INDEX = "datapath_mips_probe"
PROBE_WRITE = """
UNWIND range(0, size($ids) - 1) AS k
MATCH (i:Item {id: $ids[k]})
CALL db.create.setNodeVectorProperty(i, 'mips_probe', $vectors[k])
"""
PROBE_QUERY = """
CALL db.index.vector.queryNodes('datapath_mips_probe', $k, $vector)
YIELD node RETURN node.id AS id
"""


def mips_index_recall(
    dataset: str,
    driver: Driver,
    item_ids: list[str],
    user_emb: torch.Tensor,
    item_emb: torch.Tensor,
    users: list[int],
) -> dict[str, float | int | str]:
    """Recall@20 of an HNSW euclidean index over MIPS-augmented vectors, at k = 20 and 200."""
    squared = (item_emb.double() ** 2).sum(dim=1)
    augmented = torch.cat([item_emb.double(), (squared.max() - squared).sqrt()[:, None]], 1)
    for start in range(0, len(item_ids), 5000):
        driver.execute_query(
            PROBE_WRITE,
            ids=item_ids[start : start + 5000],
            vectors=augmented[start : start + 5000].float().tolist(),
        )
    driver.execute_query(
        f"CREATE VECTOR INDEX {PROBE_INDEX} FOR (i:Item) ON i.mips_probe OPTIONS {{indexConfig: "
        "{`vector.dimensions`: $d, `vector.similarity_function`: 'euclidean', "
        "`vector.quantization.enabled`: false}}",
        d=augmented.size(1),
    )
    driver.execute_query("CALL db.awaitIndex($name, 600)", name=PROBE_INDEX)
    exact = (user_emb[users] @ item_emb.T).topk(FIRST, dim=1).indices.tolist()
    position = {item_id: k for k, item_id in enumerate(item_ids)}
    out: dict[str, float | int | str] = {}
    try:
        for k in (FIRST, 10 * FIRST):
            hits = 0
            for row, u in enumerate(users):
                query = [*user_emb[u].tolist(), 0.0]
                found = driver.execute_query(PROBE_QUERY, k=k, vector=query).records
                rows = torch.tensor([position[r["id"]] for r in found])
                best = rows[(item_emb[rows] @ user_emb[u]).topk(min(FIRST, len(rows))).indices]
                hits += len(set(best.tolist()) & set(exact[row]))
            out[f"{dataset}.mips_index.k{k}.recall@20"] = hits / (FIRST * len(users))
    finally:
        driver.execute_query(f"DROP INDEX {PROBE_INDEX} IF EXISTS")
        driver.execute_query("MATCH (i:Item) WHERE i.mips_probe IS NOT NULL REMOVE i.mips_probe")
    return out


def _ids(item_ids: list[str], indices: list[int]) -> set[str]:
    return {item_ids[i] for i in indices}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--users", type=int, default=500, help="sampled users for the queries")
    parser.add_argument("--child", choices=["ours", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(export_child(args.datasets[0], args.port, args.child, args.runs)))
        return
    for dataset in args.datasets:
        store_results(RESULTS, dataset, run_dataset(dataset, args.users))


if __name__ == "__main__":
    main()
