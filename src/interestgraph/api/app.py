"""The ASGI app: GraphQL (with GraphiQL) at /graphql and a liveness probe at /healthz.

The Neo4j driver is opened once when the app starts and closed when it stops; the pseudonymizer
is built once from the settings' key. Every GraphQL request gets a fresh context holding both and
new DataLoaders.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from neo4j import Driver
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from interestgraph.api.context import Context, make_context
from interestgraph.api.schema import build_schema
from interestgraph.config import Settings
from interestgraph.db.connection import connect
from interestgraph.privacy import Pseudonymizer, create_pseudonymizer


class State(TypedDict):
    """What the lifespan hands every request (``request.state``)."""

    driver: Driver
    pseudonymizer: Pseudonymizer


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI view with a typed per-request context."""

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        return make_context(request.state.driver, request.state.pseudonymizer)


async def healthz(request: Request) -> JSONResponse:
    """Liveness: the process serves HTTP (Neo4j problems show as UNAVAILABLE on queries)."""
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings) -> Starlette:
    """Build the app; the driver comes from ``connect(settings)`` when the server starts it.

    The pseudonym key is loaded here, so a missing or short key fails before serving.
    """
    pseudonymizer = create_pseudonymizer(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        driver = connect(settings)
        try:
            yield {"driver": driver, "pseudonymizer": pseudonymizer}
        finally:
            driver.close()

    return Starlette(
        routes=[
            Route("/graphql", GraphQLApp(build_schema(), graphql_ide="graphiql")),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
