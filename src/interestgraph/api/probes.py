"""Liveness and readiness probes, kept apart so an orchestrator restarts only what restarts fix.

``/healthz`` says the process serves HTTP: restarting it would not bring a lost Neo4j back.
``/readyz`` says requests can be answered now: while Neo4j is away a load balancer should send
traffic elsewhere, and the app recovers by itself once the driver reconnects.
"""

from __future__ import annotations

import asyncio
import logging

from neo4j import READ_ACCESS, Driver
from neo4j.exceptions import DriverError, Neo4jError
from starlette.requests import Request
from starlette.responses import JSONResponse

READY_TIMEOUT_S = 1.0
PING_QUERY = "RETURN 1"

logger = logging.getLogger(__name__)


async def healthz(request: Request) -> JSONResponse:
    """Liveness: the process serves HTTP (Neo4j problems show on /readyz and as UNAVAILABLE)."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Readiness: 200 when Neo4j answers a trivial query within a second, else 503."""
    try:
        await asyncio.wait_for(asyncio.to_thread(_ping, request.state.driver), READY_TIMEOUT_S)
    except TimeoutError:
        reason = f"Neo4j did not answer within {READY_TIMEOUT_S:g} s"
        logger.warning("not ready: %s", reason)
    except (DriverError, Neo4jError) as e:
        logger.warning("not ready: Neo4j query failed: %s", e)
        reason = "Neo4j is unreachable"
    else:
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)


def _ping(driver: Driver) -> None:
    """One auto-commit read: unlike ``execute_query`` it is not retried, so it fails at once."""
    with driver.session(default_access_mode=READ_ACCESS) as session:
        session.run(PING_QUERY).consume()
