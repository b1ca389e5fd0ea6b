"""Counts the load benchmark's events in Neo4j: every event sent must be stored exactly once.

The events go to users made up for the run (``bench-<run>-<k>``), so everything on their edges
came from the run. Each event is found by the key the server gives it: the sent fields go
through the ingest's own ``EventCleaner`` (as ``recordEvents`` does: value normalisation,
pseudonym, ``event_key``), so a change of the key's formula changes both sides; stored keys
that match no sent event would show a key computed some other way. Deleting the users
afterwards leaves the benchmark graph as it was for the other benchmarks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from neo4j import Driver, RoutingControl

from interestgraph.ingest.events import EventCleaner
from interestgraph.ingest.source import EVENT_COLUMNS, LINE_COLUMN, SOURCE_COLUMN
from interestgraph.privacy import Pseudonymizer

STORED_KEYS_QUERY = """
UNWIND $users AS user_id
MATCH (:User {id: user_id})-[r]->(:Item)
WHERE r.event_keys IS NOT NULL
RETURN r.event_keys AS keys, r.count AS count
"""
DELETE_USERS_QUERY = """
UNWIND $users AS user_id
MATCH (u:User {id: user_id})
DETACH DELETE u
"""


@dataclass(frozen=True)
class EventCount:
    """Sent events (distinct ids) against what their users' edges hold.

    ``answered``: events of writes whose answer came back without errors; an event the load
    generator gave up on (in flight at the end, timed out) may or may not be stored, and is
    counted apart. ``lost``: answered events not stored; ``duplicated``: events stored more than
    once; ``unexpected``: stored keys of no sent event; ``count_mismatches``: edges whose
    ``count`` differs from their number of keys.
    """

    sent: int
    answered: int
    in_db: int
    lost: int
    duplicated: int
    unanswered: int
    unanswered_in_db: int
    unexpected: int
    count_mismatches: int

    def metrics(self, prefix: str) -> dict[str, float | int | str]:
        return {
            f"{prefix}.events_sent": self.sent,
            f"{prefix}.events_answered": self.answered,
            f"{prefix}.events_in_db": self.in_db,
            f"{prefix}.events_lost": self.lost,
            f"{prefix}.events_duplicated": self.duplicated,
            f"{prefix}.events_unanswered": self.unanswered,
            f"{prefix}.events_unanswered_in_db": self.unanswered_in_db,
            f"{prefix}.events_unexpected": self.unexpected,
            f"{prefix}.edge_count_mismatches": self.count_mismatches,
        }


def expected_keys(events: Sequence[dict[str, Any]], pseudonymizer: Pseudonymizer) -> list[int]:
    """The key the server stores for each sent event (the load generator's JSON fields), made
    by the cleaner ``recordEvents`` runs, from the values GraphQL hands it (a datetime, a
    float)."""
    frame = pd.DataFrame(
        [
            {
                "event_id": str(e["id"]),
                "user_id": str(e["userId"]),
                "item_id": str(e["itemId"]),
                "type": str(e["type"]).lower(),
                "timestamp": datetime.fromisoformat(e["at"]) if e.get("at") else None,
                "seq": None,
                "value": float(e["value"]) if e.get("value") is not None else None,
                SOURCE_COLUMN: "api-load",
                LINE_COLUMN: n,
            }
            for n, e in enumerate(events)
        ],
        columns=[*EVENT_COLUMNS, SOURCE_COLUMN, LINE_COLUMN],
        dtype=object,
    )
    kept, rejects = EventCleaner(pseudonymizer.user_id, set).clean(frame)
    if rejects:
        raise ValueError(f"the load generator sent events ingest refuses: {rejects[:3]}")
    return [int(key) for key in kept["key"]]


def count_events(
    driver: Driver,
    events: Sequence[dict[str, Any]],
    users: Sequence[str],
    pseudonymizer: Pseudonymizer,
) -> EventCount:
    """Look every sent event up among the keys stored on ``users``' (shop ids) edges."""
    ids = Counter(str(e["id"]) for e in events)
    if len(ids) != len(events):
        raise ValueError("the load generator sent two events under one id")
    records = driver.execute_query(
        STORED_KEYS_QUERY,
        users=[pseudonymizer.user_id(u) for u in users],
        routing_=RoutingControl.READ,
    ).records
    stored: Counter[int] = Counter()
    mismatches = 0
    for record in records:
        stored.update(record["keys"])
        mismatches += int(record["count"] != len(record["keys"]))
    keys = expected_keys(events, pseudonymizer) if events else []
    answered = [bool(e["answered"]) for e in events]
    copies = [stored[k] for k in keys]
    return EventCount(
        sent=len(events),
        answered=sum(answered),
        in_db=sum(c > 0 for c in copies),
        lost=sum(a and c == 0 for a, c in zip(answered, copies, strict=True)),
        duplicated=sum(c > 1 for c in copies),
        unanswered=sum(not a for a in answered),
        unanswered_in_db=sum(not a and c > 0 for a, c in zip(answered, copies, strict=True)),
        unexpected=sum(stored.values()) - sum(copies),
        count_mismatches=mismatches,
    )


def delete_users(driver: Driver, users: Sequence[str], pseudonymizer: Pseudonymizer) -> None:
    """Remove the run's made-up users and everything on them."""
    driver.execute_query(DELETE_USERS_QUERY, users=[pseudonymizer.user_id(u) for u in users])
