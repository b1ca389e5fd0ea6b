"""The ``Recommendation`` GraphQL type."""

from __future__ import annotations

import strawberry

from interestgraph.api.types.item import Item
from interestgraph.serving.records import ScoredItem


@strawberry.type(description="An item the user has not bought, ranked for them.")
class Recommendation:
    item: Item
    score: float = strawberry.field(description="Inner product of user and item embeddings.")

    @classmethod
    def from_record(cls, record: ScoredItem) -> Recommendation:
        return cls(item=Item(id=strawberry.ID(record.item_id)), score=record.score)
