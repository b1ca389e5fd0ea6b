"""LightGCN training on tiny graphs: adjacency, propagation, learning, early stopping, run JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from interestgraph.errors import BadInput
from interestgraph.models import LightGCN, propagate
from interestgraph.training import (
    LeaveOneOutSplit,
    TrainingConfig,
    bipartite_adjacency,
    leave_one_out_split,
    save_run,
    train_lightgcn,
)

SMALL = TrainingConfig(embedding_dim=16, num_layers=2, batch_size=64, eval_every=5)


def _random_train(seed: int, num_users: int, num_items: int, num_edges: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    pairs = torch.stack(
        [
            torch.randint(num_users, (num_edges,), generator=gen),
            torch.randint(num_items, (num_edges,), generator=gen),
        ]
    )
    unique: torch.Tensor = torch.unique(pairs, dim=1)
    return unique


def _clustered_split(seed: int) -> LeaveOneOutSplit:
    """4 groups of 10 users and 10 items; each user buys 6 items of its own group only."""
    gen = torch.Generator().manual_seed(seed)
    users, items = [], []
    for user in range(40):
        group = user // 10
        users.append(torch.full((6,), user))
        items.append(group * 10 + torch.randperm(10, generator=gen)[:6])
    edge_index = torch.stack([torch.cat(users), torch.cat(items)])
    seq = torch.arange(6).repeat(40)  # items were drawn in random order: seq is their position
    return leave_one_out_split(edge_index, seq, num_users=40, num_items=40)


@pytest.mark.parametrize(("seed", "num_users", "num_items"), [(0, 3, 4), (1, 20, 9)])
def test_bipartite_adjacency_is_symmetric_normalised(
    seed: int, num_users: int, num_items: int
) -> None:
    train = _random_train(seed, num_users, num_items, 30)
    dense = bipartite_adjacency(train, num_users, num_items).to_dense()

    user_degree = torch.bincount(train[0], minlength=num_users).float()
    item_degree = torch.bincount(train[1], minlength=num_items).float()
    expected = torch.zeros(num_users + num_items, num_users + num_items)
    weight = (user_degree[train[0]] * item_degree[train[1]]).rsqrt()
    expected[train[0], train[1] + num_users] = weight
    expected[train[1] + num_users, train[0]] = weight
    assert torch.allclose(dense, expected)


@pytest.mark.parametrize("num_layers", [0, 1, 3])
def test_propagate_equals_pyg_lightgcn_with_gradients(num_layers: int) -> None:
    torch.manual_seed(num_layers)
    adjacency = bipartite_adjacency(_random_train(num_layers, 12, 7, 40), 12, 7)
    model = LightGCN(19, 8, num_layers, normalize=False)

    ours = propagate(model, adjacency)
    (ours**2).sum().backward()  # type: ignore[no-untyped-call]
    our_grad = model.embedding.weight.grad.clone()
    model.zero_grad()
    theirs = model.get_embedding(adjacency)
    (theirs**2).sum().backward()

    assert torch.allclose(ours, theirs, atol=1e-6)
    assert torch.allclose(our_grad, model.embedding.weight.grad, atol=1e-5)


@pytest.mark.parametrize("seed", [0, 1])
def test_training_learns_clear_structure_far_better_than_random(seed: int) -> None:
    split = _clustered_split(seed)
    config = replace(SMALL, epochs=40, lr=0.05, ks=(5,), select_metric="hr@5", seed=seed)

    result = train_lightgcn(split, config, device="cpu")

    # Random ranking finds the test item in the top 5 of the 35 unknown items with p = 1/7;
    # a model that learned the groups ranks it among the 5 unknown items of the user's group.
    assert result.test_metrics["hr@5"] > 0.8
    assert result.user_embedding.shape == (40, 16)
    assert result.item_embedding.shape == (40, 16)
    assert result.device == "cpu"


def test_same_seed_same_embeddings_other_seed_others() -> None:
    split = _clustered_split(0)
    config = replace(SMALL, epochs=3)
    first = train_lightgcn(split, config, device="cpu")
    second = train_lightgcn(split, config, device="cpu")
    other = train_lightgcn(split, replace(config, seed=7), device="cpu")
    assert torch.equal(first.item_embedding, second.item_embedding)
    assert not torch.equal(first.item_embedding, other.item_embedding)


def test_early_stopping_keeps_the_best_epoch() -> None:
    # A learning rate this small never changes the ranking: no evaluation after the first is
    # better, so training stops after `patience` more evaluations.
    config = TrainingConfig(
        epochs=50, lr=1e-12, eval_every=1, patience=2, embedding_dim=8, batch_size=64
    )
    result = train_lightgcn(_clustered_split(0), config, device="cpu")
    assert result.best_epoch == 1
    assert len(result.epoch_seconds) == 3
    assert [h["epoch"] for h in result.history] == [1, 2, 3]


def test_save_run_writes_config_metrics_timings_and_counts(tmp_path: Path) -> None:
    result = train_lightgcn(_clustered_split(0), replace(SMALL, epochs=2), device="cpu")

    path = save_run(result, tmp_path / "runs", stage_seconds={"export": 1.5})

    assert path == tmp_path / "runs" / f"{result.run_id}.json"
    record = json.loads(path.read_text())
    assert record["config"]["embedding_dim"] == 16
    assert record["dataset"]["users"] == 40
    assert record["metrics"]["test"]["recall@20"] == result.test_metrics["recall@20"]
    assert set(record["timings"]) == {
        "seconds_per_epoch",
        "epoch_seconds",
        "eval_seconds",
        "total_seconds",
        "stages",
    }
    assert record["timings"]["stages"] == {"export": 1.5}
    assert "user_embedding" not in record


@pytest.mark.parametrize(
    "overrides",
    [
        {"epochs": 0},
        {"lr": -1.0},
        {"num_layers": -1},
        {"reg": -0.1},
        {"ks": (10,), "select_metric": "recall@20"},
    ],
)
def test_bad_config_is_bad_input(overrides: dict[str, object]) -> None:
    with pytest.raises(BadInput):
        TrainingConfig(**overrides)  # type: ignore[arg-type]
