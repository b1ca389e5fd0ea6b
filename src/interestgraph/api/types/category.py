"""The ``Category`` GraphQL type and the Relay connection of its items."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from interestgraph.api.context import Info
from interestgraph.api.pagination import PageInfo, decode_cursor, encode_cursor
from interestgraph.api.validation import check_first
from interestgraph.errors import BadInput, NotFound
from interestgraph.serving.records import CategoryRecord

if TYPE_CHECKING:
    from interestgraph.api.types.item import Item

ITEM_CURSOR = "category-item"


@strawberry.type
class CategoryItemEdge:
    cursor: str
    node: Annotated[Item, strawberry.lazy("interestgraph.api.types.item")]


@strawberry.type(description="A page of a category's items, by id.")
class CategoryItemConnection:
    edges: list[CategoryItemEdge]
    page_info: PageInfo
    total_count: int = strawberry.field(description="Items in the category's whole subtree.")


@strawberry.type(description="A node of the category tree.")
class Category:
    id: strawberry.ID = strawberry.field(description="The path joined with ' > '.")
    name: str = strawberry.field(description="Last element of the path.")
    path: list[str] = strawberry.field(description="Names from the top level down to this one.")

    @classmethod
    def from_record(cls, record: CategoryRecord) -> Category:
        return cls(id=strawberry.ID(record.id), name=record.name, path=list(record.path))

    @strawberry.field(description="Items in the category or below it, by id (Relay connection).")
    async def items(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> CategoryItemConnection:
        from interestgraph.api.types.item import Item

        check_first(first)
        start = _item_after(after) if after is not None else None
        page = await info.context.category_items.load((str(self.id), start, first + 1))
        if page is None:
            raise NotFound(f"no category with id '{self.id}'")
        edges = [
            CategoryItemEdge(
                cursor=encode_cursor(ITEM_CURSOR, item_id), node=Item(id=strawberry.ID(item_id))
            )
            for item_id in page.entries[:first]
        ]
        return CategoryItemConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(page.entries) > first,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.total,
        )


def _item_after(cursor: str) -> str:
    value = decode_cursor(ITEM_CURSOR, cursor)
    if not isinstance(value, str):
        raise BadInput(f"not a cursor of this list: '{cursor}'")
    return value
