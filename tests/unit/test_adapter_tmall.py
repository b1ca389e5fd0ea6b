"""The Tmall adapter on tests/fixtures/tmall_tiny; every expected value was counted by hand.

view_train.txt holds 8 lines: 4 usable (8 views), a bad token, a blank line, a non-numeric
user, a user without items and a line that is not UTF-8. The other five files hold 12 more
events (one bad token in cart_train.txt, a "05<TAB>003" line that means user 5, item 3).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from interestgraph.errors import BadInput
from interestgraph.ingest.adapters.interaction_lines import (
    LOCATED_EVENT_COLUMNS,
    numeric_id,
)
from interestgraph.ingest.adapters.tmall import read_tmall, tmall_files
from interestgraph.ingest.source import ITEM_COLUMNS

TINY = Path(__file__).parents[1] / "fixtures" / "tmall_tiny"

EXPECTED_EVENTS = [
    # view_train.txt
    ("0", "0", "view"),
    ("0", "1", "view"),
    ("0", "2", "view"),
    ("1", "2", "view"),
    ("1", "3", "view"),
    ("2", "4", "view"),
    ("4", "1", "view"),
    ("4", "5", "view"),
    # cart_train.txt, buy_train.txt
    ("0", "1", "add_to_cart"),
    ("1", "3", "add_to_cart"),
    ("0", "1", "purchase"),
    ("4", "5", "purchase"),
    # view_test.txt, cart_test.txt, buy_test.txt (held out, ingested too)
    ("0", "3", "view"),
    ("1", "0", "view"),
    ("2", "5", "view"),
    ("4", "2", "view"),
    ("0", "2", "add_to_cart"),
    ("5", "3", "add_to_cart"),
    ("0", "0", "purchase"),
    ("1", "3", "purchase"),
]
EXPECTED_REJECTS = [
    ("view_train.txt", 3, "non-numeric item id", "x7"),
    ("view_train.txt", 4, "blank line", ""),
    ("view_train.txt", 5, "non-numeric user id", "abc\t1"),
    ("view_train.txt", 6, "no items", "3"),
    ("view_train.txt", 8, "not utf-8", "5\t\ufffdt\ufffd"),
    ("cart_train.txt", 2, "non-numeric item id", "-2"),
]


@pytest.mark.parametrize(
    ("token", "expected"),
    [("0", "0"), ("42", "42"), ("0042", "42"), ("000", "0"), ("-1", None), ("4a", None),
     ("", None), ("1.5", None), ("٣", None), ("9" * 33, None)],
)  # fmt: skip
def test_numeric_id(token: str, expected: str | None) -> None:
    assert numeric_id(token) == expected


def test_events_in_file_order() -> None:
    source = read_tmall(TINY)
    events = pd.concat(list(source.events), ignore_index=True)
    assert list(events.columns) == LOCATED_EVENT_COLUMNS
    rows = list(zip(events["user_id"], events["item_id"], events["type"], strict=True))
    assert rows == EXPECTED_EVENTS
    for column in ("event_id", "timestamp", "seq", "value"):
        assert events[column].isna().all()
    located = list(zip(events["_source"], events["_line"], strict=True))
    assert located[5:9] == [
        ("view_train.txt", 3),
        ("view_train.txt", 7),
        ("view_train.txt", 7),
        ("cart_train.txt", 1),
    ]


def test_items_are_ids_only() -> None:
    source = read_tmall(TINY)
    items = pd.concat(list(source.items), ignore_index=True)
    assert list(items.columns) == list(ITEM_COLUMNS)
    assert list(items["id"]) == ["0", "1", "2", "3", "4", "5"]
    assert items.drop(columns="id").isna().all().all()
    assert source.rejects == []  # the item pass records no rejects; the event pass does


def test_rejects() -> None:
    source = read_tmall(TINY)
    assert source.rejects == []
    list(source.events)
    assert [(r.source, r.line, r.reason, r.raw) for r in source.rejects] == EXPECTED_REJECTS
    assert source.users == [] and source.follows == [] and source.name == "tmall"


def test_events_stream_lazily() -> None:
    source = read_tmall(TINY, chunk_rows=3)
    first = next(iter(source.events))
    assert len(first) == 3
    assert source.rejects == []  # nothing past the first line was read yet


@pytest.mark.parametrize(
    ("chunk_rows", "event_sizes", "item_sizes"),
    [(1, [1] * 20, [1] * 6), (4, [4] * 5, [4, 2]), (7, [7, 7, 6], [6]), (1000, [20], [6])],
)
def test_chunk_sizes(chunk_rows: int, event_sizes: list[int], item_sizes: list[int]) -> None:
    source = read_tmall(TINY, chunk_rows=chunk_rows)
    assert [len(chunk) for chunk in source.events] == event_sizes
    assert [len(chunk) for chunk in source.items] == item_sizes


def test_file_order_and_types() -> None:
    files = [(file.path.name, file.type) for file in tmall_files(TINY)]
    assert files == [
        ("view_train.txt", "view"),
        ("cart_train.txt", "add_to_cart"),
        ("buy_train.txt", "purchase"),
        ("view_test.txt", "view"),
        ("cart_test.txt", "add_to_cart"),
        ("buy_test.txt", "purchase"),
    ]


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    for path in TINY.iterdir():
        if path.name != "buy_test.txt":
            (tmp_path / path.name).write_bytes(path.read_bytes())
    with pytest.raises(BadInput, match=r"buy_test\.txt"):
        read_tmall(tmp_path)
    with pytest.raises(BadInput, match="not found"):
        read_tmall(tmp_path / "nowhere")
