"""Seconds per LightGCN epoch on Gowalla: our CSR propagation next to PyG's edge_index path.

    .venv/bin/python benchmarks/lightgcn_speed.py [--steps 20]

Times training steps (full propagation, BPR on a batch of train edges with sampled negatives,
backward, Adam) of 64 dimensions and 3 layers, the paper's settings, in one process, side by
side: PyG's ``LightGCN`` over ``edge_index`` (normalising and scattering along the edges at every
layer) and ours (one symmetric CSR product per layer, the transpose reused in backward), at the
paper's batch of 2,048 and at the 8,192 the quality benchmark uses. Seconds per epoch are the
measured seconds per step times the steps in an epoch. Writes
``benchmarks/results/lightgcn-speed-gowalla.json``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import torch
from machine import describe_machine, store_results
from torch import Tensor

from interestgraph.config import Settings
from interestgraph.models import LightGCN, propagate
from interestgraph.recommenders.encoders import bipartite_adjacency, homogeneous_edges
from interestgraph.training.datasets import load_benchmark

RESULTS = Path(__file__).resolve().parent / "results" / "lightgcn-speed-gowalla.json"
PREFIX = "gowalla.lightgcn"
BATCHES = (2048, 8192)


def _time_steps(
    model: LightGCN, embed: Callable[[], Tensor], train: Tensor, batch: int, steps: int
) -> float:
    """Mean seconds of one training step after two warm-up steps."""
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    num_users = int(train[0].max()) + 1
    num_items = model.num_nodes - num_users
    generator = torch.Generator().manual_seed(0)
    timings = []
    for step in range(steps + 2):
        tick = time.perf_counter()
        edges = torch.randint(train.size(1), (batch,), generator=generator)
        user, pos = train[0, edges], train[1, edges] + num_users
        neg = torch.randint(num_items, (batch,), generator=generator) + num_users
        emb = embed()
        loss = model.recommendation_loss(
            (emb[user] * emb[pos]).sum(-1),
            (emb[user] * emb[neg]).sum(-1),
            node_id=torch.cat([user, pos, neg]),
            lambda_reg=1e-4,
        )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step >= 2:
            timings.append(time.perf_counter() - tick)
    return sum(timings) / len(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--data", type=Path, default=Settings().data_dir)
    args = parser.parse_args()
    split = load_benchmark("gowalla", args.data).data.split
    train = torch.cat([split.train, split.val], dim=1)  # all of train.txt, as the paper trains
    num_users, num_items = split.num_users, split.num_items
    adjacency = bipartite_adjacency(train, num_users, num_items)
    edge_index = homogeneous_edges(train, num_users)
    results: dict[str, float | int | str] = {
        f"{PREFIX}.train_edges": int(train.size(1)),
        f"{PREFIX}.threads": torch.get_num_threads(),
    }
    for batch in BATCHES:
        steps_per_epoch = -(-train.size(1) // batch)
        torch.manual_seed(0)
        model = LightGCN(num_users + num_items, 64, 3)
        pyg = _time_steps(model, partial(model.get_embedding, edge_index), train, batch, args.steps)
        torch.manual_seed(0)
        model = LightGCN(num_users + num_items, 64, 3, normalize=False)
        ours = _time_steps(model, partial(propagate, model, adjacency), train, batch, args.steps)
        results |= {
            f"{PREFIX}.pyg_edge_index.batch{batch}.seconds_per_epoch": pyg * steps_per_epoch,
            f"{PREFIX}.csr_symmetric.batch{batch}.seconds_per_epoch": ours * steps_per_epoch,
            f"{PREFIX}.batch{batch}.speedup": pyg / ours,
        }
    store_results(RESULTS, PREFIX, results | {"machine": describe_machine()})


if __name__ == "__main__":
    main()
