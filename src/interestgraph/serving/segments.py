"""Reads of the stored segments (segments/store.py) for the API: pages of segments by size,
one segment, its members by centrality, a user's segment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neo4j import Driver, RoutingControl

KINDS = ("category", "brand", "topic", "item")

SEGMENTS_PAGE_QUERY = """
OPTIONAL MATCH (run:SegmentRun {current: true})
CALL () {
  MATCH (s:Segment)
  WITH s ORDER BY s.size DESC, s.id
  RETURN collect(s) AS ordered
}
RETURN run.id AS run, size(ordered) AS total,
       [s IN ordered[$offset..$offset + $limit] | s {.*}] AS page
"""
SEGMENT_QUERY = "MATCH (s:Segment {id: $id}) RETURN s {.*} AS segment"
USER_SEGMENT_QUERY = """
MATCH (:User {id: $user_id})-[:IN_SEGMENT]->(s:Segment)
RETURN s {.*} AS segment
"""
# Keyset pages: members after (centrality, pseudonym) in (centrality desc, pseudonym) order.
MEMBERS_QUERY = """
MATCH (s:Segment {id: $id})<-[m:IN_SEGMENT]-(u:User)
WITH u.id AS user_id, m.centrality AS centrality
WHERE $after_centrality IS NULL
   OR centrality < $after_centrality
   OR (centrality = $after_centrality AND user_id > $after_user)
RETURN user_id, centrality
ORDER BY centrality DESC, user_id
LIMIT $limit
"""


@dataclass(frozen=True, slots=True)
class SegmentInterestRecord:
    id: str
    name: str
    lift: float
    share: float


@dataclass(frozen=True, slots=True)
class SegmentRecord:
    """A stored segment with its profile (segments/profiles.py)."""

    id: str
    label: str
    size: int
    share: float
    run: str
    activity: float
    activity_lift: float
    top: dict[str, list[SegmentInterestRecord]]

    @classmethod
    def from_properties(cls, p: dict[str, Any]) -> SegmentRecord:
        return cls(
            id=p["id"],
            label=p["label"],
            size=int(p["size"]),
            share=float(p["share"]),
            run=p["run"],
            activity=float(p.get("activity") or 0.0),
            activity_lift=float(p.get("activity_lift") or 0.0),
            top={
                kind: [
                    SegmentInterestRecord(i, n, float(lift), float(share))
                    for i, n, lift, share in zip(
                        p.get(f"top_{kind}_ids") or [],
                        p.get(f"top_{kind}") or [],
                        p.get(f"top_{kind}_lift") or [],
                        p.get(f"top_{kind}_share") or [],
                        strict=False,
                    )
                ]
                for kind in KINDS
            },
        )


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """A member by pseudonym (segments hold no shop ids) and its centrality in the segment."""

    user_id: str
    centrality: float


@dataclass(frozen=True, slots=True)
class SegmentsPage:
    """Segments at an offset of the size order of ``run`` (None before any run)."""

    run: str | None
    total: int
    segments: list[SegmentRecord]


def segments_page(driver: Driver, offset: int, limit: int) -> SegmentsPage:
    """The segments at ``offset..offset+limit`` by size, the total and the current run."""
    records, _, _ = driver.execute_query(
        SEGMENTS_PAGE_QUERY, offset=offset, limit=limit, routing_=RoutingControl.READ
    )
    record = records[0]
    return SegmentsPage(
        record["run"],
        int(record["total"]),
        [SegmentRecord.from_properties(p) for p in record["page"]],
    )


def get_segment(driver: Driver, segment_id: str) -> SegmentRecord | None:
    records, _, _ = driver.execute_query(SEGMENT_QUERY, id=segment_id, routing_=RoutingControl.READ)
    return SegmentRecord.from_properties(records[0]["segment"]) if records else None


def user_segment(driver: Driver, user_id: str) -> SegmentRecord | None:
    records, _, _ = driver.execute_query(
        USER_SEGMENT_QUERY, user_id=user_id, routing_=RoutingControl.READ
    )
    return SegmentRecord.from_properties(records[0]["segment"]) if records else None


def segment_members(
    driver: Driver, segment_id: str, after: MemberRecord | None, limit: int
) -> list[MemberRecord]:
    """Up to ``limit`` members after ``after`` (None: from the first), most central first."""
    records, _, _ = driver.execute_query(
        MEMBERS_QUERY,
        id=segment_id,
        after_centrality=after.centrality if after else None,
        after_user=after.user_id if after else None,
        limit=limit,
        routing_=RoutingControl.READ,
    )
    return [MemberRecord(r["user_id"], float(r["centrality"])) for r in records]
