"""Arguments that narrow item lists: the ``ItemFilter`` input and the ``Exclude`` enum."""

from __future__ import annotations

from enum import Enum

import strawberry

from interestgraph.serving.recommend import Exclude as ServingExclude
from interestgraph.serving.recommend import ItemFilter


@strawberry.input(
    name="ItemFilter",
    description="Only items in a category's whole subtree, of a brand, or both.",
)
class ItemFilterInput:
    category: strawberry.ID | None = strawberry.field(
        default=None, description="A category id (the path joined with ' > '); its subtree."
    )
    brand: strawberry.ID | None = strawberry.field(default=None, description="A brand id.")

    def to_filter(self) -> ItemFilter:
        return ItemFilter(
            category=str(self.category) if self.category is not None else None,
            brand=str(self.brand) if self.brand is not None else None,
        )


@strawberry.enum(description="Which of the user's own items recommendations leave out.")
class Exclude(Enum):
    INTERACTED = "interacted"
    PURCHASED = "purchased"
    NOTHING = "nothing"

    def to_serving(self) -> ServingExclude:
        return ServingExclude(self.value)


def item_filter(value: ItemFilterInput | None) -> ItemFilter:
    return value.to_filter() if value is not None else ItemFilter()
