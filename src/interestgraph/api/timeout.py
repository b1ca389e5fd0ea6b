"""Stops a GraphQL request that runs too long and answers it with a TIMEOUT error.

Strawberry sends a response only once the whole result is known, so a request that has not
started its response can be cancelled and answered here; one that has started is left to finish.
Cancelling frees the client and the server's task, not Neo4j: a query already sent runs on in
its worker thread until the database answers.
"""

from __future__ import annotations

import asyncio
import logging

from graphql import GraphQLError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interestgraph.api.metrics import count_graphql_errors

TIMEOUT_CODE = "TIMEOUT"
# 504, not 200: the operation was abandoned, not answered, and HTTP-level monitoring (proxies,
# the status label of the request metrics) should see that; the body stays GraphQL-shaped.
TIMEOUT_STATUS = 504

logger = logging.getLogger(__name__)


class GraphQLTimeout:
    """Wraps the GraphQL ASGI app: after ``timeout_s`` without a response, cancel and answer."""

    def __init__(self, app: ASGIApp, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        responding = False

        async def send_marking(message: Message) -> None:
            nonlocal responding
            responding = True
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, send_marking))
        try:
            await asyncio.wait({task}, timeout=self.timeout_s)
            if task.done() or responding:
                await task
                return
            task.cancel()
            await asyncio.wait({task})
        finally:
            task.cancel()  # a no-op once it is done; stops it when this request is cancelled
        logger.warning("GraphQL request stopped after %g s", self.timeout_s)
        error = GraphQLError(
            f"the request took longer than {self.timeout_s:g} s and was stopped; "
            "ask for less or try again",
            extensions={"code": TIMEOUT_CODE},
        )
        count_graphql_errors([error])
        response = JSONResponse({"data": None, "errors": [error.formatted]}, TIMEOUT_STATUS)
        await response(scope, receive, send)
