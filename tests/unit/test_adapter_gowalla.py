"""The Gowalla adapter on tests/fixtures/gowalla_tiny; every expected value was counted by hand.

train.txt holds 8 lines: 4 usable (9 check-ins, one bad token), a blank line, a non-numeric
user, a user without items and a line that is not UTF-8; test.txt holds 4 check-ins (one line
ends in CRLF).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from interestgraph.errors import BadInput
from interestgraph.ingest.adapters.gowalla import read_gowalla
from interestgraph.ingest.adapters.interaction_lines import LOCATED_EVENT_COLUMNS

TINY = Path(__file__).parents[1] / "fixtures" / "gowalla_tiny"

EXPECTED_EVENTS = [
    ("0", "0"),
    ("0", "1"),
    ("0", "2"),
    ("1", "1"),
    ("1", "3"),
    ("2", "4"),
    ("2", "5"),
    ("5", "6"),
    ("5", "7"),
    # test.txt
    ("0", "3"),
    ("1", "4"),
    ("2", "0"),
    ("5", "8"),
]
EXPECTED_REJECTS = [
    ("train.txt", 3, "non-numeric item id", "abc"),
    ("train.txt", 4, "blank line", ""),
    ("train.txt", 5, "non-numeric user id", "-1 2"),
    ("train.txt", 6, "no items", "3"),
    ("train.txt", 7, "not utf-8", "4 \ufffd"),
]


def test_check_ins_are_purchases() -> None:
    source = read_gowalla(TINY, chunk_rows=5)
    chunks = list(source.events)
    assert [len(chunk) for chunk in chunks] == [5, 5, 3]
    events = pd.concat(chunks, ignore_index=True)
    assert list(events.columns) == LOCATED_EVENT_COLUMNS
    assert list(zip(events["user_id"], events["item_id"], strict=True)) == EXPECTED_EVENTS
    assert set(events["type"]) == {"purchase"}
    assert events[["event_id", "timestamp", "seq", "value"]].isna().all().all()
    assert [(r.source, r.line, r.reason, r.raw) for r in source.rejects] == EXPECTED_REJECTS


def test_items_are_ids_only() -> None:
    source = read_gowalla(TINY, chunk_rows=4)
    chunks = list(source.items)
    assert [len(chunk) for chunk in chunks] == [4, 4, 1]
    items = pd.concat(chunks, ignore_index=True)
    assert list(items["id"]) == [str(n) for n in range(9)]
    assert items.drop(columns="id").isna().all().all()
    assert source.name == "gowalla" and source.users == [] and source.follows == []


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "train.txt").write_text("0 1\n", encoding="utf-8")
    with pytest.raises(BadInput, match=r"test\.txt"):
        read_gowalla(tmp_path)
