"""Applies cypher/schema.cypher (constraints and vector indexes) and waits for the indexes.

The schema lives in one Cypher file so that it can be read and reviewed as Cypher; every statement
in it is ``IF NOT EXISTS``, so applying it again is a no-op.
"""

from __future__ import annotations

import time
from pathlib import Path

from neo4j import Driver, RoutingControl
from neo4j.exceptions import Neo4jError, ServiceUnavailable

from interestgraph.config import REPO_ROOT
from interestgraph.errors import BadInput, DatabaseUnavailable, SchemaError

SCHEMA_PATH = REPO_ROOT / "cypher" / "schema.cypher"
INDEX_STATES_QUERY = (
    "SHOW INDEXES YIELD name, state, failureMessage RETURN name, state, failureMessage"
)
POLL_INTERVAL_S = 0.2


def split_statements(text: str) -> list[str]:
    """Split Cypher text into statements on ``;`` and drop ``//`` comments, outside quotes.

    Quotes (``'``, ``"``, backticks) are tracked so that a ``;`` or ``//`` inside a string or an
    escaped name does not cut a statement.
    """
    statements: list[str] = []
    current: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(text):
        char = text[i]
        if quote is not None:
            current.append(char)
            if char == "\\" and quote != "`" and i + 1 < len(text):
                current.append(text[i + 1])
                i += 1
            elif char == quote:
                quote = None
        elif char in "'\"`":
            quote = char
            current.append(char)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = len(text) if end == -1 else end
            continue
        elif char == ";":
            statements.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    statements.append("".join(current))
    return [s.strip() for s in statements if s.strip()]


def apply_schema(driver: Driver, path: Path | None = None) -> int:
    """Run every statement of the schema file; safe to repeat. Returns the statements applied."""
    schema_path = path or SCHEMA_PATH
    try:
        text = schema_path.read_text(encoding="utf-8")
    except OSError as e:
        raise BadInput(f"cannot read schema file {schema_path}: {e.strerror or e}") from e
    statements = split_statements(text)
    for number, statement in enumerate(statements, start=1):
        try:
            driver.execute_query(statement)
        except ServiceUnavailable as e:
            raise DatabaseUnavailable(f"lost Neo4j while applying {schema_path}: {e}") from e
        except Neo4jError as e:
            first_line = statement.splitlines()[0]
            raise SchemaError(
                f"{schema_path} statement {number} ({first_line}) refused: {e.message}"
            ) from e
    return len(statements)


def wait_for_indexes(driver: Driver, timeout_s: float = 300.0) -> None:
    """Block until every index is ONLINE, so queries right after a schema change can use them.

    Raises:
        SchemaError: an index FAILED, or some index is still populating after ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        records, _, _ = driver.execute_query(INDEX_STATES_QUERY, routing_=RoutingControl.READ)
        failed = [r for r in records if r["state"] == "FAILED"]
        if failed:
            details = "; ".join(f"{r['name']}: {r['failureMessage']}" for r in failed)
            raise SchemaError(f"index failed: {details}")
        pending = sorted(f"{r['name']} ({r['state']})" for r in records if r["state"] != "ONLINE")
        if not pending:
            return
        if time.monotonic() >= deadline:
            raise SchemaError(f"indexes not ONLINE after {timeout_s:g} s: {', '.join(pending)}")
        time.sleep(POLL_INTERVAL_S)
