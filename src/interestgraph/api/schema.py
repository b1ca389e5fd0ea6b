"""The strawberry schema, and its SDL kept in git (schema.graphql) so changes show in review.

Regenerate the file with ``write_sdl()`` after changing a type (the SDL test says how).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from interestgraph.api.errors import ErrorCodes, log_errors
from interestgraph.api.policy import Limits, RequestPolicy
from interestgraph.api.types.mutation import Mutation
from interestgraph.api.types.query import Query

SDL_PATH = Path(__file__).with_name("schema.graphql")


class InterestGraphSchema(strawberry.Schema):
    """Logs only the errors operators need (strawberry's default logs every NOT_FOUND)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_errors(errors)


DEFAULT_LIMITS = Limits(max_depth=10, max_cost=5000)
DOCUMENT_CACHE_SIZE = 256
"""Query texts whose parse and validation are kept: apps send a few texts with new variables,
and validating one took half of a recommendations request's CPU (profiled on Gowalla)."""


def build_schema(
    limits: Limits = DEFAULT_LIMITS, *, introspection: bool = True
) -> strawberry.Schema:
    """The schema with parse and validation caches, the request policy (keys, depth and cost
    limits), error codes and masking installed; introspection refused when ``introspection``
    is False."""
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        functools.partial(ParserCache, maxsize=DOCUMENT_CACHE_SIZE),
        functools.partial(ValidationCache, maxsize=DOCUMENT_CACHE_SIZE),
        functools.partial(RequestPolicy, limits=limits),
        ErrorCodes,
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return InterestGraphSchema(query=Query, mutation=Mutation, extensions=extensions)


def print_sdl() -> str:
    """The schema in SDL, as committed in ``schema.graphql``."""
    return build_schema().as_str() + "\n"


def write_sdl(path: Path = SDL_PATH) -> Path:
    """Write the SDL file reviewers diff."""
    path.write_text(print_sdl(), encoding="utf-8")
    return path
