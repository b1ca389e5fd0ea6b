"""The ``Interest`` GraphQL type."""

from __future__ import annotations

import strawberry

from interestgraph.serving.records import InterestRecord


@strawberry.type(description="A category or brand a user bought from, with its share of purchases.")
class Interest:
    kind: str = strawberry.field(description="'category' or 'brand'.")
    id: strawberry.ID = strawberry.field(description="Id of the category or brand.")
    name: str
    score: float = strawberry.field(description="count / the user's number of purchases.")
    count: int = strawberry.field(
        description="Purchases in this category (or any of its subcategories) or of this brand."
    )

    @classmethod
    def from_record(cls, record: InterestRecord) -> Interest:
        return cls(
            kind=record.kind,
            id=strawberry.ID(record.id),
            name=record.name,
            score=record.score,
            count=record.count,
        )
