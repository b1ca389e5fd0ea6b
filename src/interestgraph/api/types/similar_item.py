"""The ``SimilarItem`` GraphQL type."""

from __future__ import annotations

import strawberry

from interestgraph.api.types.item import Item
from interestgraph.serving.records import ScoredItem


@strawberry.type(description="An item close to another one in embedding space.")
class SimilarItem:
    item: Item
    score: float = strawberry.field(description="Cosine similarity of the embeddings, -1 to 1.")

    @classmethod
    def from_record(cls, record: ScoredItem) -> SimilarItem:
        return cls(item=Item(id=strawberry.ID(record.item_id)), score=record.score)
