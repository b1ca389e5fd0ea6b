"""The ``User`` GraphQL type; every field reads through the request's loaders."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from enum import Enum
from typing import TypeVar

import strawberry

from interestgraph.api.context import Info
from interestgraph.api.pagination import PageInfo, decode_cursor, encode_cursor
from interestgraph.api.types.interest import KIND_NAMES, Interest, InterestKind
from interestgraph.api.types.item import Item
from interestgraph.api.types.item_filter import Exclude, ItemFilterInput, item_filter
from interestgraph.api.types.recommendation import Recommendation
from interestgraph.api.types.segment import Segment
from interestgraph.api.validation import check_first
from interestgraph.errors import BadInput, InterestGraphError, NotFound
from interestgraph.ingest.events import RELATIONSHIPS
from interestgraph.serving.lists import HistoryEntry as HistoryRecord
from interestgraph.serving.lists import HistoryKey
from interestgraph.serving.records import UserRecord

T = TypeVar("T")
HISTORY_CURSOR = "history"


@strawberry.enum(description="What a shopper did with an item.")
class EventType(Enum):
    VIEW = "view"
    CLICK = "click"
    ADD_TO_CART = "add_to_cart"
    PURCHASE = "purchase"
    RATE = "rate"


_TYPE_OF_RELATIONSHIP = {rel: EventType(kind) for kind, rel in RELATIONSHIPS.items()}


@strawberry.type(description="All of a user's events of one type on one item.")
class HistoryEntry:
    type: EventType
    item: Item
    count: int = strawberry.field(description="How many such events.")
    first_at: datetime | None = strawberry.field(description="The first one's time, when timed.")
    last_at: datetime | None = strawberry.field(description="The latest one's time, when timed.")
    quantity: int | None = strawberry.field(description="Units in all, for carts and purchases.")
    rating: float | None = strawberry.field(description="The latest rating, for ratings.")

    @classmethod
    def from_record(cls, record: HistoryRecord) -> HistoryEntry:
        return cls(
            type=_TYPE_OF_RELATIONSHIP[record.key.kind],
            item=Item(id=strawberry.ID(record.key.item_id)),
            count=record.count,
            first_at=record.first_at,
            last_at=record.last_at,
            quantity=record.quantity,
            rating=record.rating,
        )


@strawberry.type
class HistoryEdge:
    cursor: str
    node: HistoryEntry


@strawberry.type(description="A page of a user's history, latest activity first.")
class HistoryConnection:
    edges: list[HistoryEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="A shopper.")
class User:
    id: strawberry.ID = strawberry.field(
        description=(
            "The shop's own user id, as the client sent it. The graph stores only a keyed "
            "pseudonym of it (HMAC-SHA256), which the API never returns."
        )
    )
    pseudonym: strawberry.Private[str]

    @classmethod
    def from_record(cls, record: UserRecord, shop_user_id: str) -> User:
        """The user ``record`` (keyed by pseudonym) as the client knows it, by its own id."""
        return cls(id=strawberry.ID(shop_user_id), pseudonym=record.id)

    @strawberry.field(
        description=(
            "The user's interest profile, strongest first; only categories, brands or topics "
            "with `kind`. Kept up to date by `recordEvents`; built for everyone by "
            "`interestgraph interests`."
        )
    )
    async def interests(
        self, info: Info, first: int = 10, kind: InterestKind | None = None
    ) -> list[Interest]:
        check_first(first)
        key = (self.pseudonym, first, KIND_NAMES[kind] if kind is not None else None)
        found = await self._named(info.context.interests.load(key))
        return [Interest.from_record(i) for i in found]

    @strawberry.field(
        description=(
            "Items for the user, best first: by default none they interacted with; `filter` "
            "keeps a category subtree or a brand, and the list still holds `first` items when "
            "that many pass."
        )
    )
    async def recommendations(
        self,
        info: Info,
        first: int = 10,
        filter: ItemFilterInput | None = None,
        exclude: Exclude = Exclude.INTERACTED,
    ) -> list[Recommendation]:
        check_first(first)
        key = (self.pseudonym, first, item_filter(filter), exclude.to_serving())
        found = await self._named(info.context.recommendations.load(key))
        return [Recommendation.from_record(s, self.pseudonym, str(self.id)) for s in found]

    @strawberry.field(description="The user's segment; null when in none (`segments run`).")
    async def segment(self, info: Info) -> Segment | None:
        record = await info.context.user_segments.load(self.pseudonym)
        return Segment.from_record(record) if record is not None else None

    @strawberry.field(
        description=(
            "What the user did, one entry per event type and item, latest activity first "
            "(Relay connection). An entry with new events moves to the front."
        )
    )
    async def history(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> HistoryConnection:
        check_first(first)
        start = _history_after(after) if after is not None else None
        page = await info.context.history.load((self.pseudonym, start, first + 1))
        if page is None:
            raise NotFound(f"no user with id '{self.id}'")
        entries = page.entries[:first]
        edges = [
            HistoryEdge(
                cursor=encode_cursor(HISTORY_CURSOR, [e.key.at, e.key.kind, e.key.item_id]),
                node=HistoryEntry.from_record(e),
            )
            for e in entries
        ]
        return HistoryConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(page.entries) > first,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.total,
        )

    async def _named(self, pending: Awaitable[T]) -> T:
        """Await a loader's answer; its errors name the client's id, not the pseudonym."""
        try:
            return await pending
        except InterestGraphError as e:
            raise type(e)(str(e).replace(self.pseudonym, str(self.id))) from e


def _history_after(cursor: str) -> HistoryKey:
    value = decode_cursor(HISTORY_CURSOR, cursor)
    if not (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], int)
        and not isinstance(value[0], bool)
        and isinstance(value[1], str)
        and value[1] in _TYPE_OF_RELATIONSHIP
        and isinstance(value[2], str)
    ):
        raise BadInput(f"not a cursor of this list: '{cursor}'")
    return HistoryKey(value[0], value[1], value[2])
