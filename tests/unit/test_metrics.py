"""Full-ranking metrics against values computed by hand on a tiny example."""

from __future__ import annotations

import math

import pytest
import torch

from interestgraph.errors import BadInput
from interestgraph.training import evaluate_ranking, evaluate_scores

# With one-hot item vectors, a user's scores are simply its row of USER_EMB.
ITEM_EMB = torch.eye(5)
USER_EMB = torch.tensor(
    [
        [0.9, 0.8, 0.7, 0.6, 0.5],  # user 0: item 0 known, target 2 → ranking 1, 2, 3, 4
        [0.1, 0.2, 0.3, 0.4, 0.5],  # user 1: item 4 known, targets 3 and 0 → ranking 3, 2, 1, 0
        [1.0, 1.0, 1.0, 1.0, 1.0],  # user 2: no target, not evaluated
    ]
)
TARGET = torch.tensor([[0, 1, 1], [2, 3, 0]])
KNOWN = torch.tensor([[0, 1, 2], [0, 4, 1]])


def test_hand_computed_values() -> None:
    metrics = evaluate_ranking(USER_EMB, ITEM_EMB, TARGET, KNOWN, ks=(1, 2))

    ndcg_user0 = 1 / math.log2(3)  # hit at rank 2, one relevant item
    ndcg_user1 = 1 / (1 + 1 / math.log2(3))  # hit at rank 1, two relevant items
    expected = {
        "hr@1": 0.5,
        "hr@2": 1.0,
        "recall@1": (0 + 0.5) / 2,
        "recall@2": (1 + 0.5) / 2,
        "precision@1": (0 + 1) / 2,
        "precision@2": (0.5 + 0.5) / 2,
        "ndcg@1": (0 + 1) / 2,
        "ndcg@2": (ndcg_user0 + ndcg_user1) / 2,
        "f1@1": (0 + 2 * 1 * 0.5 / 1.5) / 2,  # per user: 2PR / (P + R)
        "f1@2": (2 * 0.5 * 1 / 1.5 + 2 * 0.5 * 0.5 / 1.0) / 2,
        "coverage@1": 2 / 5,
        "coverage@2": 3 / 5,  # {1, 3} and {1, 2, 3}
    }
    assert metrics == pytest.approx(expected, abs=1e-6)


def test_known_items_are_masked() -> None:
    # Without masking, user 0 ranks its known item 0 first and misses its target at K = 1 ... 2.
    unmasked = evaluate_ranking(USER_EMB, ITEM_EMB, TARGET[:, :1], KNOWN[:, :0], ks=(1, 2))
    masked = evaluate_ranking(USER_EMB, ITEM_EMB, TARGET[:, :1], KNOWN, ks=(1, 2))
    assert unmasked["hr@2"] == 0.0
    assert masked["hr@2"] == 1.0


@pytest.mark.parametrize("batch_size", [1, 3, 1000])
@pytest.mark.parametrize("seed", [0, 1])
def test_batching_does_not_change_results(batch_size: int, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    user_emb, item_emb = torch.randn(40, 8, generator=gen), torch.randn(30, 8, generator=gen)
    target = torch.stack(
        [torch.randint(40, (25,), generator=gen), torch.randint(30, (25,), generator=gen)]
    )
    known = torch.stack(
        [torch.randint(40, (60,), generator=gen), torch.randint(30, (60,), generator=gen)]
    )
    reference = evaluate_ranking(user_emb, item_emb, target, known, batch_size=40)
    assert evaluate_ranking(user_emb, item_emb, target, known, batch_size=batch_size) == (
        pytest.approx(reference)
    )


def test_cut_off_beyond_the_catalogue_ranks_every_item() -> None:
    metrics = evaluate_ranking(USER_EMB, ITEM_EMB, TARGET, KNOWN, ks=(20,))
    assert metrics["hr@20"] == 1.0
    assert metrics["recall@20"] == 1.0
    assert metrics["coverage@20"] == 1.0


@pytest.mark.parametrize(
    ("user_emb", "item_emb", "ks"),
    [(torch.zeros(3, 4), ITEM_EMB, (1,)), (USER_EMB, ITEM_EMB, (0,)), (USER_EMB, ITEM_EMB, ())],
)
def test_bad_arguments_are_bad_input(
    user_emb: torch.Tensor, item_emb: torch.Tensor, ks: tuple[int, ...]
) -> None:
    with pytest.raises(BadInput):
        evaluate_ranking(user_emb, item_emb, TARGET, KNOWN, ks=ks)


def test_scores_of_any_model_rank_like_the_embeddings_they_come_from() -> None:
    by_scores = evaluate_scores(
        lambda users: USER_EMB[users] @ ITEM_EMB.T, TARGET, KNOWN, num_items=5, ks=(1, 2)
    )
    assert by_scores == evaluate_ranking(USER_EMB, ITEM_EMB, TARGET, KNOWN, ks=(1, 2))


def test_no_targets_is_bad_input() -> None:
    with pytest.raises(BadInput, match="no target"):
        evaluate_ranking(USER_EMB, ITEM_EMB, TARGET[:, :0], KNOWN)
