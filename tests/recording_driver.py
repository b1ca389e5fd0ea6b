"""A real Neo4j driver that records the queries sent through it, optionally slowed down.

The serving reads run as auto-commit ``session.run`` and the rest through ``execute_query``;
both are recorded, so tests can count round trips (DataLoader batching) or make every query
slow (request timeouts) whichever way a query is sent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver, Session


@dataclass
class RecordingDriver:
    """``driver`` with every query appended to ``queries``, each ``delay_s`` late."""

    driver: Driver
    delay_s: float = 0.0
    queries: list[str] = field(default_factory=list)
    closed: bool = False

    @property
    def execute_query_bookmark_manager(self) -> Any:
        return self.driver.execute_query_bookmark_manager

    def record(self, query: str) -> None:
        self.queries.append(query)
        if self.delay_s:
            time.sleep(self.delay_s)

    def execute_query(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self.record(query)
        return self.driver.execute_query(query, *args, **kwargs)

    def session(self, *args: Any, **kwargs: Any) -> RecordingSession:
        return RecordingSession(self.driver.session(*args, **kwargs), self)

    def close(self) -> None:
        self.closed = True
        self.driver.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.driver, name)


@dataclass
class RecordingSession:
    """A real session whose ``run`` calls go through ``recorder``."""

    session: Session
    recorder: RecordingDriver

    def __enter__(self) -> RecordingSession:
        self.session.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.session.__exit__(*exc)

    def run(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self.recorder.record(query)
        return self.session.run(query, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)
