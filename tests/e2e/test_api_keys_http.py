"""API keys over real HTTP: the header is read, production mode closes GraphiQL and
introspection, and refuses to start without keys."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from neo4j import Driver
from pydantic import SecretStr

from interestgraph.api.app import create_app
from interestgraph.config import Settings
from interestgraph.errors import BadInput
from live_server import live_server

pytestmark = pytest.mark.e2e

READ_KEY = "reader-secret-0123456789"
WRITE_KEY = "writer-secret-0123456789"


@pytest.fixture(scope="module")
def production(neo4j_settings: Settings, neo4j_driver: Driver) -> Iterator[httpx.Client]:
    settings = neo4j_settings.model_copy(
        update={
            "api_production": True,
            "api_keys": SecretStr(f"shop-app:read:{READ_KEY}, ops:write:{WRITE_KEY}"),
        }
    )
    with live_server(create_app(settings)) as client:
        yield client


def _code(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    errors = response.json().get("errors") or [{}]
    return str(errors[0].get("extensions", {}).get("code", ""))


def test_requests_need_a_key_and_mutations_a_write_key(production: httpx.Client) -> None:
    query = {"query": '{ item(id: "none") { id } }'}
    forget = {"query": 'mutation { forgetUser(id: "nobody") { nodesRemoved } }'}

    assert _code(production.post("/graphql", json=query)) == "UNAUTHENTICATED"
    assert _code(production.post("/graphql", json=query, headers={"X-API-Key": "x" * 20})) == (
        "UNAUTHENTICATED"
    )
    assert _code(production.post("/graphql", json=query, headers={"X-API-Key": READ_KEY})) == (
        "NOT_FOUND"
    )
    assert _code(production.post("/graphql", json=forget, headers={"X-API-Key": READ_KEY})) == (
        "FORBIDDEN"
    )
    assert _code(production.post("/graphql", json=forget, headers={"X-API-Key": WRITE_KEY})) == (
        "NOT_FOUND"
    )


def test_production_closes_graphiql_and_introspection(production: httpx.Client) -> None:
    page = production.get("/graphql", headers={"Accept": "text/html"})
    introspection = production.post(
        "/graphql",
        json={"query": "{ __schema { types { name } } }"},
        headers={"X-API-Key": READ_KEY},
    )

    assert page.status_code == 404
    assert "graphiql" not in page.text.lower()
    assert _code(introspection) == "BAD_INPUT"
    assert "introspection" in introspection.text.lower()


def test_production_without_keys_refuses_to_start(neo4j_settings: Settings) -> None:
    settings = neo4j_settings.model_copy(update={"api_production": True, "api_keys": None})

    with pytest.raises(BadInput, match="INTERESTGRAPH_API_KEYS"):
        create_app(settings)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("app:read", "not 'name:scope:secret'"),
        ("app:admin:" + "s" * 20, "scope must be 'read' or 'write'"),
        ("app:read:short", "at least 16"),
        (f"app:read:{READ_KEY},app:write:{WRITE_KEY}", "given twice"),
    ],
)
def test_malformed_keys_refuse_to_start(neo4j_settings: Settings, entry: str, problem: str) -> None:
    settings = neo4j_settings.model_copy(update={"api_keys": SecretStr(entry)})

    with pytest.raises(BadInput, match=problem):
        create_app(settings)
