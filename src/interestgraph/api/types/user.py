"""The ``User`` GraphQL type."""

from __future__ import annotations

import asyncio

import strawberry

from interestgraph.api.context import Info
from interestgraph.api.types.interest import Interest
from interestgraph.api.types.recommendation import Recommendation
from interestgraph.api.validation import check_first
from interestgraph.serving.recommend import recommend_items, user_interests
from interestgraph.serving.records import UserRecord


@strawberry.type(description="A shopper.")
class User:
    id: strawberry.ID

    @classmethod
    def from_record(cls, record: UserRecord) -> User:
        return cls(id=strawberry.ID(record.id))

    @strawberry.field(description="Categories and brands the user bought from, most shared first.")
    async def interests(self, info: Info, first: int = 10) -> list[Interest]:
        check_first(first)
        found = await asyncio.to_thread(user_interests, info.context.driver, self.id, first)
        return [Interest.from_record(i) for i in found]

    @strawberry.field(description="Items the user has not bought, best first.")
    async def recommendations(self, info: Info, first: int = 10) -> list[Recommendation]:
        check_first(first)
        found = await asyncio.to_thread(recommend_items, info.context.driver, self.id, first)
        return [Recommendation.from_record(s) for s in found]
