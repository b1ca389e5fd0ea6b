"""Leave-one-out by sequence order: a hand-made case and random graphs checked edge by edge."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
import torch

from interestgraph.errors import BadInput
from interestgraph.training import leave_one_out_split


def _pairs(edges: torch.Tensor) -> set[tuple[int, int]]:
    return {(int(u), int(i)) for u, i in edges.T}


def test_hand_made_split() -> None:
    # user 0 buys items 1, 3, 0, 2 (seq 0..3), listed out of order; user 1 has only two purchases;
    # user 2 buys 1, 2, 3; user 3 buys nothing.
    edge_index = torch.tensor([[0, 0, 0, 0, 1, 1, 2, 2, 2], [0, 1, 2, 3, 4, 0, 1, 2, 3]])
    seq = torch.tensor([2, 0, 3, 1, 1, 0, 0, 1, 2])

    split = leave_one_out_split(edge_index, seq, num_users=4, num_items=5)

    assert _pairs(split.test) == {(0, 2), (2, 3)}
    assert _pairs(split.val) == {(0, 0), (2, 2)}
    assert _pairs(split.train) == {(0, 1), (0, 3), (1, 4), (1, 0), (2, 1)}
    assert split.num_short_users == 1
    assert split.counts() == {
        "users": 4,
        "items": 5,
        "train_edges": 5,
        "val_edges": 2,
        "test_edges": 2,
        "short_users": 1,
    }


@pytest.mark.parametrize(("seed", "num_users", "num_items"), [(0, 1, 3), (1, 30, 12), (2, 200, 50)])
def test_random_split_matches_per_user_reference(seed: int, num_users: int, num_items: int) -> None:
    rng = random.Random(seed)
    rows: list[tuple[int, int, int]] = []
    for user in range(num_users):
        items = rng.sample(range(num_items), rng.randint(0, min(8, num_items)))
        rows.extend((user, item, position) for position, item in enumerate(items))
    rng.shuffle(rows)
    edge_index = torch.tensor([[u for u, _, _ in rows], [i for _, i, _ in rows]]).view(2, -1)
    seq = torch.tensor([s for _, _, s in rows], dtype=torch.long)

    split = leave_one_out_split(edge_index, seq, num_users=num_users, num_items=num_items)

    by_user: dict[int, list[tuple[int, int]]] = {}
    for user, item, position in rows:
        by_user.setdefault(user, []).append((position, item))
    expected_test: set[tuple[int, int]] = set()
    expected_val: set[tuple[int, int]] = set()
    expected_train: set[tuple[int, int]] = set()
    for user, bought in by_user.items():
        bought.sort(reverse=True)
        if len(bought) >= 3:
            expected_test.add((user, bought[0][1]))
            expected_val.add((user, bought[1][1]))
            bought = bought[2:]
        expected_train.update((user, item) for _, item in bought)
    assert _pairs(split.test) == expected_test
    assert _pairs(split.val) == expected_val
    assert _pairs(split.train) == expected_train
    assert split.train.size(1) + split.val.size(1) + split.test.size(1) == len(rows)
    assert split.num_short_users == sum(1 for b in by_user.values() if len(b) < 3)


@pytest.mark.parametrize(
    ("edge_index", "seq"),
    [
        (torch.tensor([[0, 1]]), torch.tensor([0])),  # not [2, E]
        (torch.tensor([[0], [1]]), torch.tensor([0, 1])),  # seq of another length
        (torch.tensor([[5], [1]]), torch.tensor([0])),  # user out of range
        (torch.tensor([[0], [9]]), torch.tensor([0])),  # item out of range
    ],
)
def test_malformed_input_is_bad_input(edge_index: torch.Tensor, seq: torch.Tensor) -> None:
    with pytest.raises(BadInput):
        leave_one_out_split(edge_index, seq, num_users=2, num_items=3)


def test_phases_say_what_is_observed_and_what_is_scored() -> None:
    edge_index = torch.tensor([[0, 0, 0, 0], [3, 1, 2, 0]])
    split = leave_one_out_split(edge_index, torch.tensor([0, 1, 2, 3]), num_users=1, num_items=4)

    assert _pairs(split.observed("val")) == {(0, 3), (0, 1)}
    assert _pairs(split.observed("test")) == {(0, 3), (0, 1), (0, 2)}
    assert _pairs(split.target("val")) == {(0, 2)} and _pairs(split.target("test")) == {(0, 0)}
    assert split.sequences("val")[0].tolist() == [3, 1]
    assert split.sequences("test")[0].tolist() == [3, 1, 2]


def test_unordered_split_has_no_sequences() -> None:
    split = leave_one_out_split(
        torch.tensor([[0, 0, 0], [0, 1, 2]]), torch.tensor([0, 1, 2]), num_users=1, num_items=3
    )
    with pytest.raises(BadInput, match="no interaction order"):
        replace(split, train_order=None).sequences("val")
