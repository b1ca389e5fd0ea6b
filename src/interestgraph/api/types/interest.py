"""The ``Interest`` GraphQL type and the ``InterestKind`` enum."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from interestgraph.serving.records import InterestKind as InterestKindName
from interestgraph.serving.records import InterestRecord


@strawberry.enum(description="What a user is interested in.")
class InterestKind(Enum):
    CATEGORY = "category"
    BRAND = "brand"
    TOPIC = "topic"


KIND_NAMES: dict[InterestKind, InterestKindName] = {
    InterestKind.CATEGORY: "category",
    InterestKind.BRAND: "brand",
    InterestKind.TOPIC: "topic",
}
"""The serving layer's name of each kind."""


@strawberry.type(
    description=(
        "A category, brand or topic the user is interested in, from their weighted and "
        "time-decayed behaviour (built by `interestgraph interests`)."
    )
)
class Interest:
    kind: InterestKind
    id: strawberry.ID = strawberry.field(description="Id of the category, brand or topic.")
    name: str = strawberry.field(description="Its name; a topic's label.")
    score: float = strawberry.field(description="In (0, 1]; the user's strongest interest is 1.")
    evidence: int = strawberry.field(description="Behaviour events behind this interest.")
    last_at: datetime | None = strawberry.field(
        description="Time of the latest of those events, when the data has times."
    )

    @classmethod
    def from_record(cls, record: InterestRecord) -> Interest:
        return cls(
            kind=InterestKind(record.kind),
            id=strawberry.ID(record.id),
            name=record.name,
            score=record.score,
            evidence=record.evidence,
            last_at=record.last_at,
        )
