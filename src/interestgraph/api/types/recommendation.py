"""The ``Recommendation`` GraphQL type; its explanation comes through the request's loader."""

from __future__ import annotations

import strawberry

from interestgraph.api.context import Info
from interestgraph.api.types.item import Item
from interestgraph.api.types.path_node import PathNode
from interestgraph.errors import NotFound
from interestgraph.serving.records import ExplanationRecord, ScoredItem


@strawberry.type(description="An item the user has not bought, ranked for them.")
class Recommendation:
    item: Item
    score: float = strawberry.field(description="Inner product of user and item embeddings.")
    pseudonym: strawberry.Private[str]
    shop_user_id: strawberry.Private[str]

    @classmethod
    def from_record(cls, record: ScoredItem, pseudonym: str, shop_user_id: str) -> Recommendation:
        """A recommendation for the user known to the graph as ``pseudonym``."""
        return cls(
            item=Item(id=strawberry.ID(record.item_id)),
            score=record.score,
            pseudonym=pseudonym,
            shop_user_id=shop_user_id,
        )

    @strawberry.field(
        description=(
            "Why: the strongest path in the graph from the user to the item, in words, naming "
            "its nodes and the counts behind it."
        )
    )
    async def reason(self, info: Info) -> str:
        return (await self._explanation(info)).reason

    @strawberry.field(
        description="That path's nodes from the user to the item; empty when none links them."
    )
    async def path(self, info: Info) -> list[PathNode]:
        found = await self._explanation(info)
        return [PathNode.from_record(node, self.shop_user_id) for node in found.path]

    async def _explanation(self, info: Info) -> ExplanationRecord:
        """Batched with the request's other recommendations for this user into one query."""
        found = await info.context.explanations.load((self.pseudonym, self.item.id))
        if found is None:
            raise NotFound(f"no item with id '{self.item.id}'")
        return found
