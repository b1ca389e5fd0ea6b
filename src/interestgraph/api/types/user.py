"""The ``User`` GraphQL type."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import TypeVar

import strawberry

from interestgraph.api.context import Info
from interestgraph.api.types.interest import Interest, InterestKind
from interestgraph.api.types.item_filter import Exclude, ItemFilterInput, item_filter
from interestgraph.api.types.recommendation import Recommendation
from interestgraph.api.types.segment import Segment
from interestgraph.api.validation import check_first
from interestgraph.errors import InterestGraphError
from interestgraph.serving.recommend import recommend_items, user_interests
from interestgraph.serving.records import UserRecord
from interestgraph.serving.segments import user_segment

T = TypeVar("T")


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
            "with `kind`. Empty until `interestgraph interests` has built it."
        )
    )
    async def interests(
        self, info: Info, first: int = 10, kind: InterestKind | None = None
    ) -> list[Interest]:
        check_first(first)
        found = await self._read(
            user_interests, info, first, kind.value if kind is not None else None
        )
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
        found = await self._read(
            functools.partial(
                recommend_items, item_filter=item_filter(filter), exclude=exclude.to_serving()
            ),
            info,
            first,
        )
        return [Recommendation.from_record(s, self.pseudonym, str(self.id)) for s in found]

    @strawberry.field(description="The user's segment; null when in none (`segments run`).")
    async def segment(self, info: Info) -> Segment | None:
        record = await self._read(user_segment, info)
        return Segment.from_record(record) if record is not None else None

    async def _read(self, read: Callable[..., T], info: Info, *args: object) -> T:
        """Run a serving read for this user; errors name the client's id, not the pseudonym."""
        try:
            return await asyncio.to_thread(read, info.context.driver, self.pseudonym, *args)
        except InterestGraphError as e:
            raise type(e)(str(e).replace(self.pseudonym, str(self.id))) from e
