"""Reads of the stored segments (segments/store.py) for the API: pages of segments by size,
segments by id, members by centrality, users' segments; the per-key reads take many keys at
once for the API's DataLoaders."""

from __future__ import annotations

from collections.abc import Sequence

from neo4j import Driver, RoutingControl

from interestgraph.serving.recommend import run_read
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
SEGMENT_QUERY = """
UNWIND $ids AS id
MATCH (s:Segment {id: id})
RETURN id, s {.*} AS segment
"""
USER_SEGMENT_QUERY = """
UNWIND $user_ids AS user_id
MATCH (:User {id: user_id})-[:IN_SEGMENT]->(s:Segment)
RETURN user_id, s {.*} AS segment
"""
# Keyset pages: members after (centrality, pseudonym) in (centrality desc, pseudonym) order,
# one page per request ({n, id, after_centrality, after_user}), all of $limit.
MEMBERS_QUERY = """
UNWIND $requests AS request
MATCH (s:Segment {id: request.id})
RETURN request.n AS n, COLLECT {
  MATCH (s)<-[m:IN_SEGMENT]-(u:User)
  WITH u.id AS user_id, m.centrality AS centrality
  WHERE request.after_centrality IS NULL
     OR centrality < request.after_centrality
     OR (centrality = request.after_centrality AND user_id > request.after_user)
  RETURN [user_id, centrality]
  ORDER BY centrality DESC, user_id
  LIMIT $limit
} AS members
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


def get_segments(driver: Driver, segment_ids: Sequence[str]) -> dict[str, SegmentRecord]:
    """The segments of these ids that exist, in one read."""
    records = run_read(driver, SEGMENT_QUERY, ids=list(dict.fromkeys(segment_ids)))
    return {r["id"]: SegmentRecord.from_properties(r["segment"]) for r in records}


def get_segment(driver: Driver, segment_id: str) -> SegmentRecord | None:
    return get_segments(driver, [segment_id]).get(segment_id)


def users_segments(driver: Driver, user_ids: Sequence[str]) -> dict[str, SegmentRecord]:
    """The segment of each of these users (pseudonyms) that is in one, in one read."""
    records = run_read(driver, USER_SEGMENT_QUERY, user_ids=list(dict.fromkeys(user_ids)))
    return {r["user_id"]: SegmentRecord.from_properties(r["segment"]) for r in records}


def user_segment(driver: Driver, user_id: str) -> SegmentRecord | None:
    return users_segments(driver, [user_id]).get(user_id)


MemberPageKey = tuple[str, MemberRecord | None]
"""A page of members: the segment id and the member the page starts after (None: the first)."""


def members_pages(
    driver: Driver, pages: Sequence[MemberPageKey], limit: int
) -> dict[MemberPageKey, list[MemberRecord]]:
    """Up to ``limit`` members of each page, most central first, in one read; a page of an
    unknown segment is empty."""
    unique = list(dict.fromkeys(pages))
    requests = [
        {
            "n": n,
            "id": segment_id,
            "after_centrality": after.centrality if after else None,
            "after_user": after.user_id if after else None,
        }
        for n, (segment_id, after) in enumerate(unique)
    ]
    records = run_read(driver, MEMBERS_QUERY, requests=requests, limit=limit)
    found: dict[MemberPageKey, list[MemberRecord]] = {page: [] for page in unique}
    for record in records:
        found[unique[record["n"]]] = [MemberRecord(u, float(c)) for u, c in record["members"]]
    return found


def segment_members(
    driver: Driver, segment_id: str, after: MemberRecord | None, limit: int
) -> list[MemberRecord]:
    """Up to ``limit`` members after ``after`` (None: from the first), most central first."""
    return members_pages(driver, [(segment_id, after)], limit)[(segment_id, after)]
