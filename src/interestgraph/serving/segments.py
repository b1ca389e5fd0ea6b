"""Reads of the stored segments (segments/store.py) for the API: pages of segments by size,
one segment, its members by centrality, a user's segment."""

from __future__ import annotations

from neo4j import Driver, RoutingControl

from interestgraph.serving.records import (
    MemberRecord,
    SegmentRecord,
    SegmentsPage,
)

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
