"""The ``Brand`` GraphQL type."""

from __future__ import annotations

import strawberry

from interestgraph.serving.records import BrandRecord


@strawberry.type(description="A brand items are made by.")
class Brand:
    id: strawberry.ID = strawberry.field(description="Normalised key of the brand name.")
    name: str = strawberry.field(description="Display name.")

    @classmethod
    def from_record(cls, record: BrandRecord) -> Brand:
        return cls(id=strawberry.ID(record.id), name=record.name)
