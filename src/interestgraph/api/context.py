"""What every resolver of one request sees: the process's driver and pseudonymizer, and the
request's DataLoaders."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import strawberry
from neo4j import Driver
from strawberry.dataloader import DataLoader

from interestgraph.privacy import Pseudonymizer
from interestgraph.serving.explain import explain_recommendations
from interestgraph.serving.recommend import item_details
from interestgraph.serving.records import ExplanationRecord, ItemRecord

# (user pseudonym, item id): what an explanation is loaded by.
ExplanationKey = tuple[str, str]


@dataclass
class Context:
    """Made per request, so loader caches never outlive the request that filled them."""

    driver: Driver
    pseudonymizer: Pseudonymizer
    items: DataLoader[str, ItemRecord | None]
    explanations: DataLoader[ExplanationKey, ExplanationRecord | None]


Info = strawberry.Info[Context, None]


def make_context(driver: Driver, pseudonymizer: Pseudonymizer) -> Context:
    """A context whose loaders turn all the item lookups of one tick into one query, and all
    the explanations of one user's recommendations into one query.

    ``pseudonymizer`` maps the shop's user ids clients send to the pseudonyms the graph holds.
    """

    async def load_items(ids: list[str]) -> list[ItemRecord | None]:
        details = await asyncio.to_thread(item_details, driver, ids)
        return [details.get(item_id) for item_id in ids]

    async def load_explanations(keys: list[ExplanationKey]) -> list[ExplanationRecord | None]:
        by_user: dict[str, list[str]] = {}
        for user_id, item_id in keys:
            by_user.setdefault(user_id, []).append(item_id)
        found: dict[ExplanationKey, ExplanationRecord] = {}
        for user_id, item_ids in by_user.items():
            explained = await asyncio.to_thread(explain_recommendations, driver, user_id, item_ids)
            found.update({(user_id, item_id): e for item_id, e in explained.items()})
        return [found.get(key) for key in keys]

    return Context(
        driver=driver,
        pseudonymizer=pseudonymizer,
        items=DataLoader(load_fn=load_items),
        explanations=DataLoader(load_fn=load_explanations),
    )
