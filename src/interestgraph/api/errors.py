"""Turns resolver failures into GraphQL errors with a code, and masks everything unexpected.

Expected failures (``InterestGraphError`` subclasses) reach the client with their message and
``extensions.code``; a lost Neo4j becomes UNAVAILABLE; anything else is logged with its traceback
and shown only as "Internal error" (INTERNAL), so no stack trace or driver detail leaks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from neo4j.exceptions import (
    ConnectionAcquisitionTimeoutError,
    ServiceUnavailable,
    SessionExpired,
)
from strawberry.extensions import SchemaExtension

from interestgraph.api.metrics import count_graphql_errors
from interestgraph.errors import (
    BadInput,
    DatabaseUnavailable,
    Forbidden,
    InterestGraphError,
    TooComplex,
    Unauthenticated,
)

logger = logging.getLogger(__name__)

INTERNAL_CODE = "INTERNAL"
INTERNAL_MESSAGE = "Internal error"
UNAVAILABLE_MESSAGE = "the graph database is unavailable; try again shortly"
# A pool with no free connection for api_db_connection_timeout_s is an overloaded database.
_UNAVAILABLE = (
    DatabaseUnavailable,
    ServiceUnavailable,
    SessionExpired,
    ConnectionAcquisitionTimeoutError,
)
# Codes the request policy (api/policy.py) sets on the errors it makes itself.
POLICY_CODES = frozenset({Unauthenticated.code, Forbidden.code, TooComplex.code})


def describe(error: GraphQLError) -> tuple[str, str]:
    """The ``(code, message)`` a client is shown for ``error``.

    Errors without an original exception, or wrapping another ``GraphQLError``, come from
    parsing, validating or coercing the request itself: their message is about the client's
    query and safe to show.
    """
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        code = (error.extensions or {}).get("code")
        return (code if code in POLICY_CODES else BadInput.code), error.message
    if isinstance(original, _UNAVAILABLE):
        return DatabaseUnavailable.code, UNAVAILABLE_MESSAGE
    if isinstance(original, InterestGraphError):
        return original.code, str(original)
    return INTERNAL_CODE, INTERNAL_MESSAGE


def log_errors(errors: list[GraphQLError]) -> None:
    """Log what operators must see: unexpected errors with traceback, lost databases briefly."""
    for error in errors:
        original = error.original_error
        where = ".".join(str(p) for p in error.path or ()) or "request"
        if isinstance(original, _UNAVAILABLE):
            logger.warning("Neo4j unavailable while resolving %s: %s", where, original)
        elif not isinstance(original, InterestGraphError | GraphQLError | None):
            logger.error("unexpected error while resolving %s", where, exc_info=original)


def to_client_error(error: GraphQLError) -> GraphQLError:
    """A copy of ``error`` carrying only what ``describe`` allows, the original dropped."""
    code, message = describe(error)
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={**(error.extensions or {}), "code": code},
    )


class ErrorCodes(SchemaExtension):
    """Rewrites every error of the result with ``to_client_error`` once the operation ends."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [to_client_error(e) for e in errors]  # type: ignore[union-attr]
            count_graphql_errors(result.errors)  # type: ignore[union-attr]
