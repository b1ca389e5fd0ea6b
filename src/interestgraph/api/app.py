"""The ASGI app: GraphQL (with GraphiQL) at /graphql, probes at /healthz and /readyz, Prometheus
metrics at /metrics.

The Neo4j driver is opened once when the app starts and closed when it stops; the pseudonymizer
is built once from the settings' key. Every GraphQL request gets a fresh context holding both and
new DataLoaders. Every HTTP request gets an id, a log line and metrics; a GraphQL request running
past ``api_request_timeout_s`` is answered with TIMEOUT.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from neo4j import Driver
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult
from threadpoolctl import threadpool_limits

from interestgraph.api.access import API_KEY_HEADER, ApiKeys
from interestgraph.api.context import Context, Services, make_context
from interestgraph.api.errors import to_client_error
from interestgraph.api.metrics import ApiMetrics, count_graphql_errors
from interestgraph.api.observability import ObservabilityMiddleware
from interestgraph.api.policy import Limits
from interestgraph.api.probes import healthz, readyz
from interestgraph.api.schema import build_schema
from interestgraph.api.timeout import GraphQLTimeout
from interestgraph.config import Settings
from interestgraph.db.connection import connect
from interestgraph.interests.profiles import InterestConfig
from interestgraph.privacy import Pseudonymizer, create_pseudonymizer

GRAPHQL_PATH = "/graphql"


class State(TypedDict):
    """What the lifespan hands every request (``request.state``)."""

    driver: Driver
    pseudonymizer: Pseudonymizer
    services: Services


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI view with a typed per-request context holding the caller's access."""

    def __init__(self, schema: BaseSchema, keys: ApiKeys, *, graphiql: bool) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None)
        self.keys = keys

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """Errors answered before the operation runs (a query that does not parse) have not been
        through the schema's ErrorCodes: they get their code (BAD_INPUT) here."""
        if result.errors:
            coded = [
                e if "code" in (e.extensions or {}) else to_client_error(e) for e in result.errors
            ]
            added = [new for new, old in zip(coded, result.errors, strict=True) if new is not old]
            if added:
                result.errors = coded
                count_graphql_errors(added)
        return await super().process_result(request, result)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        services: Services = request.state.services
        access = self.keys.authenticate(request.headers.get(API_KEY_HEADER))
        return make_context(
            services.driver, services.pseudonymizer, services=services, access=access
        )


def create_app(settings: Settings) -> Starlette:
    """Build the app; the driver comes from ``connect`` when the server starts it.

    The pseudonym key and the API keys are loaded here, so a missing or short key fails before
    serving; production mode (``api_production``) needs API keys and turns introspection and
    GraphiQL off. The driver
    gives up on a lost Neo4j within the API's short limits, so requests answer UNAVAILABLE
    quickly, and its pool reconnects by itself once Neo4j is back.
    """
    pseudonymizer = create_pseudonymizer(settings)
    keys = ApiKeys.from_settings(settings)
    metrics = ApiMetrics()
    explorable = not settings.api_production
    graphql = GraphQLApp(
        build_schema(
            Limits(settings.api_max_depth, settings.api_max_cost), introspection=explorable
        ),
        keys,
        graphiql=explorable,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        driver = connect(
            settings,
            connection_timeout_s=settings.api_db_connection_timeout_s,
            acquisition_timeout_s=settings.api_db_connection_timeout_s,
            retry_s=settings.api_db_retry_s,
        )
        try:
            services = Services(
                driver, pseudonymizer, settings, InterestConfig.from_settings(settings)
            )
            # Everything alive now (modules, the schema, the driver) lives as long as the
            # process: frozen, full collections stop walking it. Requests leave cyclic garbage
            # (~70 objects each), so under load a full collection ran every ~4 s and walked
            # ~500k objects for ~200 ms with the event loop stopped: that was the p99.
            gc.collect()
            gc.freeze()
            # One BLAS thread: a request's scoring is one small matrix-vector product, and BLAS
            # threads spinning beside the server's worker threads cost 2.6x the CPU per read
            # (measured in process on Gowalla: 15.4 ms, 5.9 ms with one thread).
            with threadpool_limits(limits=1, user_api="blas"):
                yield {"driver": driver, "pseudonymizer": pseudonymizer, "services": services}
        finally:
            driver.close()

    return Starlette(
        routes=[
            Route(GRAPHQL_PATH, GraphQLTimeout(graphql, settings.api_request_timeout_s)),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics.endpoint, methods=["GET"]),
        ],
        middleware=[
            Middleware(ObservabilityMiddleware, metrics=metrics, graphql_path=GRAPHQL_PATH)
        ],
        lifespan=lifespan,
    )
