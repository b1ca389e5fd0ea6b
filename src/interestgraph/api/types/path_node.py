"""The ``PathNode`` GraphQL type and the ``PathNodeKind`` enum."""

from __future__ import annotations

from enum import Enum

import strawberry

from interestgraph.serving.records import PathNodeRecord


@strawberry.enum(description="The kind of a node on an explanation's path.")
class PathNodeKind(Enum):
    USER = "user"
    ITEM = "item"
    BRAND = "brand"
    CATEGORY = "category"
    TOPIC = "topic"


@strawberry.type(description="A node of the graph on the path that explains a recommendation.")
class PathNode:
    kind: PathNodeKind
    id: strawberry.ID = strawberry.field(
        description="The node's id; the user's is the shop's own id the client sent."
    )
    name: str = strawberry.field(
        description="Item title (else id), brand or category name, topic label."
    )

    @classmethod
    def from_record(cls, record: PathNodeRecord, shop_user_id: str) -> PathNode:
        """``shop_user_id`` replaces the pseudonym of a user node, which the API never shows."""
        if record.kind == "user":
            return cls(kind=PathNodeKind.USER, id=strawberry.ID(shop_user_id), name=shop_user_id)
        return cls(kind=PathNodeKind(record.kind), id=strawberry.ID(record.id), name=record.name)
