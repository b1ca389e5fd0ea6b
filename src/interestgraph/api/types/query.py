"""The root ``Query`` type: look a user or an item up by id."""

from __future__ import annotations

import asyncio

import strawberry

from interestgraph.api.context import Info
from interestgraph.api.types.item import Item
from interestgraph.api.types.user import User
from interestgraph.errors import NotFound
from interestgraph.serving.recommend import get_user


@strawberry.type
class Query:
    @strawberry.field(
        description=(
            "The user with this id, the shop's own user id (hashed with the configured "
            "pseudonym key, as at ingest); NOT_FOUND when there is none."
        )
    )
    async def user(self, info: Info, id: strawberry.ID) -> User:
        pseudonym = info.context.pseudonymizer.user_id(id)
        try:
            record = await asyncio.to_thread(get_user, info.context.driver, pseudonym)
        except NotFound as e:
            raise NotFound(f"no user with id '{id}'") from e
        return User.from_record(record, id)

    @strawberry.field(description="The item with this id (ASIN); NOT_FOUND when there is none.")
    async def item(self, info: Info, id: strawberry.ID) -> Item:
        record = await info.context.items.load(id)
        if record is None:
            raise NotFound(f"no item with id '{id}'")
        return Item.from_record(record)
