"""The demo's closing act: one real GraphQL query against the running API, with its answer."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from neo4j import Driver, RoutingControl

DEMO_QUERY = """\
query Demo($user: ID!, $item: ID!) {
  user(id: $user) {
    id
    interests(first: 5) { kind name score count }
    recommendations(first: 5) {
      score
      item { id brand { name } categories { path } }
    }
  }
  item(id: $item) {
    id
    brand { name }
    similar(first: 3) { score item { id brand { name } } }
  }
}"""

# The user with the longest history among those with embeddings, and the item they bought last:
# deterministic, and a user whose interests say something.
DEMO_SUBJECTS_QUERY = """
MATCH (u:User)-[p:PURCHASED]->(i:Item)
WHERE u.embedding IS NOT NULL AND i.embedding IS NOT NULL
WITH u, count(p) AS n, max(p.seq) AS last
ORDER BY n DESC, u.id
LIMIT 1
MATCH (u)-[p:PURCHASED {seq: last}]->(i:Item)
RETURN u.id AS user, i.id AS item
"""


def pick_demo_subjects(driver: Driver) -> dict[str, str] | None:
    """A (user, item) pair to show, or None when nothing is trained yet."""
    records, _, _ = driver.execute_query(DEMO_SUBJECTS_QUERY, routing_=RoutingControl.READ)
    if not records:
        return None
    return {"user": records[0]["user"], "item": records[0]["item"]}


def run_demo_query(url: str, variables: dict[str, str], timeout_s: float = 30.0) -> dict[str, Any]:
    """POST the demo query to the API and return the decoded JSON response."""
    response = httpx.post(
        url, json={"query": DEMO_QUERY, "variables": variables}, timeout=timeout_s
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def show_when_serving(
    is_started: Callable[[], bool],
    url: str,
    variables: dict[str, str],
    emit: Callable[[str], None],
    timeout_s: float = 60.0,
) -> threading.Thread:
    """In a background thread: wait until the server is up, run the demo query, emit both."""

    def _run() -> None:
        deadline = time.monotonic() + timeout_s
        while not is_started():
            if time.monotonic() > deadline:
                emit("the API did not start in time; no demo query sent")
                return
            time.sleep(0.1)
        try:
            body = run_demo_query(url, variables)
        except httpx.HTTPError as e:
            emit(f"demo query failed: {e}")
            return
        emit(f"POST {url} with variables {json.dumps(variables)}:\n{DEMO_QUERY}")
        emit(json.dumps(body, indent=2, ensure_ascii=False))

    thread = threading.Thread(target=_run, name="demo-query", daemon=True)
    thread.start()
    return thread
