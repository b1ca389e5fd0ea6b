"""`interestgraph db ...` and `interestgraph cypher`: the local server and ad-hoc Cypher."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer
from neo4j.exceptions import Neo4jError

from interestgraph.errors import InterestGraphError

if TYPE_CHECKING:
    pass

from interestgraph.cli.app import app, console, db_app, load_settings


@db_app.command("start")
def db_start() -> None:
    """Start the local Neo4j server (installed with Maven on first use); wait until it answers."""
    from interestgraph.db.server import LocalNeo4jServer

    settings = load_settings()
    if not settings.manages_local_server:
        console.print(f"NEO4J_URI is set ({settings.neo4j_uri}): using it, nothing started")
        return
    status = LocalNeo4jServer(settings).start()
    console.print(
        f"Neo4j running (pid {status.pid}): Bolt {status.bolt_uri}, "
        f"Browser {status.http_url}/browser/, user {settings.neo4j_user}, "
        f"password in {settings.password_file}"
    )


@db_app.command("stop")
def db_stop() -> None:
    """Stop the local Neo4j server; its data stays under INTERESTGRAPH_HOME."""
    from interestgraph.db.server import LocalNeo4jServer

    settings = load_settings()
    if not settings.manages_local_server:
        console.print(f"NEO4J_URI is set ({settings.neo4j_uri}): not managed here, nothing stopped")
        return
    stopped = LocalNeo4jServer(settings).stop()
    console.print("Neo4j stopped" if stopped else "Neo4j was not running")


@db_app.command("status")
def db_status() -> None:
    """Say whether the local server runs, where, and what it holds."""
    from interestgraph.db.connection import connect
    from interestgraph.db.server import LocalNeo4jServer

    settings = load_settings()
    if settings.manages_local_server:
        status = LocalNeo4jServer(settings).status()
        if not status.running:
            console.print(f"Neo4j is not running (home {status.home})")
            raise typer.Exit(3)
        console.print(f"Neo4j running (pid {status.pid}) at {status.bolt_uri}, {status.http_url}")
    with connect(settings) as driver:
        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD versions, edition RETURN versions[0] AS v, edition"
        )
        counts, _, _ = driver.execute_query(
            "MATCH (n) RETURN labels(n)[0] AS label, count(*) AS n ORDER BY label"
        )
    console.print(f"server {records[0]['v']} {records[0]['edition']} at {settings.bolt_uri}")
    for row in counts:
        console.print(f"  {row['label']}: {row['n']:,}")


@db_app.command("schema")
def db_schema() -> None:
    """Apply cypher/schema.cypher (constraints, indexes, vector indexes); safe to repeat."""
    from interestgraph.db.connection import connect
    from interestgraph.db.schema import apply_schema

    with connect(load_settings()) as driver:
        applied = apply_schema(driver)
    console.print(f"schema applied: {applied} statements")


def _parse_param(raw: str) -> tuple[str, Any]:
    name, sep, value = raw.partition("=")
    if not sep or not name:
        raise typer.BadParameter(f"expected NAME=VALUE (VALUE as JSON or text), got {raw!r}")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


@app.command("cypher")
def cypher(
    query: Annotated[str, typer.Argument(help="Cypher to run; use $name parameters")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE, repeatable")
    ] = None,
) -> None:
    """Run one Cypher query with the configured connection and print rows as JSON lines."""
    from interestgraph.db.connection import connect

    params = dict(_parse_param(p) for p in param or [])
    with connect(load_settings()) as driver, driver.session() as session:
        try:
            result = session.run(query, params)
            for record in result:
                typer.echo(json.dumps(record.data(), default=str, ensure_ascii=False))
        except Neo4jError as e:
            raise InterestGraphError(f"Neo4j rejected the query: {e.message}") from e
