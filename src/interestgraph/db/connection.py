"""Creates the one Neo4j driver a process uses, turning connection failures into clear errors."""

from __future__ import annotations

from neo4j import Driver, GraphDatabase, NotificationDisabledClassification
from neo4j.exceptions import AuthError, ServiceUnavailable

from interestgraph.config import Settings
from interestgraph.errors import DatabaseAuthError, DatabaseUnavailable


def connect(
    settings: Settings,
    *,
    connection_timeout_s: float = 5.0,
    acquisition_timeout_s: float = 60.0,
    retry_s: float = 15.0,
) -> Driver:
    """Open a driver and check that the server answers and accepts the credentials.

    ``retry_s`` bounds how long a managed transaction is retried on a lost server: long for the
    CLI's batch jobs, which should ride out a short outage; short for the API, which answers
    UNAVAILABLE rather than keep a client waiting. ``acquisition_timeout_s`` bounds getting a
    connection, login included: a Neo4j that is still starting accepts connections but answers
    the login only once ready, so without it one attempt can wait the full minute.

    "Unknown label, type or property" notifications are off: a shop's graph may lack some
    behaviours (no ratings, no views) or derived data (no topics yet), and queries naming them
    are right all the same; tests check what the queries return.
    """
    uri = settings.bolt_uri
    driver = GraphDatabase.driver(
        uri,
        auth=(settings.neo4j_user, settings.password()),
        connection_timeout=connection_timeout_s,
        connection_acquisition_timeout=acquisition_timeout_s,
        max_transaction_retry_time=retry_s,
        notifications_disabled_classifications=[NotificationDisabledClassification.UNRECOGNIZED],
    )
    try:
        driver.verify_connectivity()
    except AuthError as e:
        driver.close()
        raise DatabaseAuthError(
            f"Neo4j at {uri} refused user '{settings.neo4j_user}': check NEO4J_USER/NEO4J_PASSWORD"
        ) from e
    except (ServiceUnavailable, OSError) as e:
        driver.close()
        hint = (
            "start it with `interestgraph db start`"
            if settings.manages_local_server
            else "check NEO4J_URI"
        )
        raise DatabaseUnavailable(f"cannot reach Neo4j at {uri}: {hint}") from e
    return driver
