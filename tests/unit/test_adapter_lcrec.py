"""The LC-Rec adapter on tests/fixtures/lcrec_tiny; every expected value was worked out by hand.

Tiny.item.json holds 17 entries: 13 items (0-9 and 11 use real Amazon Office names with ", " in
their paths; 12 has a blank category name and 14 extra keys, for the ingest path to deal with)
and 4 refused entries.
Tiny.inter.json holds 10 users: 4 usable (15 purchases) and 6 refused entries.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from interestgraph.errors import BadInput
from interestgraph.ingest.adapters.category_paths import split_category_paths
from interestgraph.ingest.adapters.interaction_lines import LOCATED_EVENT_COLUMNS
from interestgraph.ingest.adapters.lcrec import LOCATED_ITEM_COLUMNS, read_lcrec
from interestgraph.ingest.source import CanonicalSource

TINY = Path(__file__).parents[1] / "fixtures" / "lcrec_tiny"
OFFICE = Path(__file__).parents[3] / "shared" / "datasets" / "amazon-office"

OSS = "Office & School Supplies"
OE = "Office Electronics"
CALENDARS = "Calendars, Planners & Personal Organizers"
TAPE = "Tape, Adhesives & Fasteners"
ENVELOPES = "Envelopes, Mailers & Shipping Supplies"
FORMS = "Forms, Recordkeeping & Money Handling"

EXPECTED_CATEGORIES = {
    "0": [[OE, "Telephones & Accessories", "Corded Telephones"]],
    "1": [[OSS, CALENDARS, "Wall Calendars"]],
    "2": [[OSS, CALENDARS, "Personal Organizers"]],
    "3": [[OSS, TAPE, "Tape", "Transparent Tape"]],
    "4": [[OSS, TAPE, "Tape", "Drafting Tape"]],
    "5": [[OSS, ENVELOPES, "Envelopes", "Business Envelopes"]],
    "6": [[OE, "Calculators", "Financial & Business"]],
    "7": [[OE, "Calculators", "Scientific"]],
    "8": [[OE]],
    "9": [[OSS, "Filing Products", "Index Card Filing", "Index & Business Card Files"]],
    "11": [
        [
            OSS,
            "Desk Accessories & Workspace Organizers",
            "Card Files, Holders & Racks",
            "Business Card Holders",
        ]
    ],
    "12": [[OSS, "", "Paper"]],
    "14": [],
}
EXPECTED_REJECTS = [
    ("Tiny.item.json", 11, "non-numeric item id"),
    ("Tiny.item.json", 12, "not a json object"),
    ("Tiny.item.json", 13, "duplicate item id"),
    ("Tiny.item.json", 16, "not utf-8"),
    ("Tiny.inter.json", 3, "non-numeric item id"),
    ("Tiny.inter.json", 4, "no items"),
    ("Tiny.inter.json", 5, "non-numeric user id"),
    ("Tiny.inter.json", 6, "not a json array"),
    ("Tiny.inter.json", 8, "duplicate user id"),
    ("Tiny.inter.json", 9, "non-numeric item id"),
    ("Tiny.inter.json", 10, "non-numeric item id"),
]
EXPECTED_EVENTS = [
    ("0", "0", 0),
    ("0", "1", 1),
    ("0", "2", 2),
    ("1", "3", 0),
    ("1", "4", 1),
    ("1", "5", 2),
    ("1", "6", 3),
    ("2", "7", 0),
    ("2", "8", 1),
    ("2", "9", 3),  # "x" at position 2 refused; seq stays the position in the list
    ("6", "0", 0),
    ("6", "11", 1),
    ("6", "99", 2),  # not in the item file: the canonical path refuses unknown items
    ("8", "12", 1),
    ("8", "14", 2),
]


def _read(chunk_rows: int = 100_000) -> tuple[CanonicalSource, pd.DataFrame, list[pd.DataFrame]]:
    source = read_lcrec(TINY, chunk_rows=chunk_rows)
    items = pd.concat(list(source.items), ignore_index=True)
    return source, items, list(source.events)


@pytest.mark.parametrize(
    ("joined", "expected"),
    [
        # a real list name in the middle, no other path needed
        (
            [f"{OSS}, Calendars, Planners & Personal Organizers, Wall Calendars"],
            [(OSS, CALENDARS, "Wall Calendars")],
        ),
        # two real list names in one path; the second is followed by a name it repeats
        (
            [f"{OSS}, {FORMS}, Key Cabinets, Racks & Holders, Cabinets"],
            [
                (
                    OSS,
                    FORMS,
                    "Key Cabinets, Racks & Holders",
                    "Cabinets",
                )
            ],
        ),
        (
            [f"{OSS}, Tape, Adhesives & Fasteners, Clips, Clamps & Rings, Clips"],
            [(OSS, TAPE, "Clips, Clamps & Rings", "Clips")],
        ),
        # a list name at the top level
        (["Arts, Crafts & Sewing, Painting"], [("Arts, Crafts & Sewing", "Painting")]),
        # alone, "Office Electronics, Printers & Accessories" reads as a list name ...
        (
            [f"{OE}, Printers & Accessories, Printers"],
            [(f"{OE}, Printers & Accessories", "Printers")],
        ),
        # ... but not when "Office Electronics" is an item's whole path (rule 1)
        (
            [OE, f"{OE}, Printers & Accessories, Printers"],
            [(OE,), (OE, "Printers & Accessories", "Printers")],
        ),
        # ... nor when items continue "Calculators" in different ways (rule 1)
        (
            [f"{OE}, Calculators, Financial & Business", f"{OE}, Calculators, Scientific"],
            [(OE, "Calculators", "Financial & Business"), (OE, "Calculators", "Scientific")],
        ),
        # a child repeating a word of its parent is a level, not a list (rule 2)
        (
            [f"{OSS}, Filing Products, Index Card Filing, Index & Business Card Files"],
            [(OSS, "Filing Products", "Index Card Filing", "Index & Business Card Files")],
        ),
        # a name without " & " after one without is two levels (rule 3)
        ([f"{OE}, Calculators, Basic"], [(OE, "Calculators", "Basic")]),
        # a path with a blank name is kept as it is (the caller refuses it) and is no evidence
        (
            ["Calendars, , Paper", "Calendars, Planners & Personal Organizers"],
            [("Calendars", "", "Paper"), (CALENDARS,)],
        ),
    ],
)
def test_split_category_paths(joined: list[str], expected: list[tuple[str, ...]]) -> None:
    split = split_category_paths(joined)
    assert [split[path] for path in joined] == expected


def test_items_frame() -> None:
    _, items, _ = _read()
    assert list(items.columns) == LOCATED_ITEM_COLUMNS
    assert dict(zip(items["id"], items["categories"], strict=True)) == EXPECTED_CATEGORIES
    row = items.set_index("id")
    # text goes on as written (the ingest path cleans it); located by entry number
    assert row.loc["0", "title"] == "AT&amp;T  210 Corded Phone,\n Black"
    assert row.loc["0", "brand"] == "AT&amp;T"
    assert row.loc["0", "description"] == ""
    assert row.loc["1", "description"] == "LARGE   WALL CALENDAR\n12 MONTHS"
    assert row.loc["14", "attributes"] == {"color": "black", "tags": ["a"]}
    assert row.loc["0", "attributes"] is None
    assert items["price"].isna().all()
    assert items["currency"].isna().all()
    assert list(items["_source"].unique()) == ["Tiny.item.json"]
    assert list(items["_line"]) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 17]


def test_events_are_purchases_in_list_order() -> None:
    _, _, chunks = _read()
    events = pd.concat(chunks, ignore_index=True)
    assert list(events.columns) == LOCATED_EVENT_COLUMNS
    assert list(zip(events["user_id"], events["item_id"], events["seq"], strict=True)) == (
        EXPECTED_EVENTS
    )
    assert set(events["type"]) == {"purchase"}
    for column in ("event_id", "timestamp", "value"):
        assert events[column].isna().all()


def test_rejects() -> None:
    source, _, _ = _read()
    assert [(r.source, r.line, r.reason) for r in source.rejects] == EXPECTED_REJECTS
    assert source.users == [] and source.follows == []
    bad_bytes = next(r for r in source.rejects if r.reason == "not utf-8")
    assert "Caf\ufffd Latte" in bad_bytes.raw
    assert Counter(r.reason for r in source.rejects)["non-numeric item id"] == 4
    assert {r.table for r in source.rejects} == {"items", "events"}
    assert [r.user_id for r in source.rejects if r.table == "events"] == [
        "2", "3", "u4", "5", "0", "7", "8"
    ]  # fmt: skip


def test_event_rejects_are_recorded_while_iterating() -> None:
    source = read_lcrec(TINY)
    assert len(source.rejects) == 4  # the item file is read at once
    list(source.events)
    assert len(source.rejects) == len(EXPECTED_REJECTS)


@pytest.mark.parametrize(("chunk_rows", "sizes"), [(4, [4, 4, 4, 3]), (15, [15]), (100, [15])])
def test_chunks(chunk_rows: int, sizes: list[int]) -> None:
    _, items, chunks = _read(chunk_rows)
    assert [len(chunk) for chunk in chunks] == sizes
    assert len(items) == len(EXPECTED_CATEGORIES)


def test_chunk_rows_must_be_positive() -> None:
    with pytest.raises(ValueError, match="chunk_rows"):
        read_lcrec(TINY, chunk_rows=0)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "expected one"),
        ({"A.inter.json": "{}"}, "not found"),
        ({"A.inter.json": "{}", "A.item.json": '{"0": {'}, "invalid JSON at line 1"),
        ({"A.inter.json": "[]", "A.item.json": "{}"}, "expected a JSON object"),
    ],
)
def test_broken_folder_is_bad_input(tmp_path: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match=message):
        read_lcrec(tmp_path)


def test_missing_folder_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not found"):
        read_lcrec(tmp_path / "nowhere")


@pytest.mark.skipif(not OFFICE.is_dir(), reason="the Amazon Office dataset is not present")
def test_real_office_category_names() -> None:
    """On the real file the rule finds exactly the 13 comma names of the catalogue."""
    items = json.loads((OFFICE / "Office.item.json").read_text(encoding="utf-8"))
    split = split_category_paths(item["categories"] for item in items.values())
    names = {name for path in split.values() for name in path if ", " in name}
    assert names == {
        "Cabinets, Racks & Shelves",
        "Calendars, Planners & Personal Organizers",
        "Card Files, Holders & Racks",
        "Clips, Clamps & Rings",
        "Electronic Dictionaries, Thesauri & Translators",
        "Envelopes, Mailers & Shipping Supplies",
        "Forms, Recordkeeping & Money Handling",
        "Key Cabinets, Racks & Holders",
        "Labels, Indexes & Stamps",
        "Platforms, Stands & Shelves",
        "Printer Transfer Belts, Rollers & Units",
        "Sheet Protectors, Card & Photo Sleeves",
        "Tape, Adhesives & Fasteners",
    }
    assert len(split) == 286
    assert len({path[:k] for path in split.values() for k in range(1, len(path) + 1)}) == 360
