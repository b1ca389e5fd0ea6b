"""The root ``Query`` type: look a user, an item, a category or a segment up by id; page
through segments."""

from __future__ import annotations

import asyncio

import strawberry

from interestgraph.api.context import Info
from interestgraph.api.pagination import PageInfo, decode_cursor, encode_cursor
from interestgraph.api.types.category import Category
from interestgraph.api.types.item import Item
from interestgraph.api.types.segment import Segment, SegmentConnection, SegmentEdge
from interestgraph.api.types.user import User
from interestgraph.api.validation import check_first
from interestgraph.errors import BadInput, NotFound
from interestgraph.serving.segments import segments_page

SEGMENT_CURSOR = "segment"


@strawberry.type
class Query:
    @strawberry.field(
        description=(
            "The user with this id, the shop's own user id (hashed with the configured "
            "pseudonym key, as at ingest); NOT_FOUND when there is none."
        )
    )
    async def user(self, info: Info, id: strawberry.ID) -> User:
        pseudonym = info.context.pseudonymizer.user_id(id)
        record = await info.context.users.load(pseudonym)
        if record is None:
            raise NotFound(f"no user with id '{id}'")
        return User.from_record(record, id)

    @strawberry.field(description="The item with this id (ASIN); NOT_FOUND when there is none.")
    async def item(self, info: Info, id: strawberry.ID) -> Item:
        record = await info.context.items.load(id)
        if record is None:
            raise NotFound(f"no item with id '{id}'")
        return Item.from_record(record)

    @strawberry.field(description="Segments, largest first (Relay connection).")
    async def segments(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> SegmentConnection:
        check_first(first)
        run, offset = _position_after(after) if after is not None else (None, 0)
        page = await asyncio.to_thread(segments_page, info.context.driver, offset, first)
        if after is not None and run != page.run:
            raise BadInput("the segments were recomputed since this cursor: start from the first")
        edges = [
            SegmentEdge(
                cursor=encode_cursor(SEGMENT_CURSOR, [page.run, offset + k + 1]),
                node=Segment.from_record(record),
            )
            for k, record in enumerate(page.segments)
        ]
        return SegmentConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=offset + len(page.segments) < page.total,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.total,
        )

    @strawberry.field(description="The segment with this id; NOT_FOUND when there is none.")
    async def segment(self, info: Info, id: strawberry.ID) -> Segment:
        record = await info.context.segments.load(str(id))
        if record is None:
            raise NotFound(f"no segment with id '{id}'")
        return Segment.from_record(record)

    @strawberry.field(
        description="The category with this id (its path joined with ' > '); NOT_FOUND when none."
    )
    async def category(self, info: Info, id: strawberry.ID) -> Category:
        record = await info.context.categories.load(str(id))
        if record is None:
            raise NotFound(f"no category with id '{id}'")
        return Category.from_record(record)


def _position_after(cursor: str) -> tuple[str | None, int]:
    """The run a segments cursor was made in and the offset after it: positions in the size
    order mean nothing once another run replaced the segments."""
    value = decode_cursor(SEGMENT_CURSOR, cursor)
    if not (
        isinstance(value, list)
        and len(value) == 2
        and (value[0] is None or isinstance(value[0], str))
        and isinstance(value[1], int)
        and not isinstance(value[1], bool)
        and value[1] >= 0
    ):
        raise BadInput(f"not a cursor of this list: '{cursor}'")
    return value[0], value[1]
