"""The real ASGI app under uvicorn on loopback, against the test Neo4j, queried over HTTP."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from neo4j import Driver

import interestgraph.api.app as app_module
from graph_builder import GraphSpec, pseudonym, vector_indexes, write_graph
from interestgraph.api.app import create_app
from interestgraph.config import Settings
from interestgraph.db.connection import connect
from interestgraph.db.server import find_free_port
from interestgraph.interests import refresh_interests
from interestgraph.serving.queries import EXPLAIN_QUERY, ITEM_DETAILS_QUERY
from recording_driver import RecordingDriver

pytestmark = pytest.mark.e2e

LEAVES = [
    ["Makeup", "Nails", "Nail Polish"],
    ["Makeup", "Eyes", "Mascara"],
    ["Skin Care", "Face", "Serum"],
]
ITEMS = {f"e{n:02d}": (math.cos(n / 5) * (1 + n / 30), math.sin(n / 5)) for n in range(30)}
PURCHASED = ["e00", "e01", "e02"]
SPEC = GraphSpec(
    items=ITEMS,
    users={"alice": (1.0, 0.5), "bob": None},  # bob: not trained yet
    purchases={"alice": PURCHASED},
    category_paths=LEAVES,
    item_categories={item: [" > ".join(LEAVES[n % 3])] for n, item in enumerate(ITEMS)},
    brands={"acme": "Acme", "bolt": "Bolt", "zest": "Zest"},
    item_brands={item: ["acme", "bolt", "zest"][n % 3] for n, item in enumerate(ITEMS)},
)


@dataclass
class Api:
    client: httpx.Client
    driver: RecordingDriver

    def query(self, query: str, **variables: Any) -> dict[str, Any]:
        response = self.client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        assert "Traceback" not in response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="module")
def api(neo4j_settings: Settings, neo4j_driver: Driver) -> Iterator[Api]:
    """The app on a free loopback port; its driver (made at start-up) counts queries."""
    drivers: list[RecordingDriver] = []

    def counting_connect(settings: Settings, **options: float) -> RecordingDriver:
        drivers.append(RecordingDriver(connect(settings, **options)))
        return drivers[-1]

    port = find_free_port()
    with pytest.MonkeyPatch.context() as patch, vector_indexes(neo4j_driver):
        patch.setattr(app_module, "connect", counting_connect)
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(neo4j_settings), host="127.0.0.1", port=port, log_level="warning"
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "API did not start"
            time.sleep(0.05)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                yield Api(client, drivers[0])
        finally:
            server.should_exit = True
            thread.join(timeout=30)
    assert not thread.is_alive()
    assert drivers[0].closed  # the lifespan closed the driver at shutdown


@pytest.fixture
def graph(api: Api, empty_db: Driver) -> Api:
    write_graph(empty_db, SPEC)
    refresh_interests(empty_db)
    return api


def test_user_query_returns_interests_and_recommendations(graph: Api) -> None:
    body = graph.query(
        """
        query($id: ID!) {
          user(id: $id) {
            id
            interests(first: 2) { kind id name score evidence lastAt }
            recommendations(first: 5) {
              score
              reason
              path { kind id name }
              item {
                id
                brand { id name }
                categories { id name path }
                similar(first: 2) { score item { id } }
              }
            }
          }
        }
        """,
        id="alice",
    )

    assert "errors" not in body
    user = body["data"]["user"]
    assert user["id"] == "alice"
    # One purchase from each brand and leaf: brands and leaves tie at the top (score 1, by name).
    assert user["interests"] == [
        {
            "kind": "BRAND",
            "id": "acme",
            "name": "Acme",
            "score": 1.0,
            "evidence": 1,
            "lastAt": None,
        },
        {
            "kind": "BRAND",
            "id": "bolt",
            "name": "Bolt",
            "score": 1.0,
            "evidence": 1,
            "lastAt": None,
        },
    ]
    recommendations = user["recommendations"]
    assert len(recommendations) == 5
    assert not {r["item"]["id"] for r in recommendations} & set(PURCHASED)
    scores = [r["score"] for r in recommendations]
    assert scores == sorted(scores, reverse=True)
    for recommendation in recommendations:
        item = recommendation["item"]
        assert item["brand"]["name"] in {"Acme", "Bolt", "Zest"}
        assert len(item["categories"]) == 1
        assert len(item["categories"][0]["path"]) == 3
        assert len(item["similar"]) == 2
        assert item["id"] not in {s["item"]["id"] for s in item["similar"]}
        # Every item shares a brand and a top category with one of alice's three purchases.
        path = recommendation["path"]
        assert path[0] == {"kind": "USER", "id": "alice", "name": "alice"}
        assert path[1]["id"] in PURCHASED
        assert path[-1]["id"] == item["id"]
        assert pseudonym("alice") not in recommendation["reason"]
        assert path[2]["name"] in recommendation["reason"]


def test_graph_holds_pseudonyms_and_the_api_answers_with_the_shop_id(graph: Api) -> None:
    records, _, _ = graph.driver.driver.execute_query("MATCH (u:User) RETURN u.id AS id")
    assert sorted(r["id"] for r in records) == sorted([pseudonym("alice"), pseudonym("bob")])

    body = graph.query("query($id: ID!) { user(id: $id) { id } }", id="alice")

    assert body == {"data": {"user": {"id": "alice"}}}


def test_errors_name_the_shop_id_not_the_pseudonym(graph: Api) -> None:
    body = graph.query('{ user(id: "bob") { id recommendations { score } } }')

    assert body["errors"][0]["extensions"] == {"code": "NOT_READY"}
    assert "'bob'" in body["errors"][0]["message"]
    assert pseudonym("bob") not in str(body)


def test_item_query_returns_brand_and_categories(graph: Api) -> None:
    body = graph.query('{ item(id: "e04") { id brand { name } categories { id path } } }')

    assert body == {
        "data": {
            "item": {
                "id": "e04",
                "brand": {"name": "Bolt"},
                "categories": [
                    {"id": "Makeup > Eyes > Mascara", "path": ["Makeup", "Eyes", "Mascara"]}
                ],
            }
        }
    }


def test_unknown_user_is_not_found(graph: Api) -> None:
    body = graph.query('{ user(id: "nobody") { id recommendations { score } } }')

    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND"}
    assert body["errors"][0]["message"] == "no user with id 'nobody'"


def test_first_zero_is_bad_input(graph: Api) -> None:
    body = graph.query('{ user(id: "alice") { recommendations(first: 0) { score } } }')

    assert body["errors"][0]["extensions"] == {"code": "BAD_INPUT"}
    assert "between 1 and 100" in body["errors"][0]["message"]


def test_recommendation_details_are_fetched_in_one_batched_query(graph: Api) -> None:
    graph.driver.queries.clear()

    body = graph.query(
        """
        { user(id: "alice") {
            recommendations(first: 20) { item { brand { name } categories { name } } } } }
        """
    )

    assert "errors" not in body
    assert len(body["data"]["user"]["recommendations"]) == 20
    assert graph.driver.queries.count(ITEM_DETAILS_QUERY) == 1
    # get_user, recommend_items' one read, the load of this graph's new model's item vectors,
    # the one details query: no query per item
    assert len(graph.driver.queries) == 4


def test_explanations_are_fetched_in_one_batched_query(graph: Api) -> None:
    graph.driver.queries.clear()

    body = graph.query(
        '{ user(id: "alice") { recommendations(first: 20) { reason path { id } } } }'
    )

    assert "errors" not in body
    assert all(r["reason"] and r["path"] for r in body["data"]["user"]["recommendations"])
    assert graph.driver.queries.count(EXPLAIN_QUERY) == 1
    assert len(graph.driver.queries) == 4


def test_graphiql_is_served(api: Api) -> None:
    response = api.client.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_healthz(api: Api) -> None:
    response = api.client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_filtered_recommendations_over_http(graph: Api) -> None:
    body = graph.query(
        """
        query($filter: ItemFilter) {
          user(id: "alice") {
            recommendations(first: 4, filter: $filter) {
              item { id brand { name } categories { id } } }
          } }
        """,
        filter={"category": "Makeup", "brand": "bolt"},
    )

    assert "errors" not in body, body
    found = body["data"]["user"]["recommendations"]
    assert len(found) == 4
    for recommendation in found:
        item = recommendation["item"]
        assert item["brand"]["name"] == "Bolt"
        assert all(c["id"].startswith("Makeup > ") for c in item["categories"])
        assert item["id"] not in PURCHASED


def test_unknown_filter_category_is_not_found_over_http(graph: Api) -> None:
    body = graph.query(
        '{ user(id: "alice") { recommendations(filter: {category: "Nope"}) { score } } }'
    )

    assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND"}
    assert "no category with id 'Nope'" in body["errors"][0]["message"]


def test_a_query_that_does_not_parse_is_bad_input(api: Api) -> None:
    body = api.query('{ user(id: "u1") {')

    assert body["data"] is None
    assert [e["extensions"] for e in body["errors"]] == [{"code": "BAD_INPUT"}]
    assert body["errors"][0]["message"].startswith("Syntax Error")
