"""What every resolver of one request sees: the process's driver and pseudonymizer, and the
request's DataLoaders."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import strawberry
from neo4j import Driver
from strawberry.dataloader import DataLoader

from interestgraph.privacy import Pseudonymizer
from interestgraph.serving.recommend import item_details
from interestgraph.serving.records import ItemRecord


@dataclass
class Context:
    """Made per request, so loader caches never outlive the request that filled them."""

    driver: Driver
    pseudonymizer: Pseudonymizer
    items: DataLoader[str, ItemRecord | None]


Info = strawberry.Info[Context, None]


def make_context(driver: Driver, pseudonymizer: Pseudonymizer) -> Context:
    """A context whose item loader turns all the item lookups of one tick into one query.

    ``pseudonymizer`` maps the shop's user ids clients send to the pseudonyms the graph holds.
    """

    async def load_items(ids: list[str]) -> list[ItemRecord | None]:
        details = await asyncio.to_thread(item_details, driver, ids)
        return [details.get(item_id) for item_id in ids]

    return Context(driver=driver, pseudonymizer=pseudonymizer, items=DataLoader(load_fn=load_items))
