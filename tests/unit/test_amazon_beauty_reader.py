"""Reading the tiny hand-made Amazon Beauty fixture; every expected number was counted by hand.

tests/fixtures/beauty_tiny holds 17 item lines (10 good items, 7 broken lines, one good item with
a blank category name) and 11 sequence lines (4 good users, 13 purchases).
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from interestgraph.errors import BadInput
from interestgraph.ingest import BeautyTables, read_amazon_beauty

TINY = Path(__file__).parents[1] / "fixtures" / "beauty_tiny"

EXPECTED_REJECTS = Counter(
    {
        # items.jsonl
        "invalid json": 1,
        "missing asin": 1,
        "blank or odd asin": 2,
        "duplicate asin": 1,
        "blank category name": 1,
        "not a json object": 1,
        # sequences.txt
        "unknown item": 4,
        "repeated item": 1,
        "no items": 1,
        "no known items": 2,
        "duplicate user": 1,
        "blank or odd user id": 2,
        # both
        "blank line": 2,
    }
)


@pytest.fixture(scope="module")
def tables() -> BeautyTables:
    return read_amazon_beauty(TINY)


def test_frame_sizes(tables: BeautyTables) -> None:
    sizes = {
        name: len(getattr(tables, name))
        for name in (
            "users",
            "items",
            "brands",
            "categories",
            "item_categories",
            "item_brands",
            "purchases",
        )
    }
    assert sizes == {
        "users": 4,
        "items": 10,
        "brands": 5,
        "categories": 12,
        "item_categories": 10,
        "item_brands": 8,
        "purchases": 13,
    }


def test_read_and_cleaned_counts(tables: BeautyTables) -> None:
    assert tables.read == {
        "items": 17,
        "brands": 7,
        "categories": 6,
        "users": 11,
        "purchases": 18,
    }
    assert tables.cleaned == Counter(
        {"brand spelling decoded": 4, "blank brand read as unknown": 1, "brand spelling merged": 1}
    )


def test_brands_are_decoded_and_merged(tables: BeautyTables) -> None:
    brands = dict(zip(tables.brands["id"], tables.brands["name"], strict=True))
    assert brands == {
        "l'oreal paris": "L'Oreal Paris",
        "dolce & gabbana": "Dolce & Gabbana",
        "wen® by chaz dean": "WEN® by Chaz Dean",
        "tigi": "TIGI",  # TIGI (2 items) wins over Tigi (1 item)
        "opi": "OPI",
    }
    item_brand = dict(zip(tables.items["id"], tables.items["brand"], strict=True))
    assert item_brand["I003"] == "Dolce & Gabbana"
    assert item_brand["I006"] == "TIGI"
    assert item_brand["I011"] == "OPI"
    assert sorted(tables.items["id"].loc[tables.items["brand"].isna()]) == ["I008", "I009"]
    made_by = set(zip(tables.item_brands["item"], tables.item_brands["brand"], strict=True))
    assert ("I006", "tigi") in made_by
    assert ("I009", "") not in made_by


def test_category_tree(tables: BeautyTables) -> None:
    rows = tables.categories.set_index("id")
    assert sorted(rows.index[rows["level"] == 0]) == [
        "Fragrance",
        "Hair Care",
        "Makeup",
        "Skin Care",
    ]
    leaf = rows.loc["Skin Care > Face > Creams & Moisturizers"]
    assert leaf["name"] == "Creams & Moisturizers"
    assert leaf["path"] == ["Skin Care", "Face", "Creams & Moisturizers"]
    assert leaf["level"] == 2
    assert leaf["parent"] == "Skin Care > Face"
    assert rows.loc["Skin Care > Face", "parent"] == "Skin Care"
    assert rows["parent"].notna().sum() == 8
    links = tables.item_categories
    assert sorted(links.loc[links["item"] == "I008", "category"]) == [
        "Skin Care",
        "Skin Care > Face > Creams & Moisturizers",
    ]
    assert "I011" not in set(links["item"])  # its only path had a blank name


def test_purchases_keep_order_and_skip_rejects(tables: BeautyTables) -> None:
    by_user = {
        user: list(zip(group["item"], group["seq"], strict=True))
        for user, group in tables.purchases.groupby("user")
    }
    assert by_user == {
        "U1": [("I001", 0), ("I002", 1), ("I003", 2)],
        "U2": [("I004", 0), ("I005", 1), ("I006", 2)],
        "U3": [("I008", 0), ("I001", 1)],
        "U7": [("I007", 0), ("I009", 1), ("I011", 2), ("I008", 3), ("I003", 4)],
    }
    assert sorted(tables.users["id"]) == ["U1", "U2", "U3", "U7"]


def test_rejects_by_reason(tables: BeautyTables) -> None:
    assert Counter(r.reason for r in tables.rejects) == EXPECTED_REJECTS
    located = {(r.source, r.line, r.reason, r.raw) for r in tables.rejects}
    assert ("sequences.txt", 2, "unknown item", "I999") in located
    assert ("sequences.txt", 3, "repeated item", "I008") in located
    assert ("sequences.txt", 4, "no items", "U4") in located
    assert ("sequences.txt", 11, "no known items", "U8 I010") in located
    assert ("items.jsonl", 14, "blank line", "") in located
    invalid = next(r for r in tables.rejects if r.reason == "invalid json")
    assert (invalid.source, invalid.line) == ("items.jsonl", 10)
    assert invalid.raw.startswith('{"asin": "I010"')


def test_no_entities_left(tables: BeautyTables) -> None:
    names = [
        *tables.brands["name"],
        *tables.items["brand"].dropna(),
        *tables.categories["id"],
        *(name for path in tables.categories["path"] for name in path),
    ]
    assert not [n for n in names if "&amp;" in n or "&#" in n or "&reg;" in n]


def test_missing_folder_is_bad_input(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(BadInput, match=f"dataset folder not found: {missing}"):
        read_amazon_beauty(missing)


@pytest.mark.parametrize("name", ["items.jsonl", "sequences.txt"])
def test_missing_file_is_bad_input(tmp_path: Path, name: str) -> None:
    shutil.copytree(TINY, tmp_path, dirs_exist_ok=True)
    (tmp_path / name).unlink()
    with pytest.raises(BadInput, match=f"dataset file not found: {tmp_path / name}"):
        read_amazon_beauty(tmp_path)


def test_undecodable_line_is_a_reject(tmp_path: Path) -> None:
    (tmp_path / "items.jsonl").write_bytes(
        b'{"asin": "I1", "brand": "A", "categories": []}\n{"asin": "I2", "brand": "\xff"}\n'
    )
    (tmp_path / "sequences.txt").write_bytes(b"U1 I1\nU2 \xfeI1\n")
    tables = read_amazon_beauty(tmp_path)
    assert [(r.source, r.line, r.reason) for r in tables.rejects] == [
        ("items.jsonl", 2, "not utf-8"),
        ("sequences.txt", 2, "not utf-8"),
    ]
    assert tables.read["items"] == 2
    assert tables.read["users"] == 2
    assert len(tables.purchases) == 1
