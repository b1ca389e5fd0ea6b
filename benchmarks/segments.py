"""Segments on Amazon Beauty and Amazon Office: Leiden and Louvain, in GDS and in Python.

    .venv/bin/python benchmarks/segments.py [--datasets amazon-beauty amazon-office]

Per dataset, against its own local server (benchmarks/datapath_graphs.py: ingested, with item
topics and interest profiles, on first use): the same k-NN projection segmented by each of the
four algorithm × backend pairs, and bipartite Leiden on the users × items graph, one after the
other; per pair the modularity (one function for
all), the number of segments, the share of users in one, the seconds of detection and of the
whole run; the adjusted Rand index between GDS's and Python's Leiden; and a last run (Python
Leiden, another seed) against the one before it: the adjusted Rand index and how many segment
ids it kept. The graph keeps the last run's segments: `interestgraph segments report` against
that server shows them.

Writes ``benchmarks/results/segments.json``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from datapath_graphs import benchmark_graph
from machine import store_results
from sklearn.metrics import adjusted_rand_score

from interestgraph.segments.methods import Algorithm, Backend
from interestgraph.segments.run import SegmentationResult, run_segments

RESULTS = Path(__file__).resolve().parent / "results" / "segments.json"
DATASETS = ("amazon-beauty", "amazon-office")
# Python Leiden last: the re-run below is compared with the run just before it.
RUNS = (
    (Algorithm.LOUVAIN, Backend.GDS),
    (Algorithm.LOUVAIN, Backend.PYTHON),
    (Algorithm.LEIDEN, Backend.GDS),
    (Algorithm.BIPARTITE_LEIDEN, Backend.PYTHON),
    (Algorithm.LEIDEN, Backend.PYTHON),
)


def run_dataset(dataset: str) -> dict[str, float | int | str]:
    out: dict[str, float | int | str] = {}
    runs: dict[tuple[Algorithm, Backend], SegmentationResult] = {}
    with benchmark_graph(dataset, enriched=True) as graph:
        for algorithm, backend in RUNS:
            result = run_segments(graph.driver, algorithm=algorithm, backend=backend)
            runs[(algorithm, backend)] = result
            key = f"{dataset}.{algorithm}.{backend}"
            users = len(result.projection.user_ids)
            out |= {
                f"{key}.modularity": result.communities.modularity,
                f"{key}.segments": len(result.profiles),
                f"{key}.users_in_segments": users - result.unassigned,
                f"{key}.detection.seconds": result.seconds["detection"],
                f"{key}.run.seconds": sum(result.seconds.values()),
                **{
                    f"{key}.{stage}.seconds": seconds
                    for stage, seconds in result.seconds.items()
                    if stage != "detection"
                },
            }
            print(key, {k: v for k, v in out.items() if k.startswith(key)}, flush=True)
            for profile in result.profiles[:8]:
                print(f"  {profile.size:6d} {profile.label}", flush=True)
        first = runs[(Algorithm.LEIDEN, Backend.PYTHON)]
        out |= {
            f"{dataset}.projection.users": len(first.projection.user_ids),
            f"{dataset}.projection.edges": first.projection.num_edges,
            f"{dataset}.projection.seconds": first.seconds["projection"],
            f"{dataset}.leiden.gds_vs_python.ari": adjusted_rand_score(
                runs[(Algorithm.LEIDEN, Backend.GDS)].membership, first.membership
            ),
        }
        again = run_segments(
            graph.driver, algorithm=Algorithm.LEIDEN, backend=Backend.PYTHON, seed=1
        )
        if again.stored.agreement is not None:
            out[f"{dataset}.rerun.ari"] = again.stored.agreement
        out[f"{dataset}.rerun.kept_ids"] = again.stored.kept_ids
        out[f"{dataset}.rerun.segments"] = len(again.profiles)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    args = parser.parse_args()
    for dataset in args.datasets:
        store_results(RESULTS, dataset, run_dataset(dataset))


if __name__ == "__main__":
    main()
