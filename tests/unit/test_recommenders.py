"""Every recommender behind the one harness, on tiny graphs with a structure worth learning."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from interestgraph.errors import BadInput
from interestgraph.recommenders import MODELS, FitContext, build_recommender, train_model
from interestgraph.recommenders.graph_filter import FilterSettings, ItemGraphFilter, combine
from interestgraph.recommenders.neighbourhood import top_k_cosine
from interestgraph.recommenders.sasrec import MAX_LENGTH, _training_windows
from interestgraph.training import (
    InteractionSplit,
    ItemSide,
    RecData,
    TrainingConfig,
    leave_one_out_split,
)

GROUPS, USERS_PER_GROUP, ITEMS_PER_GROUP, BOUGHT = 4, 10, 10, 6
NUM_USERS = NUM_ITEMS = GROUPS * USERS_PER_GROUP
SMALL = TrainingConfig(
    epochs=40,
    embedding_dim=16,
    num_layers=2,
    lr=0.05,
    batch_size=64,
    eval_every=5,
    patience=3,
    ks=(5,),
    select_metric="hr@5",
    eval_batch_size=16,
)
CPU = FitContext(device=torch.device("cpu"))


def clustered_data(seed: int, *, with_side: bool = True) -> RecData:
    """4 groups of 10 users and 10 items; each user buys 6 items of its own group, in random
    order. Items of a group share a brand, a category and a noisy text vector."""
    gen = torch.Generator().manual_seed(seed)
    users, items = [], []
    for user in range(NUM_USERS):
        group = user // USERS_PER_GROUP
        users.append(torch.full((BOUGHT,), user))
        items.append(
            group * ITEMS_PER_GROUP + torch.randperm(ITEMS_PER_GROUP, generator=gen)[:BOUGHT]
        )
    edge_index = torch.stack([torch.cat(users), torch.cat(items)])
    seq = torch.arange(BOUGHT).repeat(NUM_USERS)
    split = leave_one_out_split(edge_index, seq, num_users=NUM_USERS, num_items=NUM_ITEMS)
    if not with_side:
        return RecData(split)
    item_group = torch.arange(NUM_ITEMS) // ITEMS_PER_GROUP
    group_edges = torch.stack([torch.arange(NUM_ITEMS), item_group])
    centres = torch.randn(GROUPS, 8, generator=gen)
    text = centres[item_group] + 0.1 * torch.randn(NUM_ITEMS, 8, generator=gen)
    side = ItemSide(
        groups={"brand": (group_edges, GROUPS), "category": (group_edges, GROUPS)},
        text_embedding=text,
    )
    return RecData(split, side)


LEARNERS = [name for name in MODELS if name != "most-popular"]


@pytest.mark.parametrize("model", LEARNERS)
def test_every_model_learns_clear_structure_far_better_than_random(model: str) -> None:
    data = clustered_data(0)
    config = replace(SMALL, lr=0.01, batch_size=32) if model == "sasrec" else SMALL

    result = train_model(data, config, model=model, context=CPU)

    # Random ranking finds the test item in the top 5 of the 35 unknown items with p = 1/7;
    # a model that learned the groups ranks it among the 5 unknown items of the user's group.
    assert result.test_metrics["hr@5"] > 0.6, result.test_metrics
    assert result.val_metrics["hr@5"] > 0.6
    assert result.model == model
    assert set(result.test_metrics) == {
        f"{metric}@5" for metric in ("recall", "ndcg", "hr", "precision", "f1", "coverage")
    }


@pytest.mark.parametrize("model", ["mf-bpr", "lightgcn", "gcn", "gat", "hetero-sage"])
def test_vector_models_return_embeddings_whose_products_are_the_scores(model: str) -> None:
    data = clustered_data(1)
    recommender = build_recommender(model, replace(SMALL, epochs=5))
    recommender.fit(data, CPU)

    embeddings = recommender.embeddings(data)

    assert embeddings is not None
    users, items = embeddings
    assert users.shape == (NUM_USERS, 16) and items.shape == (NUM_ITEMS, 16)
    assert users.dtype == torch.float32 and users.device.type == "cpu"


@pytest.mark.parametrize("model", ["most-popular", "itemknn", "gf-cf", "bspm", "sasrec"])
def test_models_without_dot_product_scores_publish_no_vectors(model: str) -> None:
    data = clustered_data(1)
    result = train_model(data, replace(SMALL, epochs=2), model=model, context=CPU)
    assert result.user_embedding is None and result.item_embedding is None


def test_most_popular_ranks_by_count_and_skips_what_the_user_has() -> None:
    # items 0..3 bought by 3, 2, 1, 0 users; user 3 bought item 0 and holds out item 1.
    train = torch.tensor([[0, 1, 2, 0, 1, 0, 3], [0, 0, 0, 1, 1, 2, 0]])
    split = InteractionSplit(
        train=train,
        val=torch.tensor([[3], [1]]),
        test=torch.tensor([[3], [2]]),
        num_users=4,
        num_items=4,
    )
    recommender = build_recommender("most-popular", replace(SMALL, ks=(1,), select_metric="hr@1"))
    data = RecData(split)
    scores = recommender.scorer(data, "val")(torch.tensor([3]))
    assert scores.tolist() == [[4.0, 2.0, 1.0, 0.0]]
    assert recommender.evaluate(data, "val")["hr@1"] == 1.0  # item 0 masked: item 1 is first
    assert recommender.evaluate(data, "test")["hr@1"] == 1.0  # items 0 and 1 masked


def test_same_seed_same_results_other_seed_others() -> None:
    data = clustered_data(0)
    config = replace(SMALL, epochs=3, eval_every=1)
    first = train_model(data, config, context=CPU)
    second = train_model(data, config, context=CPU)
    other = train_model(data, replace(config, seed=7), context=CPU)
    assert first.item_embedding is not None and second.item_embedding is not None
    assert other.item_embedding is not None
    assert torch.equal(first.item_embedding, second.item_embedding)
    assert not torch.equal(first.item_embedding, other.item_embedding)


def test_early_stopping_keeps_the_best_epoch() -> None:
    # A learning rate this small never changes the ranking: no evaluation after the first is
    # better, so training stops after `patience` more evaluations.
    config = replace(SMALL, epochs=50, lr=1e-12, eval_every=1, patience=2)
    result = train_model(clustered_data(0), config, context=CPU)
    assert result.best_epoch == 1
    assert len(result.epoch_seconds) == 3
    assert result.stopped_by == "patience"
    assert [h["epoch"] for h in result.history] == [1, 2, 3]


@pytest.mark.parametrize("model", ["lightgcn", "sasrec"])
def test_a_resumed_run_ends_where_an_uninterrupted_one_does(model: str, tmp_path: Path) -> None:
    data = clustered_data(2)
    config = replace(SMALL, epochs=8, eval_every=2, patience=100)
    whole = train_model(data, config, model=model, context=CPU)

    resumable = FitContext(device=torch.device("cpu"), checkpoint_dir=tmp_path)
    first_half = train_model(data, replace(config, epochs=4), model=model, context=resumable)
    resumed = train_model(data, config, model=model, context=resumable)

    assert len(first_half.epoch_seconds) == 4
    assert len(resumed.epoch_seconds) == 8  # 4 from the checkpoint, 4 run now
    assert [h["epoch"] for h in resumed.history] == [2, 4, 6, 8]
    assert resumed.test_metrics == whole.test_metrics
    assert [h["loss"] for h in resumed.history] == [h["loss"] for h in whole.history]


def test_a_checkpoint_of_other_settings_is_not_loaded(tmp_path: Path) -> None:
    data = clustered_data(2)
    context = FitContext(device=torch.device("cpu"), checkpoint_dir=tmp_path)
    train_model(data, replace(SMALL, epochs=4, eval_every=2), context=context)
    other = train_model(data, replace(SMALL, epochs=4, eval_every=2, lr=0.02), context=context)
    assert len(other.history) == 2 and other.history[0]["epoch"] == 2
    assert len(list(tmp_path.glob("lightgcn-*.pt"))) == 2


def test_time_budget_stops_training_and_says_so() -> None:
    context = FitContext(device=torch.device("cpu"), max_seconds=0.0)
    result = train_model(clustered_data(0), SMALL, context=context)
    assert result.stopped_by == "budget"
    assert result.epoch_seconds == []


def test_training_curves_go_to_tensorboard(tmp_path: Path) -> None:
    context = FitContext(device=torch.device("cpu"), logdir=tmp_path)
    train_model(clustered_data(0), replace(SMALL, epochs=2, eval_every=1), context=context)
    assert list(tmp_path.glob("lightgcn-*/events.out.tfevents.*"))


def test_sequence_model_on_unordered_data_is_bad_input() -> None:
    data = clustered_data(0)
    unordered = RecData(replace(data.split, train_order=None))
    with pytest.raises(BadInput, match="no order"):
        train_model(unordered, SMALL, model="sasrec", context=CPU)


def test_unknown_model_is_bad_input() -> None:
    with pytest.raises(BadInput, match="unknown model"):
        build_recommender("deepfm", SMALL)


def _two_halves(views: torch.Tensor, test_items: list[int]) -> InteractionSplit:
    """20 users who all bought items 0 and 1 and hold out item 2 for validation."""
    purchases = torch.tensor([[u for u in range(20) for _ in range(2)], [0, 1] * 20])
    val = torch.tensor([list(range(20)), [2] * 20])
    test = torch.tensor([list(range(20)), test_items])
    return InteractionSplit(purchases, val, test, 20, 20, aux=views)


def test_auxiliary_behaviours_are_learnt_from() -> None:
    # Purchases say nothing about users; views split them in two halves, each viewing 3 of the
    # 5 items of its own block. The held-out purchase is an item of the block the user did not
    # view: only a model that learns from the views ranks the user's block (viewed items stay
    # recommendable) above the other items.
    block = [10 + 5 * (u // 10) for u in range(20)]
    views = torch.tensor(
        [
            [u for u in range(20) for _ in range(3)],
            [block[u] + (u + k) % 5 for u in range(20) for k in range(3)],
        ]
    )
    split = _two_halves(views, [block[u] + (u + 3) % 5 for u in range(20)])
    config = replace(SMALL, ks=(5,), select_metric="hr@5")
    with_views = train_model(RecData(split), config, model="itemknn", context=CPU)
    assert with_views.test_metrics["hr@5"] == 1.0

    purchases_only = RecData(replace(split, aux=torch.empty(2, 0, dtype=torch.long)))
    recommender = build_recommender("itemknn", config)
    recommender.fit(purchases_only, CPU)
    scores = recommender.scorer(purchases_only, "test")(torch.arange(20))[:, 10:]
    assert (scores == scores[:, :1]).all()  # without views the blocks are indistinguishable


def test_viewed_items_are_never_masked() -> None:
    # Everyone viewed item 10, then bought it: the most viewed item must stay recommendable.
    views = torch.tensor([list(range(20)), [10] * 20])
    split = _two_halves(views, [10] * 20)
    config = replace(SMALL, ks=(1,), select_metric="hr@1")
    result = train_model(RecData(split), config, model="most-popular", context=CPU)
    assert result.test_metrics["hr@1"] == 1.0


def _dense_filters() -> tuple[ItemGraphFilter, np.ndarray, np.ndarray, np.ndarray]:
    """A random 30 × 12 interaction matrix, its filters, and the dense ``P̃`` and ideal filter."""
    rng = np.random.default_rng(0)
    dense = (rng.random((30, 12)) < 0.3).astype(np.float32)
    dense[0, 0] = dense[1, 1] = 1.0
    edges = torch.tensor(np.stack(np.nonzero(dense)), dtype=torch.long)
    filters = ItemGraphFilter(edges, 30, 12, rank=4)
    user_degree, item_degree = dense.sum(1), dense.sum(0)
    d_u = np.where(user_degree > 0, user_degree, 1) ** -0.5
    d_i = np.where(item_degree > 0, item_degree, 1) ** -0.5
    normalised = d_u[:, None] * dense * d_i[None, :]
    _, _, vt = np.linalg.svd(normalised)
    v = vt[:4].T
    return filters, dense, normalised.T @ normalised, np.diag(d_i) @ v @ v.T @ np.diag(1 / d_i)


def test_graph_filter_terms_match_the_dense_formulas() -> None:
    filters, dense, p, ideal = _dense_filters()
    users = torch.tensor([0, 5, 7])
    terms = filters.terms(users, (4,), 2)
    r = dense[users.numpy()]
    assert np.allclose(terms["linear0"].numpy(), r @ p, atol=1e-4)
    assert np.allclose(terms["linear2"].numpy(), r @ p @ p @ p, atol=1e-4)
    assert np.allclose(terms["ideal4_0"].numpy(), r @ ideal, atol=1e-4)
    assert np.allclose(terms["ideal4_1"].numpy(), r @ ideal @ p, atol=1e-4)


def test_bspm_scores_are_one_rk4_sharpening_step_of_the_blurred_signal() -> None:
    filters, dense, p, ideal = _dense_filters()
    users = torch.arange(30)
    settings = FilterSettings(beta=0.2, sharpen=2.5, rank=4)
    ours = combine(filters.terms(users, (4,), 4), settings).numpy()

    x = dense @ p + 0.2 * dense @ ideal  # blurred (one Euler step to T_b = 1), ideal merged

    def velocity(s: np.ndarray) -> np.ndarray:  # sharpening: ds/dt = −s P̃
        return -s @ p

    h = 2.5
    k1 = velocity(x)
    k2 = velocity(x + h / 2 * k1)
    k3 = velocity(x + h / 2 * k2)
    k4 = velocity(x + h * k3)
    assert np.allclose(ours, x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4), atol=1e-3)
    gf_cf = combine(filters.terms(users, (4,), 0), FilterSettings(0.3, 0.0, 4)).numpy()
    assert np.allclose(gf_cf, dense @ p + 0.3 * dense @ ideal, atol=1e-4)


def test_bspm_tuning_scores_every_setting_alike_in_any_batch_size_and_keeps_the_best() -> None:
    data = clustered_data(0)
    reports = {}
    for batch in (7, 64):  # 40 validation users: six batches or one
        config = replace(SMALL, eval_batch_size=batch)
        model = build_recommender("bspm", config)
        reports[batch] = model.fit(data, CPU)
        # every validation user was tuned on: the tuning's figures are the validation figures
        assert reports[batch].val_metrics["hr@5"] == pytest.approx(
            model.evaluate(data, "val")["hr@5"]
        )
    small, whole = reports[7], reports[64]
    assert len(whole.history) == 30
    assert [row["hr@5"] for row in small.history] == pytest.approx(
        [row["hr@5"] for row in whole.history]
    )
    best = max(whole.history, key=lambda row: row["hr@5"])
    assert (whole.chosen["beta"], whole.chosen["sharpen"]) == (best["beta"], best["sharpen"])
    assert whole.val_metrics["hr@5"] == pytest.approx(best["hr@5"])


def test_top_k_cosine_keeps_each_items_k_nearest_others() -> None:
    import scipy.sparse as sp

    rng = np.random.default_rng(1)
    dense = (rng.random((25, 9)) < 0.4).astype(np.float32)
    norms = np.linalg.norm(dense, axis=0)
    norms[norms == 0] = 1
    cosine = (dense.T @ dense) / np.outer(norms, norms)
    np.fill_diagonal(cosine, 0)

    similarity = top_k_cosine(sp.csr_matrix(dense), 3).toarray()

    for item in range(9):
        kept = np.flatnonzero(similarity[item])
        assert len(kept) <= 3
        assert np.allclose(similarity[item, kept], cosine[item, kept], atol=1e-6)
        threshold = np.sort(cosine[item])[-3]
        assert (cosine[item, kept] >= threshold - 1e-6).all()


def test_training_windows_cover_every_interaction_of_long_sequences() -> None:
    long = torch.arange(2 * MAX_LENGTH + 7)
    inputs, labels = _training_windows([long, torch.tensor([5, 6])])

    real_labels = labels[labels > 0] - 1
    assert sorted(real_labels.tolist()) == sorted([*long[1:].tolist(), 6])
    assert torch.equal((inputs > 0).sum(), (labels > 0).sum())
    # the label of each position is the item after its input
    shifted = inputs[:, 1:][labels[:, :-1] > 0]
    assert torch.equal(shifted, labels[:, :-1][labels[:, :-1] > 0])
