"""The ``Segment`` GraphQL type and its Relay connections."""

from __future__ import annotations

import strawberry

from interestgraph.api.context import Info
from interestgraph.api.pagination import PageInfo, decode_cursor, encode_cursor
from interestgraph.api.validation import check_first
from interestgraph.errors import BadInput
from interestgraph.serving.records import MemberRecord, SegmentInterestRecord, SegmentRecord

MEMBER_CURSOR = "member"


@strawberry.type(description="An interest (or item) that sets a segment apart.")
class SegmentInterest:
    id: strawberry.ID = strawberry.field(
        description="Graph id of the category, brand, topic or item."
    )
    name: str
    lift: float = strawberry.field(
        description="Share of the segment with it over the share of all profiled users."
    )
    share: float = strawberry.field(description="Share of the segment's users with it.")

    @classmethod
    def from_record(cls, record: SegmentInterestRecord) -> SegmentInterest:
        return cls(
            id=strawberry.ID(record.id), name=record.name, lift=record.lift, share=record.share
        )


@strawberry.type(description="What a segment is about, each list by lift, highest first.")
class SegmentProfile:
    categories: list[SegmentInterest]
    brands: list[SegmentInterest]
    topics: list[SegmentInterest]
    items: list[SegmentInterest]
    activity: float = strawberry.field(description="Behaviour events per user.")
    activity_lift: float = strawberry.field(description="Activity over the average user's.")


@strawberry.type(description="A user in a segment.")
class SegmentMember:
    user_pseudonym: strawberry.ID = strawberry.field(
        description=(
            "The graph's keyed pseudonym of the user, as in the audience CSVs: segments hold no "
            "shop ids (`interestgraph pseudonym` maps the shop's own ids to these)."
        )
    )
    centrality: float = strawberry.field(
        description="Summed similarity to the segment's other users: key users first."
    )


@strawberry.type
class SegmentMemberEdge:
    cursor: str
    node: SegmentMember


@strawberry.type(description="A page of a segment's members, most central first.")
class SegmentMemberConnection:
    edges: list[SegmentMemberEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="A group of users with shared interests (`segments run`).")
class Segment:
    id: strawberry.ID = strawberry.field(description="Stable across runs while it persists.")
    label: str = strawberry.field(description="Built from its top interests.")
    size: int
    share: float = strawberry.field(description="Share of the profiled users.")
    run: str = strawberry.field(description="The segmentation run that made it.")
    record: strawberry.Private[SegmentRecord]

    @classmethod
    def from_record(cls, record: SegmentRecord) -> Segment:
        return cls(
            id=strawberry.ID(record.id),
            label=record.label,
            size=record.size,
            share=record.share,
            run=record.run,
            record=record,
        )

    @strawberry.field
    def profile(self) -> SegmentProfile:
        top = self.record.top

        def interests(kind: str) -> list[SegmentInterest]:
            return [SegmentInterest.from_record(i) for i in top.get(kind, [])]

        return SegmentProfile(
            categories=interests("category"),
            brands=interests("brand"),
            topics=interests("topic"),
            items=interests("item"),
            activity=self.record.activity,
            activity_lift=self.record.activity_lift,
        )

    @strawberry.field(description="Members, most central first (Relay connection).")
    async def members(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> SegmentMemberConnection:
        check_first(first)
        start = _member_after(after) if after is not None else None
        found = await info.context.members.load((self.record.id, start, first + 1))
        page = found[:first]
        edges = [
            SegmentMemberEdge(
                cursor=encode_cursor(MEMBER_CURSOR, [m.centrality, m.user_id]),
                node=SegmentMember(
                    user_pseudonym=strawberry.ID(m.user_id), centrality=m.centrality
                ),
            )
            for m in page
        ]
        return SegmentMemberConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(found) > first,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=self.record.size,
        )


def _member_after(cursor: str) -> MemberRecord:
    value = decode_cursor(MEMBER_CURSOR, cursor)
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int | float)
        or not isinstance(value[1], str)
    ):
        raise BadInput(f"not a cursor of this list: '{cursor}'")
    return MemberRecord(value[1], float(value[0]))


@strawberry.type
class SegmentEdge:
    cursor: str
    node: Segment


@strawberry.type(description="A page of segments, largest first.")
class SegmentConnection:
    edges: list[SegmentEdge]
    page_info: PageInfo
    total_count: int
