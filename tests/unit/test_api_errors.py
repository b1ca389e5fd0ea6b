"""Error codes and masking of the GraphQL layer, with stand-in drivers that fail on purpose."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

import pytest
from graphql import GraphQLError
from neo4j import Driver
from neo4j.exceptions import ConnectionAcquisitionTimeoutError, ServiceUnavailable, SessionExpired

from graph_builder import TEST_PSEUDONYMIZER
from interestgraph.api.context import make_context
from interestgraph.api.errors import describe
from interestgraph.api.schema import build_schema
from interestgraph.errors import NotTrained
from interestgraph.serving.queries import USER_STATUS_QUERY


class StandInSession:
    """A session whose auto-commit ``run`` (how the serving reads are sent) asks ``answer``."""

    def __init__(self, answer: Callable[[str, dict[str, Any]], list[dict[str, Any]]]) -> None:
        self.answer = answer

    def __enter__(self) -> StandInSession:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, query: str, parameters: dict[str, Any] | None = None) -> Any:
        records = self.answer(query, parameters or {})
        return SimpleNamespace(to_eager_result=lambda: SimpleNamespace(records=records))


class FailingDriver:
    """A driver whose every query raises ``error``."""

    execute_query_bookmark_manager = None

    def __init__(self, error: Exception) -> None:
        self.error = error

    def session(self, **kwargs: Any) -> StandInSession:
        return StandInSession(self.fail)

    def fail(self, query: str, parameters: dict[str, Any]) -> list[dict[str, Any]]:
        raise self.error


def _execute(
    query: str, error: Exception, variables: dict[str, Any] | None = None
) -> list[GraphQLError]:
    context = make_context(cast(Driver, FailingDriver(error)), TEST_PSEUDONYMIZER)
    result = asyncio.run(build_schema().execute(query, variables, context_value=context))
    assert result.errors is not None
    return result.errors


def test_unexpected_error_is_masked_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="interestgraph.api.errors"):
        errors = _execute('{ user(id: "u1") { id } }', RuntimeError("secret /etc/detail"))

    assert [(e.message, e.extensions) for e in errors] == [("Internal error", {"code": "INTERNAL"})]
    assert errors[0].path == ["user"]
    assert "secret" not in str(errors[0].formatted)
    assert "secret /etc/detail" in caplog.text
    assert "Traceback" in caplog.text


def test_lost_database_is_unavailable() -> None:
    errors = _execute('{ item(id: "i1") { id } }', ServiceUnavailable("connection refused"))

    assert errors[0].extensions == {"code": "UNAVAILABLE"}
    assert "connection refused" not in errors[0].message


@pytest.mark.parametrize(
    ("original", "code"),
    [
        (SessionExpired("gone"), "UNAVAILABLE"),
        (ServiceUnavailable("down"), "UNAVAILABLE"),
        (ConnectionAcquisitionTimeoutError("pool full"), "UNAVAILABLE"),
        (NotTrained("no embedding"), "NOT_READY"),
        (KeyError("x"), "INTERNAL"),
    ],
)
def test_describe_maps_exceptions_to_codes(original: Exception, code: str) -> None:
    assert describe(GraphQLError("raw", original_error=original))[0] == code


class UserOnlyDriver:
    """Knows one trained user; any query beyond looking it up is a test failure."""

    execute_query_bookmark_manager = None

    def __init__(self) -> None:
        self.looked_up: list[str] = []

    def session(self, **kwargs: Any) -> StandInSession:
        return StandInSession(self.answer)

    def answer(self, query: str, parameters: dict[str, Any]) -> list[dict[str, Any]]:
        assert query == USER_STATUS_QUERY, "a bad argument must be refused before querying"
        user_ids = parameters["user_ids"]
        self.looked_up.extend(user_ids)
        return [{"user_id": u, "trained": True, "purchased": 0, "items": 5} for u in user_ids]


def test_user_is_looked_up_by_pseudonym_and_answered_with_the_shop_id() -> None:
    driver = UserOnlyDriver()
    context = make_context(cast(Driver, driver), TEST_PSEUDONYMIZER)

    query = '{ user(id: " u1 ") { id } }'
    result = asyncio.run(build_schema().execute(query, context_value=context))

    assert result.errors is None
    assert result.data == {"user": {"id": " u1 "}}
    assert driver.looked_up == [TEST_PSEUDONYMIZER.user_id("u1")]


def test_blank_user_id_is_bad_input() -> None:
    errors = _execute('{ user(id: "  ") { id } }', AssertionError("never runs"))

    assert errors[0].extensions == {"code": "BAD_INPUT"}
    assert errors[0].message == "a user id must not be blank"


@pytest.mark.parametrize("first", [0, -1, 101])
def test_out_of_range_first_is_bad_input_before_any_query(first: int) -> None:
    query = 'query($n: Int!) { user(id: "u1") { recommendations(first: $n) { score } } }'
    context = make_context(cast(Driver, UserOnlyDriver()), TEST_PSEUDONYMIZER)

    result = asyncio.run(build_schema().execute(query, {"n": first}, context_value=context))

    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "BAD_INPUT"}
    assert result.errors[0].message == f"first must be between 1 and 100, got {first}"


def test_uncoercible_variable_is_bad_input() -> None:
    errors = _execute(
        'query($n: Int!) { user(id: "u1") { interests(first: $n) { name } } }',
        AssertionError("never runs"),
        {"n": "ten"},
    )

    assert errors[0].extensions == {"code": "BAD_INPUT"}
    assert "ten" in errors[0].message


def test_invalid_query_is_bad_input_with_its_message() -> None:
    errors = _execute('{ user(id: "u1") { nope } }', AssertionError("never runs"))

    assert errors[0].extensions == {"code": "BAD_INPUT"}
    assert "nope" in errors[0].message
