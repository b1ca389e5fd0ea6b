"""Events an app sends while users shop: validated like an ingest, written exactly once, and
reflected at once in the users' interest profiles and embeddings.

The events go through the ingest's own cleaner (the same checks, pseudonyms and event keys), so
an event sent live and later found in a bulk export of the same shop is one event, not two. A
request is all or nothing: one bad event refuses the request with every problem listed, so a
client can fix and re-send it whole; re-sending events already recorded is a no-op.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from neo4j import Driver

from interestgraph.errors import BadInput, NotTrained
from interestgraph.ingest import writer
from interestgraph.ingest.events import EventCleaner, make_chunk
from interestgraph.ingest.source import EVENT_COLUMNS, LINE_COLUMN, SOURCE_COLUMN
from interestgraph.interests.profiles import InterestConfig, newest_event, refresh_interests
from interestgraph.serving.fold_in import fold_in_user

EVENTS_SOURCE = "events"
NEWEST_EVENT_TTL_S = 600.0


@dataclass(frozen=True)
class LiveEvent:
    """One event as a client sends it: its own event id, the shop's user id, an item id, an
    event type of ingest/source.py's EVENT_TYPES, and optionally a time (when it was received
    if none) and a value (quantity or rating)."""

    event_id: str
    user_id: str
    item_id: str
    type: str
    at: datetime | None = None
    value: float | None = None


@dataclass(frozen=True)
class RecordResult:
    """``recorded`` new events and ``duplicates`` already stored, of ``received``; the users'
    pseudonyms in the order first sent, and how many of them were folded in."""

    received: int
    recorded: int
    duplicates: int
    users: list[str]
    folded_in: int


class NewestEventClock:
    """The newest event time interest decay counts back from, read from the graph once in a
    while instead of on every request (the read scans every behaviour edge) and moved forward by
    the events recorded meanwhile."""

    def __init__(self, ttl_s: float = NEWEST_EVENT_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._newest: datetime | None = None
        self._read_at = -float("inf")

    def newest(self, driver: Driver, recorded: Sequence[datetime | None]) -> datetime | None:
        with self._lock:
            if time.monotonic() - self._read_at > self.ttl_s:
                self._newest, self._read_at = newest_event(driver), time.monotonic()
            for at in recorded:
                if at is not None and (self._newest is None or at > self._newest):
                    self._newest = at
            return self._newest


def record_events(
    driver: Driver,
    events: Sequence[LiveEvent],
    *,
    pseudonym: Callable[[str], str],
    interests: InterestConfig,
    clock: NewestEventClock,
) -> RecordResult:
    """Validate, write, then refresh the interests of and fold in every user with new events.

    Raises:
        BadInput: any event is invalid (nothing is written then); the message lists each.
        DatabaseUnavailable: Neo4j went away.
    """
    if not events:
        raise BadInput("no events given")
    frame = pd.DataFrame(
        [
            {
                "event_id": e.event_id,
                "user_id": e.user_id,
                "item_id": e.item_id,
                "type": e.type,
                "timestamp": e.at,
                "seq": None,
                "value": e.value,
                SOURCE_COLUMN: EVENTS_SOURCE,
                LINE_COLUMN: n,
            }
            for n, e in enumerate(events)
        ],
        columns=[*EVENT_COLUMNS, SOURCE_COLUMN, LINE_COLUMN],
        dtype=object,
    )
    cleaner = EventCleaner(pseudonym, lambda ids: writer.known_items(driver, ids))
    kept, rejects = cleaner.clean(frame)
    if rejects:
        problems = "; ".join(f"events[{r.line}]: {r.reason}" for r in rejects)
        raise BadInput(f"{len(rejects)} of {len(events)} events refused, none recorded: {problems}")
    # An event sent without a time happened when it was received: timeless, it sorted last in
    # the user's history instead of first (a newcomer's recordEvents found it). Its key is taken
    # as sent, so a re-send of it stays a duplicate.
    received = datetime.now(UTC)
    kept = kept.assign(at=[received if t is None or pd.isna(t) else t for t in kept["at"]])
    result = writer.apply_live_events(driver, make_chunk(kept))
    users = list(dict.fromkeys(kept["user"]))
    touched = [u for u in users if u in result.touched]
    folded = 0
    if touched:
        at = [t.astimezone(UTC) if t is not None else None for t in kept["at"]]
        refresh_interests(driver, touched, config=interests, newest=clock.newest(driver, at))
        for user in touched:
            try:
                fold_in_user(driver, user)
            except NotTrained:
                continue  # no model yet, or none of its items has a vector: nothing to fold
            folded += 1
    return RecordResult(
        received=len(events),
        recorded=result.applied,
        duplicates=len(events) - result.applied,
        users=users,
        folded_in=folded,
    )
