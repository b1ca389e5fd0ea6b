"""Hostile input against the API on the real Neo4j: an injection corpus in every id and input
changes nothing it should not, and property-based fuzzing of the whole schema (valid and
invalid operations) never gets a server error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_shop import SHOP, codes, run_graphql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, nodes
from neo4j import Driver

from graph_builder import pseudonym, vector_indexes, write_graph
from interestgraph.api.schema import print_sdl
from interestgraph.config import Settings
from interestgraph.interests import refresh_interests

pytestmark = pytest.mark.integration

CORPUS = [
    "alice' OR 1=1 --",
    'alice"}) MATCH (n) DETACH DELETE n //',
    "}",
    "//",
    "MATCH (n) DETACH DELETE n",
    "') DETACH DELETE n WITH 1 AS x MATCH (m) DELETE m //",
    "$user_id",
    "`Item`",
    "\\u0027; CALL db.clearQueryCaches() //",
    "i01\u0000",
    "i01\u200b",  # zero-width space
    "\u202ei01",  # right-to-left override
    "ｉ０１",  # fullwidth look-alike of i01
    "Makeup > Nails",  # a real category id where an item id goes
    "e\u0301",  # combining accent (NFD)
    "😀" * 40,
    "x" * 5000,
    "",
    " ",
]

FINGERPRINT_QUERY = """
MATCH (n)
WITH n ORDER BY elementId(n)
WITH collect([labels(n), properties(n).id, size(keys(n))]) AS nodes
CALL () {
  MATCH ()-[r]->()
  WITH r ORDER BY elementId(r)
  RETURN collect([type(r), size(keys(r))]) AS rels
}
RETURN nodes, rels
"""


@pytest.fixture(scope="module")
def shop(neo4j_driver: Driver) -> Iterator[Driver]:
    with neo4j_driver.session() as session:
        session.run("MATCH (n) DETACH DELETE n").consume()
    with vector_indexes(neo4j_driver):
        write_graph(neo4j_driver, SHOP)
        refresh_interests(neo4j_driver)
        yield neo4j_driver


def _fingerprint(driver: Driver) -> Any:
    records, _, _ = driver.execute_query(FINGERPRINT_QUERY)
    return records[0]["nodes"], records[0]["rels"]


READS = [
    ("query($s: ID!) { user(id: $s) { id } }", "s"),
    ("query($s: ID!) { item(id: $s) { id brand { id } } }", "s"),
    ("query($s: ID!) { category(id: $s) { items(first: 3) { totalCount } } }", "s"),
    ("query($s: ID!) { segment(id: $s) { label } }", "s"),
    ('query($s: String) { user(id: "alice") { history(after: $s) { totalCount } } }', "s"),
    ("query($s: String) { segments(after: $s) { totalCount } }", "s"),
    (
        'query($s: ID) { user(id: "alice") { recommendations(filter: {category: $s}) { score } } }',
        "s",
    ),
    ('query($s: ID) { item(id: "i01") { similar(filter: {brand: $s}) { score } } }', "s"),
    ("query($s: ID!) { user(id: $s) { interests { id } segment { id } } }", "s"),
]


@pytest.mark.parametrize("hostile", CORPUS, ids=range(len(CORPUS)))
def test_hostile_ids_in_reads_and_forget_change_nothing(
    shop: Driver, neo4j_settings: Settings, hostile: str
) -> None:
    before = _fingerprint(shop)

    for query, name in READS:
        _, errors = run_graphql(shop, neo4j_settings, query, {name: hostile})
        assert "INTERNAL" not in codes(errors), (query, errors)
    _, errors = run_graphql(
        shop,
        neo4j_settings,
        "mutation($s: ID!) { forgetUser(id: $s) { nodesRemoved } }",
        {"s": hostile},
    )

    assert codes(errors) in (["NOT_FOUND"], ["BAD_INPUT"])
    assert _fingerprint(shop) == before


@pytest.mark.parametrize("hostile", CORPUS, ids=range(len(CORPUS)))
def test_hostile_event_fields_store_only_the_event(
    shop: Driver, neo4j_settings: Settings, hostile: str
) -> None:
    mutation = "mutation($e: [EventInput!]!) { recordEvents(events: $e) { recorded } }"
    before = _fingerprint(shop)

    _, item_errors = run_graphql(
        shop,
        neo4j_settings,
        mutation,
        {"e": [{"id": "ev", "userId": "alice", "itemId": hostile, "type": "VIEW"}]},
    )
    after_item = _fingerprint(shop)
    data, errors = run_graphql(
        shop,
        neo4j_settings,
        mutation,
        {"e": [{"id": hostile, "userId": hostile, "itemId": "i01", "type": "VIEW"}]},
    )

    assert codes(item_errors) == ["BAD_INPUT"] and after_item == before
    if errors:  # refused as a whole: blank, too long or control characters
        assert codes(errors) == ["BAD_INPUT"] and _fingerprint(shop) == before
        return
    assert data == {"recordEvents": {"recorded": 1}}
    raw, _, _ = shop.execute_query(
        "MATCH (n) WHERE NOT n:Category AND any(k IN keys(n) WHERE n[k] = $raw)"
        " RETURN count(n) AS n",
        raw=hostile.strip(),
    )
    viewed, _, _ = shop.execute_query(
        "RETURN COUNT { (:User {id: $user})-[:VIEWED]->(:Item {id: 'i01'}) } AS n",
        user=pseudonym(hostile),
    )
    assert raw[0]["n"] == 0, "the shop's raw user id must never be stored"
    assert viewed[0]["n"] == 1
    nodes_before, _ = before
    nodes_after, _ = _fingerprint(shop)
    assert len(nodes_after) == len(nodes_before) + 1  # the new user, nothing else
    run_graphql(
        shop,
        neo4j_settings,
        "mutation($s: ID!) { forgetUser(id: $s) { nodesRemoved } }",
        {"s": hostile},
    )


DATE_TIMES = st.sampled_from(
    ["2026-12-01T10:00:00Z", "2026-12-01", "not a date", "", "1969-12-31T23:59:59Z", "99999"]
).map(lambda text: nodes.String(text))


@pytest.mark.parametrize("mode", [Mode.POSITIVE, Mode.NEGATIVE])
def test_fuzzed_operations_never_get_a_server_error(
    shop: Driver, neo4j_settings: Settings, mode: Mode
) -> None:
    strategy = from_schema(print_sdl(), mode=mode, custom_scalars={"DateTime": DATE_TIMES})

    @settings(
        max_examples=120,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(operation=strategy)
    def check(operation: str) -> None:
        data, errors = run_graphql(shop, neo4j_settings, operation)
        assert "INTERNAL" not in codes(errors), (operation, errors)
        assert all(code for code in codes(errors)), (operation, errors)
        assert data is not None or errors

    check()
