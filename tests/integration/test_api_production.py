"""The production API in process against the real Neo4j: batching, live events, forgetting,
keys and scopes, limits, introspection, pages."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from api_shop import SHOP, codes, run_graphql
from neo4j import Driver
from pydantic import SecretStr

from graph_builder import pseudonym, vector_indexes, write_graph
from interestgraph.api.access import ApiKeys
from interestgraph.api.policy import Limits
from interestgraph.config import Settings
from interestgraph.interests import refresh_interests
from recording_driver import RecordingDriver

pytestmark = pytest.mark.integration

NESTED = """
fragment U on User {
  interests(first: 3) { id score }
  segment { id }
  history(first: 5) { totalCount edges { node { type count item { id brand { id } } } } }
  recommendations(first: 4) {
    score reason
    item { id brand { id } categories { id } similar(first: 2) { score item { id } } }
  }
}
"""


@pytest.fixture(scope="module")
def shop(neo4j_driver: Driver) -> Any:
    with neo4j_driver.session() as session:
        session.run("MATCH (n) DETACH DELETE n").consume()
    with vector_indexes(neo4j_driver):
        write_graph(neo4j_driver, SHOP)
        refresh_interests(neo4j_driver)
        yield neo4j_driver


def _nested_query(users: list[str]) -> str:
    fields = "\n".join(f'u{n}: user(id: "{u}") {{ ...U }}' for n, u in enumerate(users))
    return "query {\n" + fields + "\n}\n" + NESTED


def test_nested_request_sends_as_many_queries_for_three_users_as_for_one(
    shop: Driver, neo4j_settings: Settings
) -> None:
    run_graphql(shop, neo4j_settings, _nested_query(["alice"]))  # loads the item vectors once
    one, three = RecordingDriver(shop), RecordingDriver(shop)

    data_one, errors_one = run_graphql(one, neo4j_settings, _nested_query(["alice"]))
    data_three, errors_three = run_graphql(
        three, neo4j_settings, _nested_query(["alice", "carol", "dave"])
    )

    assert errors_one == [] and errors_three == []
    assert data_three is not None and data_one is not None
    assert data_three["u0"] == data_one["u0"]
    recommended = sum(len(data_three[f"u{n}"]["recommendations"]) for n in range(3))
    assert recommended == 12  # 12 items, each with brand, categories, reason and similar items
    assert Counter(three.queries) == Counter(one.queries)
    assert len(one.queries) <= 10, one.queries


def test_record_events_is_idempotent_and_reflected_at_once(
    shop: Driver, neo4j_settings: Settings
) -> None:
    mutation = """
    mutation($events: [EventInput!]!) {
      recordEvents(events: $events) {
        received recorded duplicates foldedIn
        users { id interests(first: 5) { id } recommendations(first: 30) { item { id } } }
      }
    }
    """
    events = [
        {"id": "ev-1", "userId": "zoe", "itemId": "i05", "type": "VIEW"},
        {
            "id": "ev-2",
            "userId": "zoe",
            "itemId": "i06",
            "type": "PURCHASE",
            "value": 2,
            "at": "2026-12-01T10:00:00Z",
        },
        {"id": "ev-3", "userId": "zoe", "itemId": "i07", "type": "RATE", "value": 4},
    ]

    data, errors = run_graphql(shop, neo4j_settings, mutation, {"events": events})

    assert errors == []
    assert data is not None
    payload = data["recordEvents"]
    assert (payload["received"], payload["recorded"], payload["duplicates"]) == (3, 3, 0)
    assert payload["foldedIn"] == 1
    (zoe,) = payload["users"]
    assert zoe["id"] == "zoe"
    assert zoe["interests"], "the new user's interest profile was built"
    recommended = {r["item"]["id"] for r in zoe["recommendations"]}
    assert recommended and not recommended & {"i05", "i06", "i07"}

    again, errors = run_graphql(shop, neo4j_settings, mutation, {"events": events})

    assert errors == []
    assert again is not None
    assert (again["recordEvents"]["recorded"], again["recordEvents"]["duplicates"]) == (0, 3)
    records, _, _ = shop.execute_query(
        """
        MATCH (:User {id: $user})-[r]->(i:Item)
        RETURN type(r) AS type, i.id AS item, size(r.event_keys) AS events, r.quantity AS q
        ORDER BY item
        """,
        user=pseudonym("zoe"),
    )
    stored = [(r["type"], r["item"], r["events"], r["q"]) for r in records]
    assert stored == [
        ("VIEWED", "i05", 1, None),
        ("PURCHASED", "i06", 1, 2),
        ("RATED", "i07", 1, None),
    ]


def test_one_bad_event_refuses_the_call_and_records_nothing(
    shop: Driver, neo4j_settings: Settings
) -> None:
    mutation = "mutation($e: [EventInput!]!) { recordEvents(events: $e) { recorded } }"
    events = [
        {"id": "ok-1", "userId": "yan", "itemId": "i03", "type": "VIEW"},
        {"id": "bad-1", "userId": "yan", "itemId": "no-such-item", "type": "VIEW"},
        {"id": "bad-2", "userId": "yan", "itemId": "i04", "type": "RATE", "value": 9},
    ]

    data, errors = run_graphql(shop, neo4j_settings, mutation, {"e": events})

    assert data is None
    assert codes(errors) == ["BAD_INPUT"]
    assert "events[1]: unknown item" in errors[0]["message"]
    assert "events[2]: bad rating" in errors[0]["message"]
    records, _, _ = shop.execute_query(
        "MATCH (u:User {id: $u}) RETURN count(u) AS n", u=pseudonym("yan")
    )
    assert records[0]["n"] == 0


def test_too_many_events_in_one_call_is_bad_input(shop: Driver, neo4j_settings: Settings) -> None:
    settings = neo4j_settings.model_copy(update={"api_max_events": 2})
    events = [{"id": f"e{n}", "userId": "yan", "itemId": "i03", "type": "VIEW"} for n in range(3)]

    _, errors = run_graphql(
        shop,
        settings,
        "mutation($e: [EventInput!]!) { recordEvents(events: $e) { recorded } }",
        {"e": events},
    )

    assert codes(errors) == ["BAD_INPUT"]
    assert "at most 2 events" in errors[0]["message"]


def test_forget_user_removes_them_and_then_is_not_found(
    shop: Driver, neo4j_settings: Settings
) -> None:
    record = (
        'mutation { recordEvents(events: [{id: "f1", userId: "fay", itemId: "i02", type: VIEW}])'
        " { recorded } }"
    )
    forget = 'mutation { forgetUser(id: "fay") { nodesRemoved relationshipsRemoved } }'
    assert run_graphql(shop, neo4j_settings, record)[1] == []

    data, errors = run_graphql(shop, neo4j_settings, forget)
    again, errors_again = run_graphql(shop, neo4j_settings, forget)

    assert errors == []
    assert data is not None and data["forgetUser"]["nodesRemoved"] == 1
    assert data["forgetUser"]["relationshipsRemoved"] >= 2  # the view and its interests
    assert again is None and codes(errors_again) == ["NOT_FOUND"]
    assert (
        "fay" in errors_again[0]["message"] and pseudonym("fay") not in errors_again[0]["message"]
    )


def _keyed(neo4j_settings: Settings) -> ApiKeys:
    return ApiKeys.from_settings(
        neo4j_settings.model_copy(
            update={
                "api_keys": SecretStr(
                    "app:read:read-secret-0123456789,ops:write:write-secret-0123456789"
                )
            }
        )
    )


@pytest.mark.parametrize(
    ("key", "operation", "code"),
    [
        (None, '{ user(id: "alice") { id } }', "UNAUTHENTICATED"),
        ("wrong-secret-0123456789", '{ user(id: "alice") { id } }', "UNAUTHENTICATED"),
        (
            "read-secret-0123456789",
            'mutation { forgetUser(id: "alice") { nodesRemoved } }',
            "FORBIDDEN",
        ),
        (None, 'mutation { forgetUser(id: "alice") { nodesRemoved } }', "UNAUTHENTICATED"),
    ],
)
def test_keys_and_scopes_refuse_before_anything_runs(
    shop: Driver, neo4j_settings: Settings, key: str | None, operation: str, code: str
) -> None:
    counting = RecordingDriver(shop)

    data, errors = run_graphql(
        counting, neo4j_settings, operation, access=_keyed(neo4j_settings).authenticate(key)
    )

    assert data is None and codes(errors) == [code]
    assert counting.queries == []
    assert "secret" not in errors[0]["message"]


def test_a_read_key_reads_and_a_write_key_writes(shop: Driver, neo4j_settings: Settings) -> None:
    keys = _keyed(neo4j_settings)

    read, read_errors = run_graphql(
        shop,
        neo4j_settings,
        '{ user(id: "alice") { id } }',
        access=keys.authenticate("read-secret-0123456789"),
    )
    _, write_errors = run_graphql(
        shop,
        neo4j_settings,
        'mutation { forgetUser(id: "nobody-at-all") { nodesRemoved } }',
        access=keys.authenticate("write-secret-0123456789"),
    )

    assert read_errors == [] and read == {"user": {"id": "alice"}}
    assert codes(write_errors) == ["NOT_FOUND"]  # allowed to try; there is no such user


def test_deep_and_costly_queries_are_too_complex(shop: Driver, neo4j_settings: Settings) -> None:
    deep = (
        '{ user(id: "alice") { recommendations { item { similar { item { similar { item {'
        " similar { item { categories { id } } } } } } } } } } }"
    )
    costly = """
    query($n: Int!) { user(id: "alice") { recommendations(first: $n) {
      item { similar(first: $n) { item { similar(first: $n) { score } } } } } } }
    """
    limits = Limits(max_depth=8, max_cost=5000)

    _, deep_errors = run_graphql(shop, neo4j_settings, deep, limits=limits)
    _, costly_errors = run_graphql(shop, neo4j_settings, costly, {"n": 50}, limits=limits)
    cheap, cheap_errors = run_graphql(shop, neo4j_settings, costly, {"n": 2}, limits=limits)

    assert codes(deep_errors) == ["TOO_COMPLEX"] and "nests 11" in deep_errors[0]["message"]
    assert codes(costly_errors) == ["TOO_COMPLEX"]
    assert cheap_errors == [] and cheap is not None


def test_first_above_the_maximum_is_bad_input(shop: Driver, neo4j_settings: Settings) -> None:
    _, errors = run_graphql(
        shop, neo4j_settings, '{ user(id: "alice") { history(first: 101) { totalCount } } }'
    )

    assert codes(errors) == ["BAD_INPUT"]


def test_introspection_can_be_switched_off(shop: Driver, neo4j_settings: Settings) -> None:
    query = "{ __schema { queryType { name } } }"

    on, on_errors = run_graphql(shop, neo4j_settings, query)
    off, off_errors = run_graphql(shop, neo4j_settings, query, introspection=False)

    assert on_errors == [] and on == {"__schema": {"queryType": {"name": "Query"}}}
    assert off is None and set(codes(off_errors)) == {"BAD_INPUT"}
    assert "introspection" in off_errors[0]["message"].lower()


def _all_pages(
    shop: Driver, settings: Settings, query: str, path: list[str], **variables: Any
) -> tuple[list[Any], int]:
    nodes: list[Any] = []
    after = None
    total = -1
    for _ in range(50):
        data, errors = run_graphql(shop, settings, query, {**variables, "after": after})
        assert errors == []
        connection: Any = data
        for key in path:
            connection = connection[key]
        total = connection["totalCount"]
        nodes += [edge["node"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return nodes, total
        after = connection["pageInfo"]["endCursor"]
    raise AssertionError("paging did not end")


def test_category_items_page_through_the_whole_subtree_once(
    shop: Driver, neo4j_settings: Settings
) -> None:
    query = """
    query($id: ID!, $after: String) { category(id: $id) {
      items(first: 4, after: $after) { totalCount pageInfo { hasNextPage endCursor }
        edges { node { id } } } } }
    """

    nodes, total = _all_pages(shop, neo4j_settings, query, ["category", "items"], id="Makeup")

    ids = [n["id"] for n in nodes]
    expected = sorted(i for n, i in enumerate(SHOP.items) if n % 3 in (0, 1))
    assert ids == expected and total == len(expected) == 20


def test_history_pages_latest_first_and_refuses_forged_cursors(
    shop: Driver, neo4j_settings: Settings
) -> None:
    query = """
    query($after: String) { user(id: "dave") {
      history(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor }
        edges { node { type item { id } } } } } }
    """

    nodes, total = _all_pages(shop, neo4j_settings, query, ["user", "history"])
    _, errors = run_graphql(shop, neo4j_settings, query, {"after": "bm90LWEtY3Vyc29y"})

    assert total == 3 and sorted(n["item"]["id"] for n in nodes) == ["i20", "i21", "i22"]
    assert {n["type"] for n in nodes} == {"PURCHASE"}
    assert codes(errors) == ["BAD_INPUT"]


def test_unknown_category_is_not_found(shop: Driver, neo4j_settings: Settings) -> None:
    data, errors = run_graphql(shop, neo4j_settings, '{ category(id: "Nope") { name } }')

    assert data is None and codes(errors) == ["NOT_FOUND"]
