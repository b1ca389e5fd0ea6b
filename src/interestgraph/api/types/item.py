"""The ``Item`` GraphQL type; its fields come through the request's loaders."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from interestgraph.api.context import Info
from interestgraph.api.types.brand import Brand
from interestgraph.api.types.category import Category
from interestgraph.api.types.item_filter import ItemFilterInput, item_filter
from interestgraph.api.validation import check_first
from interestgraph.errors import NotFound
from interestgraph.serving.records import ItemRecord

if TYPE_CHECKING:
    from interestgraph.api.types.similar_item import SimilarItem


@strawberry.type(description="A product of the shop.")
class Item:
    id: strawberry.ID = strawberry.field(description="The ASIN.")

    @classmethod
    def from_record(cls, record: ItemRecord) -> Item:
        return cls(id=strawberry.ID(record.id))

    @strawberry.field(description="Who makes it, when known.")
    async def brand(self, info: Info) -> Brand | None:
        record = await self._details(info)
        return Brand.from_record(record.brand) if record.brand is not None else None

    @strawberry.field(description="The leaf categories it is listed in.")
    async def categories(self, info: Info) -> list[Category]:
        record = await self._details(info)
        return [Category.from_record(c) for c in record.categories]

    @strawberry.field(
        description="Other items closest to this one, best first; `filter` as for recommendations."
    )
    async def similar(
        self,
        info: Info,
        first: int = 10,
        filter: ItemFilterInput | None = None,
    ) -> list[Annotated[SimilarItem, strawberry.lazy("interestgraph.api.types.similar_item")]]:
        from interestgraph.api.types.similar_item import SimilarItem

        check_first(first)
        found = await info.context.similar.load((str(self.id), first, item_filter(filter)))
        return [SimilarItem.from_record(s) for s in found]

    async def _details(self, info: Info) -> ItemRecord:
        """Batched with every other item of the request into one query."""
        record = await info.context.items.load(self.id)
        if record is None:
            raise NotFound(f"no item with id '{self.id}'")
        return record
