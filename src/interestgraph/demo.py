"""The demo's closing act: one real GraphQL query against the running API, with its answer."""

from __future__ import annotations

import heapq
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from neo4j import Driver, RoutingControl

from interestgraph.privacy import Pseudonymizer

DEMO_QUERY = """\
query Demo($user: ID!, $item: ID!) {
  user(id: $user) {
    id
    interests(first: 5) { kind id name score evidence }
    recommendations(first: 5) {
      score
      reason
      path { kind name }
      item { id brand { name } categories { path } }
    }
  }
  item(id: $item) {
    id
    brand { name }
    similar(first: 3) { score item { id brand { name } } }
  }
}"""

# How many of the dataset's longest histories to try: the longest may have been dropped at ingest
# or left out of training, so the first of these that got an embedding is shown.
DEMO_CANDIDATES = 50

# The first candidate (in the order given) whose user has an embedding, with the last item of its
# history that has one. The graph holds pseudonyms only, so candidates come from the dataset.
DEMO_SUBJECTS_QUERY = """
UNWIND range(0, size($candidates) - 1) AS rank
WITH rank, $candidates[rank] AS c
MATCH (u:User {id: c.pseudonym})
WHERE u.embedding IS NOT NULL
UNWIND range(size(c.items) - 1, 0, -1) AS position
MATCH (i:Item {id: c.items[position]})
WHERE i.embedding IS NOT NULL
RETURN c.user AS user, i.id AS item
ORDER BY rank, position DESC
LIMIT 1
"""


def longest_histories(sequences: Path, limit: int = DEMO_CANDIDATES) -> list[tuple[str, list[str]]]:
    """The ``limit`` users of an Amazon Beauty ``sequences.txt`` with the most items, longest
    first (ties by user id): ``(shop user id, items in order)``. Streams the file."""
    with sequences.open(encoding="utf-8") as lines:
        rows = (line.split() for line in lines)
        return [
            (row[0], row[1:])
            for row in heapq.nsmallest(
                limit, (row for row in rows if len(row) > 1), key=lambda row: (-len(row), row[0])
            )
        ]


def pick_demo_subjects(
    driver: Driver, dataset_dir: Path, pseudonymizer: Pseudonymizer
) -> dict[str, str] | None:
    """A (user, item) pair to show, or None when nothing is trained yet.

    The user is the shop's own id from the dataset (the longest history that got an embedding),
    as an app would send it; the item is the last one of its history that has an embedding.
    """
    sequences = dataset_dir / "sequences.txt"
    if not sequences.is_file():
        return None
    candidates = [
        {"user": user, "pseudonym": pseudonymizer.user_id(user), "items": items}
        for user, items in longest_histories(sequences)
    ]
    if not candidates:
        return None
    records, _, _ = driver.execute_query(
        DEMO_SUBJECTS_QUERY, candidates=candidates, routing_=RoutingControl.READ
    )
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
