"""Cleaning and validation of canonical rows, one hand-made row per kind of bad row.

The cleaners get plain functions for the pseudonym and for "which items exist", so these tests
need no database; tests/integration/test_canonical_ingest.py runs the same rows through Neo4j.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest

from interestgraph.ingest.events import (
    RELATIONSHIPS,
    EventChunker,
    EventCleaner,
    event_key,
    make_chunk,
)
from interestgraph.ingest.items import ItemCleaner
from interestgraph.ingest.report import REDACTED, Reject, safe_raw, table_of
from interestgraph.ingest.source import EVENT_TYPES
from interestgraph.ingest.users import FollowCleaner, UserCleaner
from interestgraph.ingest.writer import EVENT_QUERIES
from interestgraph.privacy import Pseudonymizer

PSEUDONYM = Pseudonymizer(b"unit-test-pseudonym-key-0123456789").user_id
KNOWN_ITEMS = {"P1", "P2"}


def _events(*rows: dict[str, Any]) -> tuple[pd.DataFrame, list[Reject]]:
    cleaner = EventCleaner(PSEUDONYM, lambda ids: KNOWN_ITEMS & set(ids))
    return cleaner.clean(pd.DataFrame(list(rows), dtype=object))


GOOD = {"user_id": "alice", "item_id": "P1", "type": "view", "timestamp": "2024-03-01T10:00:00Z"}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"user_id": None}, "missing user id"),
        ({"user_id": "  "}, "missing user id"),
        ({"user_id": "a\x00b"}, "bad user id"),
        ({"item_id": None}, "missing item id"),
        ({"item_id": ["P1"]}, "bad item id"),
        ({"item_id": "NOPE"}, "unknown item"),
        ({"type": None}, "missing type"),
        ({"type": "wishlist"}, "unknown type"),
        ({"event_id": "x" * 200}, "bad event id"),
        ({"timestamp": "yesterday"}, "bad timestamp"),
        ({"timestamp": 99999999999}, "bad timestamp"),
        ({"seq": -1}, "bad seq"),
        ({"seq": 1.5}, "bad seq"),
        ({"type": "rate"}, "missing rating"),
        ({"type": "rate", "value": 6}, "bad rating"),
        ({"type": "rate", "value": "great"}, "bad rating"),
        ({"type": "purchase", "value": -2}, "negative quantity"),
        ({"type": "add_to_cart", "value": 0}, "zero quantity"),
        ({"type": "purchase", "value": "two"}, "bad quantity"),
    ],
)
def test_each_bad_event_is_refused_with_its_reason(change: dict[str, Any], reason: str) -> None:
    kept, rejects = _events(GOOD, GOOD | change)
    assert len(kept) == 1
    assert [r.reason for r in rejects] == [reason]
    assert (rejects[0].table, rejects[0].source, rejects[0].line) == ("events", "events", 2)


def test_kept_events_are_parsed_and_pseudonymised() -> None:
    kept, rejects = _events(
        GOOD | {"user_id": " alice ", "timestamp": "2024-03-01T11:00:00+01:00"},
        {"user_id": "bob", "item_id": "P2", "type": " Add-To-Cart ", "seq": "3", "value": "2"},
        {"user_id": 42, "item_id": "P2", "type": "rate", "seq": 0, "value": 4.5},
        GOOD | {"value": "not a number"},  # a view has no use for a value: dropped, row kept
    )
    assert rejects == []
    rows = kept.drop(columns="key").to_dict("records")
    assert rows == [
        {
            "user": PSEUDONYM("alice"),
            "item": "P1",
            "rel": "VIEWED",
            "at": datetime(2024, 3, 1, 10, tzinfo=UTC),
            "seq": None,
            "value": None,
        },
        {
            "user": PSEUDONYM("bob"),
            "item": "P2",
            "rel": "ADDED_TO_CART",
            "at": None,
            "seq": 3,
            "value": 2,
        },
        {"user": PSEUDONYM("42"), "item": "P2", "rel": "RATED", "at": None, "seq": 0, "value": 4.5},
        {
            "user": PSEUDONYM("alice"),
            "item": "P1",
            "rel": "VIEWED",
            "at": datetime(2024, 3, 1, 10, tzinfo=UTC),
            "seq": None,
            "value": None,
        },
    ]
    assert isinstance(rows[1]["value"], int)


def test_rejects_show_pseudonyms_never_shop_ids() -> None:
    _, rejects = _events(GOOD | {"user_id": "alice@example.com", "item_id": "NOPE"})
    raw = json.loads(rejects[0].raw)
    assert raw["user_id"] == PSEUDONYM("alice@example.com")
    assert "alice" not in rejects[0].raw


def test_event_keys_find_exact_duplicates_and_are_stable() -> None:
    kept, _ = _events(GOOD, GOOD, GOOD | {"event_id": "e2"}, GOOD | {"timestamp": 1709287200})
    keys = kept["key"].tolist()
    assert keys[0] == keys[1] == keys[3]  # the same instant written two ways
    assert keys[2] != keys[0]  # a client event id makes it another event
    # Keys live in the graph: changing their recipe would count old events again.
    at = datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert event_key(None, "u", "P1", "view", at, None, None) == 2921650509779690110


def test_chunks_do_not_depend_on_how_the_input_was_split() -> None:
    rows = [
        GOOD | {"item_id": item, "timestamp": f"2024-03-01T10:0{i % 10}:00Z"}
        for i, item in enumerate(["P1", "P2"] * 7)
    ]
    kept, _ = _events(*rows)

    def chunk_ids(pieces: list[pd.DataFrame]) -> list[str]:
        chunker = EventChunker(4)
        chunks = [c for piece in pieces for c in chunker.add(piece)] + list(chunker.flush())
        assert [c.events + c.duplicates for c in chunks] == [4, 4, 4, 2]
        return [c.id for c in chunks]

    whole = chunk_ids([kept])
    assert chunk_ids([kept.iloc[:3], kept.iloc[3:5], kept.iloc[5:]]) == whole
    assert chunk_ids([kept.iloc[i : i + 1] for i in range(len(kept))]) == whole
    assert len(set(whole)) == 4


def test_a_chunk_groups_events_per_edge_and_drops_exact_duplicates() -> None:
    kept, _ = _events(
        GOOD,
        GOOD | {"type": "purchase", "value": 2},
        GOOD,
        GOOD | {"timestamp": "2024-03-02T10:00:00Z"},
    )
    chunk = make_chunk(kept)
    assert (chunk.events, chunk.duplicates) == (3, 1)
    assert sorted(chunk.rows) == ["PURCHASED", "VIEWED"]
    (viewed,) = chunk.rows["VIEWED"]
    assert (viewed["user"], viewed["item"]) == (PSEUDONYM("alice"), "P1")
    assert [e["at"].day for e in viewed["events"]] == [1, 2]
    assert chunk.rows["PURCHASED"][0]["events"][0]["v"] == 2


def _items(*rows: dict[str, Any]) -> tuple[ItemCleaner, Any, Counter[str]]:
    cleaned: Counter[str] = Counter()
    cleaner = ItemCleaner(cleaned)
    return cleaner, cleaner.clean(pd.DataFrame(list(rows), dtype=object)), cleaned


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"id": None}, "missing item id"),
        ({"id": "x\ty"}, "bad item id"),
        ({"id": "P1"}, "duplicate item"),
        ({"id": "P9", "price": "12.3.4"}, "bad price"),
        ({"id": "P9", "price": -1}, "negative price"),
        ({"id": "P9", "currency": "euro"}, "bad currency"),
    ],
)
def test_each_bad_item_is_refused_with_its_reason(row: dict[str, Any], reason: str) -> None:
    _, rows, _ = _items({"id": "P1"}, row)
    assert [i["id"] for i in rows.items] == ["P1"]
    assert [r.reason for r in rows.rejects] == [reason]


def test_items_are_cleaned() -> None:
    cleaner, rows, cleaned = _items(
        {
            "id": " P1 ",
            "title": "Gel Pen &amp;amp; Case ",
            "brand": "Pilot",
            "price": "1.234,50 EUR",
            "categories": [["OFFICE", "pens"], ["Office", "Pens"], ["Office", " "]],
            "attributes": {"Ink Colour": "blue", "pack": 2, "sizes": [1, 2], "": 1},
        },
        {"id": "P2", "brand": "PILOT", "categories": "Office > Paper", "currency": "usd"},
        {"id": "P3", "brand": "pilot ", "attributes": "not json"},
    )
    first = rows.items[0]
    assert first | {"categories": None} == {
        "id": "P1",
        "title": "Gel Pen & Case",
        "description": None,
        "price": 1234.5,
        "currency": "EUR",
        "brand": "Pilot",
        "brand_id": "pilot",
        "categories": None,
        "attributes": {"attr_ink_colour": "blue", "attr_pack": 2},
    }
    assert first["categories"] == ["Office > Pens"]  # case variants are one path
    assert rows.items[1]["categories"] == ["Office > Paper"]
    assert rows.items[1]["currency"] == "USD"
    assert {c["id"]: c["parent"] for c in rows.categories} == {
        "Office": None,
        "Office > Paper": "Office",
        "Office > Pens": "Office",
    }
    assert cleaner.brand_names() == [{"id": "pilot", "name": "PILOT"}]  # ties: alphabetical
    assert cleaned == Counter(
        {
            "title cleaned": 1,
            "currency read from price": 1,
            "brand spelling decoded": 1,  # "pilot " -> "pilot"
            "category path dropped (blank category name)": 1,
            "attribute not a scalar, dropped": 1,
            "attribute with a blank name, dropped": 1,
            "attributes not an object, dropped": 1,
            "brand spelling merged": 2,
        }
    )


def test_users_keep_only_coarse_attributes() -> None:
    cleaned: Counter[str] = Counter()
    cleaner = UserCleaner(PSEUDONYM, cleaned, today=date(2025, 6, 14))
    frame = pd.DataFrame(
        [
            {
                "id": "alice",
                "age_band": "25–34",
                "gender": " F ",
                "region": "Bavaria",
                "email": "alice@example.com",
                "zip": "80331",
                "first_name": "Alice",
            },
            {"id": "bob", "birth_date": "1990-06-14", "region": "10115 Berlin"},
            {"id": None, "email": "ghost@example.com"},
            {"id": "alice", "gender": "f"},
        ],
        dtype=object,
    )
    rows = cleaner.clean(frame)
    assert rows.users == [
        {"id": PSEUDONYM("alice"), "age_band": "25-34", "gender": "f", "region": "Bavaria"},
        {"id": PSEUDONYM("bob"), "age_band": "35-44", "gender": None, "region": None},
    ]
    assert [r.reason for r in rows.rejects] == ["missing user id", "duplicate user"]
    shown = " ".join(r.raw for r in rows.rejects)
    assert "example.com" not in shown and "alice" not in shown
    assert cleaned == Counter(
        {
            "user column 'email' dropped": 2,
            "user column 'zip' dropped": 1,
            "user column 'first_name' dropped": 1,
            "user column 'birth_date' coarsened to an age band": 1,
            "region not coarse (digits or too long), dropped": 1,
            "age_band normalised": 1,
        }
    )


def test_follows() -> None:
    frame = pd.DataFrame(
        [
            {"follower_id": "a", "followee_id": "b"},
            {"follower_id": "a", "followee_id": "b"},
            {"follower_id": "c", "followee_id": " c"},
            {"follower_id": "a", "followee_id": None},
            {"follower_id": "a\x07", "followee_id": "b"},
        ],
        dtype=object,
    )
    rows = FollowCleaner(PSEUDONYM).clean(frame)
    assert rows.follows == [{"follower": PSEUDONYM("a"), "followee": PSEUDONYM("b")}]
    assert rows.duplicates == 1
    assert [r.reason for r in rows.rejects] == [
        "self follow",
        "missing followee_id",
        "bad follower_id",
    ]


@pytest.mark.parametrize(
    ("reject", "shown"),
    [
        (Reject("seq.txt", 3, "no items", "U42", "events", "U42"), f"{PSEUDONYM('U42')}"),
        (
            Reject("seq.txt", 3, "bad", "U4 I1 U42", "events", "U4"),
            f"{PSEUDONYM('U4')} I1 U42",  # only the whole token is the user
        ),
        (Reject("items.jsonl", 1, "unparseable json", '{"asin": "B0', "items"), '{"asin": "B0'),
        (Reject("events.csv", 1, "malformed line", "alice,P1", None), REDACTED),
        (Reject("view.txt", 1, "non-numeric user id", "x 1 2"), REDACTED),
        (Reject("events.jsonl", 9, "blank line", "", "events"), ""),
    ],
)
def test_adapter_rejects_never_show_shop_user_ids(reject: Reject, shown: str) -> None:
    assert safe_raw(reject, PSEUDONYM) == shown


def test_rejects_are_attributed_to_tables() -> None:
    assert table_of(Reject("x.txt", 1, "r", "", "follows")) == "follows"
    assert table_of(Reject("events.csv", 1, "r", "")) == "events"
    assert table_of(Reject("view_train.txt", 1, "r", "")) == "source"


def test_every_event_type_has_a_relationship_and_a_query() -> None:
    assert set(RELATIONSHIPS) == set(EVENT_TYPES)
    assert set(EVENT_QUERIES) == set(RELATIONSHIPS.values())
