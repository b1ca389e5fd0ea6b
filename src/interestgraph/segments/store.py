"""Segments in the graph: ``(:Segment {id, label, size, share, run, ...})``,
``(:User)-[:IN_SEGMENT {centrality}]->(:Segment)``, ``User.segment`` and one
``(:SegmentRun)`` per run, all replaced in ONE write transaction, so readers never see two runs.

Segment ids stay stable across runs: each new community takes the id of the previous segment it
overlaps most (Jaccard of their members, greedy from the best pair, at least ``MIN_JACCARD``);
the others get new ids, numbered on from the highest ever given (kept on the run node), so an
id never comes back with another meaning. The adjusted Rand index between the two runs'
assignments of the users they share says how much the segmentation moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from neo4j import Driver, ManagedTransaction, RoutingControl
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired
from sklearn.metrics import adjusted_rand_score

from interestgraph.errors import DatabaseUnavailable, InterestGraphError
from interestgraph.segments.profiles import SegmentProfile
from interestgraph.segments.projection import UserProjection

MIN_JACCARD = 0.2
BATCH = 5000

PREVIOUS_QUERY = """
OPTIONAL MATCH (run:SegmentRun {current: true})
CALL (run) {
  MATCH (u:User)-[:IN_SEGMENT]->(s:Segment)
  RETURN collect(u.id) AS users, collect(s.id) AS segments
}
RETURN run.last_number AS last_number, users, segments
"""
CLEAR_QUERY = """
MATCH (u:User)-[r:IN_SEGMENT]->(:Segment)
DELETE r
REMOVE u.segment
"""
DROP_SEGMENTS_QUERY = "MATCH (s:Segment) WHERE NOT s.id IN $keep DETACH DELETE s"
WRITE_SEGMENTS_QUERY = """
UNWIND $segments AS segment
MERGE (s:Segment {id: segment.id})
SET s = segment
"""
WRITE_MEMBERS_QUERY = """
UNWIND $members AS member
MATCH (u:User {id: member[0]})
MATCH (s:Segment {id: member[1]})
CREATE (u)-[:IN_SEGMENT {centrality: member[2]}]->(s)
SET u.segment = s.id
RETURN count(*) AS written
"""
WRITE_RUN_QUERY = """
OPTIONAL MATCH (old:SegmentRun {current: true})
SET old.current = false
WITH count(old) AS _
CREATE (run:SegmentRun)
SET run = $run, run.current = true
"""


CLEAR_SIMILAR_QUERY = """
MATCH (:User)-[r:SIMILAR_TO]->(:User)
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS
"""
WRITE_SIMILAR_QUERY = """
UNWIND range(0, size($source) - 1) AS k
MATCH (a:User {id: $source[k]})
MATCH (b:User {id: $target[k]})
CREATE (a)-[:SIMILAR_TO {weight: $weight[k]}]->(b)
"""


def store_projection(driver: Driver, projection: UserProjection) -> None:
    """Replace the graph's ``(:User)-[:SIMILAR_TO {weight}]->(:User)`` edges by the projection's
    (each pair once): GDS detects communities in them, analysts browse them. Batches of
    ``BATCH`` pairs, each its own transaction: the edges are derived data, rebuilt whole by the
    next run if this one stops half-way."""
    users = projection.user_ids
    try:
        with driver.session() as session:
            session.run(CLEAR_SIMILAR_QUERY).consume()
        for start in range(0, projection.num_edges, BATCH):
            end = start + BATCH
            driver.execute_query(
                WRITE_SIMILAR_QUERY,
                source=[users[i] for i in projection.source[start:end].tolist()],
                target=[users[i] for i in projection.target[start:end].tolist()],
                weight=projection.weight[start:end].astype(float).tolist(),
            )
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"Neo4j went away while writing SIMILAR_TO: {e}") from e
    except Neo4jError as e:
        raise InterestGraphError(f"writing SIMILAR_TO failed: {e.message}") from e


@dataclass(frozen=True)
class Previous:
    """The current run's assignment (user id → segment id) and the highest id number given."""

    assignment: dict[str, str]
    last_number: int


@dataclass(frozen=True)
class StoredRun:
    run_id: str
    segment_ids: list[str]
    kept_ids: int
    agreement: float | None
    members_written: int


def read_previous(driver: Driver) -> Previous:
    records, _, _ = driver.execute_query(PREVIOUS_QUERY, routing_=RoutingControl.READ)
    record = records[0]
    return Previous(
        dict(zip(record["users"], record["segments"], strict=True)),
        int(record["last_number"] or 0),
    )


def match_ids(
    previous: Previous, user_ids: Sequence[str], membership: np.ndarray[Any, Any]
) -> tuple[list[str], int]:
    """An id per community (index = community number) and how many are earlier ids."""
    count = int(membership.max()) + 1 if membership.size else 0
    new_sets = [set() for _ in range(count)]  # type: list[set[str]]
    for user, community in zip(user_ids, membership.tolist(), strict=True):
        if community >= 0:
            new_sets[community].add(user)
    old_sets: dict[str, set[str]] = {}
    for user, segment in previous.assignment.items():
        old_sets.setdefault(segment, set()).add(user)
    pairs = []
    for community, members in enumerate(new_sets):
        for segment, old in old_sets.items():
            shared = len(members & old)
            if shared:
                jaccard = shared / len(members | old)
                if jaccard >= MIN_JACCARD:
                    pairs.append((-jaccard, community, segment))
    ids: list[str | None] = [None] * count
    taken: set[str] = set()
    for _, community, segment in sorted(pairs):
        if ids[community] is None and segment not in taken:
            ids[community] = segment
            taken.add(segment)
    number = previous.last_number
    out = []
    for given in ids:
        if given is None:
            number += 1
            given = f"seg-{number:04d}"
        out.append(given)
    return out, len(taken)


def agreement(
    previous: Previous, user_ids: Sequence[str], membership: np.ndarray[Any, Any]
) -> float | None:
    """Adjusted Rand index over the users both runs put in a segment (None: no such users)."""
    old, new = [], []
    for user, community in zip(user_ids, membership.tolist(), strict=True):
        segment = previous.assignment.get(user)
        if community >= 0 and segment is not None:
            old.append(segment)
            new.append(community)
    if not old:
        return None
    return float(adjusted_rand_score(old, new))


def store_segments(
    driver: Driver,
    user_ids: Sequence[str],
    membership: np.ndarray[Any, Any],
    centrality: np.ndarray[Any, Any],
    profiles: Sequence[SegmentProfile],
    run: dict[str, Any],
) -> StoredRun:
    """Replace the graph's segments by this run's (module docstring).

    ``run``: what the run node records (algorithm, backend, modularity, settings); ``run_id``,
    time, the id counter and the agreement with the previous run are added here.
    """
    previous = read_previous(driver)
    segment_ids, kept = match_ids(previous, user_ids, membership)
    rand = agreement(previous, user_ids, membership)
    at = datetime.now(UTC)
    run_id = f"segments-{at.strftime('%Y%m%dT%H%M%S%fZ')}"
    numbers = [int(s.split("-")[1]) for s in segment_ids if s.startswith("seg-")]
    segments = [
        {
            "id": segment_ids[p.index],
            "label": p.label,
            "size": p.size,
            "share": p.share,
            "run": run_id,
            "activity": p.activity,
            "activity_lift": p.activity_lift,
            **{f"top_{kind}": [i.name for i in interests] for kind, interests in p.top.items()},
            **{
                f"top_{kind}_lift": [i.lift for i in interests] for kind, interests in p.top.items()
            },
            **{
                f"top_{kind}_share": [i.share for i in interests]
                for kind, interests in p.top.items()
            },
            **{f"top_{kind}_ids": [i.id for i in interests] for kind, interests in p.top.items()},
        }
        for p in profiles
    ]
    members = [
        [user, segment_ids[community], float(score)]
        for user, community, score in zip(
            user_ids, membership.tolist(), centrality.tolist(), strict=True
        )
        if community >= 0
    ]
    run_node = run | {
        "id": run_id,
        "at": at,
        "segments": len(segments),
        "users": len(members),
        "kept_ids": kept,
        "last_number": max([previous.last_number, *numbers]),
    }
    if rand is not None:
        run_node["agreement"] = rand

    def write(tx: ManagedTransaction) -> int:
        tx.run(CLEAR_QUERY).consume()
        tx.run(DROP_SEGMENTS_QUERY, keep=segment_ids).consume()
        tx.run(WRITE_SEGMENTS_QUERY, segments=segments).consume()
        written = 0
        for start in range(0, len(members), BATCH):
            batch = members[start : start + BATCH]
            written += tx.run(WRITE_MEMBERS_QUERY, members=batch).single(strict=True)["written"]
        tx.run(WRITE_RUN_QUERY, run=run_node).consume()
        return int(written)

    try:
        with driver.session() as session:
            written = session.execute_write(write)
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"Neo4j went away while writing segments: {e}") from e
    except Neo4jError as e:
        raise InterestGraphError(f"writing segments failed: {e.message}") from e
    return StoredRun(run_id, segment_ids, kept, rand, written)
