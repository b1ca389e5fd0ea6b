"""Creates the one Neo4j driver a process uses, turning connection failures into clear errors."""

from __future__ import annotations

from neo4j import Driver, GraphDatabase, NotificationDisabledClassification
from neo4j.exceptions import AuthError, ServiceUnavailable

from interestgraph.config import Settings
from interestgraph.errors import DatabaseAuthError, DatabaseUnavailable


def connect(settings: Settings) -> Driver:
    """Open a driver and check that the server answers and accepts the credentials.

    "Unknown label, type or property" notifications are off: a shop's graph may lack some
    behaviours (no ratings, no views) or derived data (no topics yet), and queries naming them
    are right all the same; tests check what the queries return.
    """
    uri = settings.bolt_uri
    driver = GraphDatabase.driver(
        uri,
        auth=(settings.neo4j_user, settings.password()),
        connection_timeout=5.0,
        max_transaction_retry_time=15.0,
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
