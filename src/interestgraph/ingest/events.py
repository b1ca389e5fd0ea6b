"""Cleans, validates and pseudonymises chunks of canonical events, and cuts them into the
deterministic chunks the ledger applies exactly once.

Every kept event gets a key: a 64-bit hash of all its fields (with the user's pseudonym, never
the shop's id). Two events with the same key are exact duplicates. The key travels with the
event into the graph (``event_keys`` on its edge), so an event is counted once however the input
is chunked, re-sent or resumed; the chunk id is a hash of the chunk's keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from interestgraph.ingest.cleaning import clean_id, is_missing
from interestgraph.ingest.report import Reject
from interestgraph.ingest.rows import RowLocator, map_values, raw_row, records, shown_user
from interestgraph.ingest.source import EVENT_COLUMNS, EVENT_TYPES
from interestgraph.ingest.values import parse_timestamp

# One relationship type per event type (source.EVENT_TYPES).
RELATIONSHIPS = {
    "view": "VIEWED",
    "click": "CLICKED",
    "add_to_cart": "ADDED_TO_CART",
    "purchase": "PURCHASED",
    "rate": "RATED",
}
QUANTITY_TYPES = frozenset({"add_to_cart", "purchase"})
MIN_RATING, MAX_RATING = 1.0, 5.0
PSEUDONYM_CACHE = 100_000  # shop ids remembered with their pseudonym (~20 MB at most)
KEPT_COLUMNS = ["key", "user", "item", "rel", "at", "seq", "value"]


class _Bad:
    """The parse of a value that is present but unusable."""


BAD = _Bad()


@dataclass(frozen=True)
class EventChunk:
    """Events applied in one transaction, recorded in the ledger as ``(:IngestChunk {id})``.

    ``rows`` maps a relationship type to one row per (user, item) edge: ``{user, item, events:
    [{k: key, at: datetime|None, s: seq|None, v: value|None}, ...]}`` in input order.
    """

    id: str
    events: int
    duplicates: int
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _event_type(raw: object) -> str | None:
    if not isinstance(raw, str):
        return None
    name = raw.strip().lower().replace("-", "_").replace(" ", "_")
    return name if name in EVENT_TYPES else None


def _timestamp(raw: object) -> datetime | _Bad | None:
    try:
        return parse_timestamp(raw)
    except ValueError:
        return BAD


def _seq(raw: object) -> int | _Bad | None:
    if is_missing(raw):
        return None
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    if isinstance(raw, int | float) and not isinstance(raw, bool) and float(raw).is_integer():
        return int(raw) if raw >= 0 else BAD
    return BAD


def _number(raw: object) -> float | _Bad | None:
    if is_missing(raw):
        return None
    if isinstance(raw, str):
        raw = raw.strip().replace(",", ".")
    elif isinstance(raw, bool) or not isinstance(raw, int | float):
        return BAD
    try:
        value = float(raw)
    except ValueError:
        return BAD
    if not np.isfinite(value):
        return BAD
    return int(value) if value.is_integer() else value  # quantities and ratings stay integers


def _value_problem(kind: str, value: float | _Bad | None) -> str | None:
    """Why ``value`` does not fit an event of type ``kind``, or None."""
    if kind == "rate":
        if value is None:
            return "missing rating"
        if isinstance(value, _Bad) or not MIN_RATING <= value <= MAX_RATING:
            return "bad rating"
    elif kind in QUANTITY_TYPES and value is not None:
        if isinstance(value, _Bad):
            return "bad quantity"
        if value < 0:
            return "negative quantity"
        if value == 0:
            return "zero quantity"
    return None


def event_key(
    event_id: str | None,
    user: str,
    item: str,
    kind: str,
    at: datetime | None,
    seq: int | None,
    value: float | None,
) -> int:
    """The 64-bit signed key of an event: equal for exact duplicates, stable across runs."""
    text = "\x1f".join(
        [
            event_id or "",
            user,
            item,
            kind,
            at.isoformat(timespec="microseconds") if at is not None else "",
            str(seq) if seq is not None else "",
            repr(value) if value is not None else "",
        ]
    )
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class EventCleaner:
    """Validates event chunks, replaces shop user ids by pseudonyms and keys each kept event.

    Args:
        pseudonym: the shop user id → pseudonym function (``Pseudonymizer.user_id``).
        known_items: which of the given item ids the graph holds (items are written first).
    """

    def __init__(
        self, pseudonym: Callable[[str], str], known_items: Callable[[list[str]], set[str]]
    ) -> None:
        self.pseudonym = pseudonym
        self.known_items = known_items
        self._locator = RowLocator("events")
        self._pseudonyms: dict[str, str] = {}

    def _user(self, shop_id: str) -> str:
        pseudonym = self._pseudonyms.get(shop_id)
        if pseudonym is None:
            if len(self._pseudonyms) >= PSEUDONYM_CACHE:  # bounded: users repeat, not forever
                self._pseudonyms.clear()
            pseudonym = self._pseudonyms[shop_id] = self.pseudonym(shop_id)
        return pseudonym

    def clean(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
        """The kept events (columns :data:`KEPT_COLUMNS`, input order) and the refused rows."""
        rows = records(frame, EVENT_COLUMNS)
        parsed = zip(
            map_values([r["user_id"] for r in rows], clean_id),
            map_values([r["item_id"] for r in rows], clean_id),
            map_values([r["type"] for r in rows], _event_type),
            map_values([r["event_id"] for r in rows], clean_id),
            [_timestamp(r["timestamp"]) for r in rows],
            [_seq(r["seq"]) for r in rows],
            [_number(r["value"]) for r in rows],
            strict=True,
        )
        results = [_validate(row, *fields) for row, fields in zip(rows, parsed, strict=True)]
        candidates = {r.item for r in results if isinstance(r, _Event)}
        known = self.known_items(sorted(candidates)) if candidates else set()
        rejects: list[Reject] = []
        kept: list[tuple[Any, ...]] = []
        locations = self._locator.locate(frame)
        for row, result, (source, line) in zip(rows, results, locations, strict=True):
            if isinstance(result, _Event) and result.item not in known:
                result = "unknown item"
            if isinstance(result, str):
                shown = dict(row, user_id=shown_user(row["user_id"], self._user))
                rejects.append(Reject(source, line, result, raw_row(shown), "events"))
                continue
            user = self._user(result.user)
            key = event_key(
                result.event_id, user, result.item, result.kind, result.at, result.seq, result.value
            )
            rel = RELATIONSHIPS[result.kind]
            kept.append((key, user, result.item, rel, result.at, result.seq, result.value))
        return pd.DataFrame(kept, columns=KEPT_COLUMNS, dtype=object), rejects


class _Event(NamedTuple):
    user: str
    item: str
    kind: str
    event_id: str | None
    at: datetime | None
    seq: int | None
    value: float | None


def _validate(
    row: dict[str, Any],
    user: str | None,
    item: str | None,
    kind: str | None,
    event_id: str | None,
    at: datetime | _Bad | None,
    seq: int | _Bad | None,
    value: float | _Bad | None,
) -> _Event | str:
    """The event with parsed fields, or why the row is refused (unknown items come later)."""
    if user is None:
        return "missing user id" if is_missing(row["user_id"]) else "bad user id"
    if item is None:
        return "missing item id" if is_missing(row["item_id"]) else "bad item id"
    if kind is None:
        return "missing type" if is_missing(row["type"]) else "unknown type"
    if event_id is None and not is_missing(row["event_id"]):
        return "bad event id"
    if isinstance(at, _Bad):
        return "bad timestamp"
    if isinstance(seq, _Bad):
        return "bad seq"
    problem = _value_problem(kind, value)
    if problem is not None:
        return problem
    # a value that is not a number, on a type that has no use for values, is dropped
    return _Event(user, item, kind, event_id, at, seq, None if isinstance(value, _Bad) else value)


class EventChunker:
    """Cuts the stream of kept events into chunks of ``size`` events, in input order.

    Chunk boundaries depend only on the kept events and ``size``, so a re-run or a resumed run
    of the same input cuts the same chunks and the ledger skips those already applied.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._pending = pd.DataFrame(columns=KEPT_COLUMNS, dtype=object)

    def add(self, kept: pd.DataFrame) -> Iterator[EventChunk]:
        """Chunks completed by ``kept``; the rest waits for the next call or :meth:`flush`."""
        if kept.empty:
            return
        pending = kept if self._pending.empty else pd.concat([self._pending, kept])
        start = 0
        while len(pending) - start >= self.size:
            yield make_chunk(pending.iloc[start : start + self.size])
            start += self.size
        self._pending = pending.iloc[start:]

    def flush(self) -> Iterator[EventChunk]:
        """The last, shorter chunk, if any events wait."""
        if not self._pending.empty:
            yield make_chunk(self._pending)
            self._pending = self._pending.iloc[0:0]


def make_chunk(events: pd.DataFrame) -> EventChunk:
    """One chunk: exact duplicates within it dropped (counted), rows grouped per edge."""
    keys = np.asarray(events["key"].tolist(), dtype=np.int64)
    first = ~pd.Series(keys).duplicated().to_numpy()
    chunk_id = hashlib.sha256(keys.tobytes()).hexdigest()[:32]
    edges: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for keep, key, user, item, rel, at, seq, value in zip(
        first,
        keys.tolist(),
        events["user"].tolist(),
        events["item"].tolist(),
        events["rel"].tolist(),
        events["at"].tolist(),
        events["seq"].tolist(),
        events["value"].tolist(),
        strict=True,
    ):
        if keep:
            edges.setdefault((rel, user, item), []).append(
                {"k": key, "at": at, "s": seq, "v": value}
            )
    rows: dict[str, list[dict[str, Any]]] = {}
    for (rel, user, item), evs in edges.items():
        rows.setdefault(rel, []).append({"user": user, "item": item, "events": evs})
    return EventChunk(
        id=chunk_id, events=int(first.sum()), duplicates=int((~first).sum()), rows=rows
    )
