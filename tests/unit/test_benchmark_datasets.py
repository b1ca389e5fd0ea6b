"""The benchmark loaders rebuild each published split from the hand-made fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from interestgraph.errors import BadInput
from interestgraph.training.datasets import FOLDERS, load_benchmark

FIXTURES = Path(__file__).parents[1] / "fixtures"
FIXTURE_FOLDERS = {
    "gowalla": "gowalla_tiny",
    "amazon-beauty": "beauty_tiny",
    "amazon-office": "lcrec_tiny",
    "tmall": "tmall_tiny",
    "tmall-buy": "tmall_tiny",
}


@pytest.fixture
def datasets(tmp_path: Path) -> Path:
    """A datasets folder laid out as INTERESTGRAPH_DATA is, pointing at the fixtures."""
    for name, folder in FIXTURE_FOLDERS.items():
        link = tmp_path / FOLDERS[name]
        if not link.exists():
            link.symlink_to(FIXTURES / folder)
    return tmp_path


def _pairs(edges: torch.Tensor) -> set[tuple[int, int]]:
    return {(int(u), int(i)) for u, i in edges.T}


def test_gowalla_keeps_the_published_train_and_test_and_holds_out_validation(
    datasets: Path,
) -> None:
    loaded = load_benchmark("gowalla", datasets)
    split = loaded.data.split

    # users "0", "1", "2", "5" → 0..3; items "0".."8" keep their numbers
    assert (split.num_users, split.num_items) == (4, 9)
    assert _pairs(split.test) == {(0, 3), (1, 4), (2, 0), (3, 8)}
    assert _pairs(split.train) | _pairs(split.val) == {
        (0, 0), (0, 1), (0, 2), (1, 1), (1, 3), (2, 4), (2, 5), (3, 6), (3, 7)
    }  # fmt: skip
    # only user 0 has 3 train check-ins: one of them is its validation item
    assert split.val[0].tolist() == [0] and int(split.val[1, 0]) in {0, 1, 2}
    assert not _pairs(split.train) & _pairs(split.val)
    assert split.num_short_users == 3
    assert split.train_order is None and loaded.data.side is None
    assert loaded.rejected_rows > 0  # "abc", "-1", blank and undecodable lines


def test_validation_draw_is_fixed(datasets: Path) -> None:
    first = load_benchmark("gowalla", datasets).data.split
    second = load_benchmark("gowalla", datasets).data.split
    assert torch.equal(first.val, second.val) and torch.equal(first.train, second.train)


def test_tmall_views_and_carts_are_auxiliary_and_the_purchase_only_variant_drops_them(
    datasets: Path,
) -> None:
    multi = load_benchmark("tmall", datasets).data.split
    buy_only = load_benchmark("tmall-buy", datasets).data.split

    assert torch.equal(multi.train, buy_only.train) and torch.equal(multi.test, buy_only.test)
    assert buy_only.aux.size(1) == 0
    # buy_test is the test set; view_train and cart_train (their valid tokens) are auxiliary
    assert _pairs(multi.test) == {(0, 0), (1, 3)}
    assert _pairs(multi.aux) == {
        (0, 0), (0, 1), (0, 2), (1, 2), (1, 3), (2, 4), (3, 1), (3, 5)
    }  # fmt: skip
    # users who viewed their held-out purchase: the item stays a target, never masked
    assert _pairs(multi.test) <= _pairs(multi.aux)
    assert not _pairs(multi.observed("test")) & _pairs(multi.test)


def test_amazon_is_leave_one_out_in_time_order_with_cleaned_item_side(datasets: Path) -> None:
    data = load_benchmark("amazon-beauty", datasets).data
    split = data.split

    # U1 bought I001, I002, I003 in that order: I003 is its test, I002 its validation item
    assert (0, 2) in _pairs(split.test) and (0, 1) in _pairs(split.val)
    assert (0, 0) in _pairs(split.train)
    assert split.train_order is not None
    sequences = split.sequences("test")
    assert sequences[0].tolist() == [0, 1]  # train then validation, oldest first
    assert split.sequences("val")[0].tolist() == [0]

    assert data.side is not None and data.side.texts is not None
    assert data.side.texts[1] == "Dolce & Gabbana. Fragrance > Women"  # entities decoded
    brands, _ = data.side.groups["brand"]
    brand_of = dict(brands.T.tolist())
    assert brand_of[1] == brand_of[2]  # "Dolce &amp; Gabbana" and "Dolce &amp;amp;  Gabbana "
    categories, _ = data.side.groups["category"]
    assert len({c for i, c in categories.T.tolist() if i in (1, 2)}) == 2  # Fragrance, Women


def test_office_items_carry_titles_and_descriptions(datasets: Path) -> None:
    data = load_benchmark("amazon-office", datasets).data
    assert data.side is not None and data.side.texts is not None
    assert data.side.texts[0].startswith("AT&T 210 Corded Phone, Black. AT&T.")


def test_max_users_keeps_the_first_users_and_only_their_items(datasets: Path) -> None:
    split = load_benchmark("gowalla", datasets, max_users=2).data.split
    assert split.num_users == 2
    assert split.num_items == 5  # items 0..4 are all users "0" and "1" touch


def test_unknown_benchmark_and_missing_folder_are_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="unknown benchmark"):
        load_benchmark("movielens", tmp_path)
    with pytest.raises(BadInput):
        load_benchmark("gowalla", tmp_path)
