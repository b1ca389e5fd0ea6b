"""The Amazon Beauty adapter on the tiny hand-made fixture; every number was counted by hand.

tests/fixtures/beauty_tiny holds 17 item lines (14 JSON objects, 3 unusable lines) and 11
sequence lines (7 usable users with 19 purchases, 4 unusable lines). The adapter only maps the
layout: ids, brands and unknown items are the ingest path's business
(tests/unit/test_canonical_rows.py and tests/integration/test_ingest.py).
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from interestgraph.errors import BadInput
from interestgraph.ingest.adapters import ADAPTERS
from interestgraph.ingest.adapters.amazon_beauty import read_amazon_beauty
from interestgraph.ingest.source import EVENT_COLUMNS, ITEM_COLUMNS

TINY = Path(__file__).parents[1] / "fixtures" / "beauty_tiny"


def _frames(chunk_rows: int = 100_000) -> tuple[pd.DataFrame, pd.DataFrame, Counter[tuple]]:
    source = read_amazon_beauty(TINY, chunk_rows=chunk_rows)
    items = pd.concat(list(source.items), ignore_index=True)
    events = pd.concat(list(source.events), ignore_index=True)
    rejects = Counter((r.source, r.line, r.table, r.reason) for r in source.rejects)
    return items, events, rejects


def test_registered_under_its_cli_name() -> None:
    assert ADAPTERS["amazon-beauty"] is read_amazon_beauty


def test_items_map_asin_brand_and_categories() -> None:
    items, _, _ = _frames()
    assert set(ITEM_COLUMNS) <= set(items.columns)
    assert len(items) == 14
    first = items.iloc[0]
    assert (first["id"], first["brand"], first["categories"]) == (
        "I001",
        "L&#39;Oreal Paris",  # raw: the ingest path decodes
        [["Makeup", "Nails", "Nail Polish"]],
    )
    assert (first["_source"], first["_line"]) == ("items.jsonl", 1)
    assert items["id"].tolist()[9:] == [None, "  ", "I001", "I011", 12345]
    assert items["_line"].tolist()[9:] == [11, 12, 13, 15, 17]


def test_sequences_become_purchases_with_positions() -> None:
    _, events, _ = _frames()
    assert set(EVENT_COLUMNS) <= set(events.columns)
    assert len(events) == 19
    assert set(events["type"]) == {"purchase"}
    assert events["timestamp"].isna().all()
    u2 = events[events["user_id"] == "U2"]
    assert list(zip(u2["item_id"], u2["seq"], strict=True)) == [
        ("I004", 0),
        ("I005", 1),
        ("I999", 2),
        ("I006", 3),
    ]
    assert (u2["_line"] == 2).all()
    assert events.groupby("user_id").size().to_dict() == {
        "U1": 3,
        "U2": 4,
        "U3": 3,
        "U5": 2,
        "U7": 5,
        "U8": 1,
        "U@6": 1,
    }


def test_unmappable_lines_are_rejects() -> None:
    _, _, rejects = _frames()
    assert rejects == Counter(
        {
            ("items.jsonl", 10, "items", "unparseable json"): 1,
            ("items.jsonl", 14, "items", "blank line"): 1,
            ("items.jsonl", 16, "items", "not a json object"): 1,
            ("sequences.txt", 4, "events", "no items"): 1,
            ("sequences.txt", 5, "events", "blank line"): 1,
            ("sequences.txt", 7, "events", "second line for the user"): 1,
            ("sequences.txt", 8, "events", "missing user id"): 1,
        }
    )


def test_rejects_name_their_user_for_pseudonymisation() -> None:
    source = read_amazon_beauty(TINY)
    list(source.events)
    users = {r.reason: r.user_id for r in source.rejects}
    assert users == {
        "no items": "U4",
        "blank line": None,
        "second line for the user": "U1",
        "missing user id": None,
    }


def test_chunks_are_bounded_and_lazy() -> None:
    source = read_amazon_beauty(TINY, chunk_rows=4)
    assert source.rejects == []  # nothing read yet
    sizes = [len(frame) for frame in source.events]
    assert sizes == [4, 4, 4, 4, 3]
    items, events, _ = _frames(chunk_rows=4)
    whole_items, whole_events, _ = _frames()
    pd.testing.assert_frame_equal(items, whole_items)
    pd.testing.assert_frame_equal(events, whole_events)


def test_missing_folder_is_bad_input(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(BadInput, match=f"dataset folder not found: {missing}"):
        read_amazon_beauty(missing)


@pytest.mark.parametrize("source", sorted(ADAPTERS))
def test_a_file_given_as_dataset_folder_says_so(tmp_path: Path, source: str) -> None:
    a_file = tmp_path / "sequences.txt"
    a_file.write_text("1 2 3\n", encoding="utf-8")
    with pytest.raises(BadInput, match=f"is a file, not a folder: {a_file}"):
        ADAPTERS[source](a_file)


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
    source = read_amazon_beauty(tmp_path)
    assert [len(f) for f in source.items] == [1]
    assert [len(f) for f in source.events] == [1]
    assert [(r.source, r.line, r.reason) for r in source.rejects] == [
        ("items.jsonl", 2, "wrong encoding"),
        ("sequences.txt", 2, "wrong encoding"),
    ]
