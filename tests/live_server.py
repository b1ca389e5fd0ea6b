"""Runs an ASGI app under a real uvicorn on a free loopback port, and captures its JSON log lines.

Shared by the end-to-end tests of the API's operational layer (request ids, logs, metrics,
timeouts, Neo4j outages).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp

from interestgraph.api.logs import JsonFormatter, RequestIdFilter
from interestgraph.db.server import find_free_port


@contextmanager
def live_server(app: ASGIApp, start_timeout_s: float = 30.0) -> Iterator[httpx.Client]:
    """A client of ``app`` served on loopback; the server (and the app's lifespan) stops after."""
    port = find_free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "API did not start"
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    assert not thread.is_alive()


class JsonLogLines(logging.Handler):
    """Keeps every record of the ``interestgraph`` loggers as the JSON object ``serve`` prints."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.addFilter(RequestIdFilter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))

    def wait_for(
        self, match: Callable[[dict[str, Any]], bool], timeout_s: float = 5.0
    ) -> list[dict[str, Any]]:
        """The lines ``match`` accepts, once there is one: a request is logged just after its
        response is sent, so the client can see the response first."""
        deadline = time.monotonic() + timeout_s
        while not (found := [line for line in self.lines if match(line)]):
            assert time.monotonic() < deadline, f"no such log line in {self.lines}"
            time.sleep(0.02)
        return found


@contextmanager
def json_log_lines() -> Iterator[JsonLogLines]:
    """Capture the ``interestgraph`` loggers' records from INFO up, for the block."""
    logger = logging.getLogger("interestgraph")
    handler = JsonLogLines()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
