"""Live events written concurrently: none lost, none doubled (the per-user write lock)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from api_shop import SHOP
from neo4j import Driver

from graph_builder import TEST_PSEUDONYMIZER, pseudonym, write_graph
from interestgraph.db.schema import apply_schema
from interestgraph.interests.profiles import InterestConfig
from interestgraph.serving.live_events import LiveEvent, NewestEventClock, record_events

pytestmark = pytest.mark.integration


def test_concurrent_requests_on_one_edge_keep_every_event_once(empty_db: Driver) -> None:
    apply_schema(empty_db)  # the unique user id, as on every real graph
    write_graph(empty_db, SHOP)
    clock = NewestEventClock()
    requests = [
        [LiveEvent(f"r{r}-e{e}", "kim", "i03", "view") for e in range(5)]
        + [LiveEvent(f"r{r}-p{e}", "kim", "i04", "purchase", value=1) for e in range(2)]
        for r in range(12)
    ]
    resent = requests[:4]  # exact re-sends race with their originals

    def send(events: list[LiveEvent]) -> int:
        result = record_events(
            empty_db,
            events,
            pseudonym=TEST_PSEUDONYMIZER.user_id,
            interests=InterestConfig(),
            clock=clock,
        )
        return result.recorded

    with ThreadPoolExecutor(max_workers=8) as pool:
        recorded = sum(pool.map(send, requests + resent))

    records, _, _ = empty_db.execute_query(
        """
        MATCH (:User {id: $user})-[r]->(i:Item)
        RETURN i.id AS item, r.count AS count, size(r.event_keys) AS keys,
               size(COLLECT { UNWIND r.event_keys AS k RETURN DISTINCT k }) AS distinct_keys,
               r.quantity AS quantity
        ORDER BY item
        """,
        user=pseudonym("kim"),
    )
    assert recorded == 12 * 7
    stored = [
        (r["item"], r["count"], r["keys"], r["distinct_keys"], r["quantity"]) for r in records
    ]
    assert stored == [("i03", 60, 60, 60, None), ("i04", 24, 24, 24, 24)]


def test_an_event_sent_without_a_time_is_stored_as_received(empty_db: Driver) -> None:
    apply_schema(empty_db)
    write_graph(empty_db, SHOP)
    before = datetime.now(UTC)

    record_events(
        empty_db,
        [LiveEvent("now-1", "kim", "i05", "view")],
        pseudonym=TEST_PSEUDONYMIZER.user_id,
        interests=InterestConfig(),
        clock=NewestEventClock(),
    )

    records, _, _ = empty_db.execute_query(
        "MATCH (:User {id: $user})-[r:VIEWED]->(:Item {id: 'i05'}) RETURN r.first_at AS first, "
        "r.last_at AS last",
        user=pseudonym("kim"),
    )
    first, last = records[0]["first"].to_native(), records[0]["last"].to_native()
    assert first == last
    assert before <= first <= datetime.now(UTC)
