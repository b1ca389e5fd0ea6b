"""The ``Category`` GraphQL type."""

from __future__ import annotations

import strawberry

from interestgraph.serving.records import CategoryRecord


@strawberry.type(description="A node of the category tree.")
class Category:
    id: strawberry.ID = strawberry.field(description="The path joined with ' > '.")
    name: str = strawberry.field(description="Last element of the path.")
    path: list[str] = strawberry.field(description="Names from the top level down to this one.")

    @classmethod
    def from_record(cls, record: CategoryRecord) -> Category:
        return cls(id=strawberry.ID(record.id), name=record.name, path=list(record.path))
