"""What every resolver of one request sees: the process's driver, settings and pseudonymizer,
the caller's access, and the request's DataLoaders.

Every read that starts from a user, an item, a segment or a category goes through a loader, so
all the objects of one field level are read in one round trip, however many a query asks for
(``tests/integration/test_api_batching.py`` counts them). Loader keys carry the field's
arguments; keys with different arguments are read in one query per distinct set of arguments.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import strawberry
from neo4j import Driver
from strawberry.dataloader import DataLoader

from interestgraph.api.access import OPEN_ACCESS, Access
from interestgraph.config import Settings
from interestgraph.errors import InterestGraphError
from interestgraph.interests.profiles import InterestConfig
from interestgraph.privacy import Pseudonymizer
from interestgraph.serving.explain import explain_for_users
from interestgraph.serving.lists import (
    CategoryPageKey,
    HistoryEntry,
    HistoryKey,
    Page,
    category_item_pages,
    get_categories,
    history_pages,
)
from interestgraph.serving.live_events import NewestEventClock
from interestgraph.serving.recommend import (
    Exclude,
    ItemFilter,
    get_users,
    interests_for_users,
    item_details,
    recommend_for_users,
    similar_for_items,
)
from interestgraph.serving.records import (
    CategoryRecord,
    ExplanationRecord,
    InterestKind,
    InterestRecord,
    ItemRecord,
    MemberRecord,
    ScoredItem,
    SegmentRecord,
    UserRecord,
)
from interestgraph.serving.segments import get_segments, members_pages, users_segments

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# (user pseudonym, item id): what an explanation is loaded by.
ExplanationKey = tuple[str, str]
InterestsKey = tuple[str, int, InterestKind | None]
RecommendationsKey = tuple[str, int, ItemFilter, Exclude]
SimilarKey = tuple[str, int, ItemFilter]
MembersKey = tuple[str, MemberRecord | None, int]
HistoryPageLoadKey = tuple[str, HistoryKey | None, int]
CategoryItemsKey = tuple[str, str | None, int]


@dataclass
class Services:
    """What lives as long as the process: made once by the app, shared by every request."""

    driver: Driver
    pseudonymizer: Pseudonymizer
    settings: Settings
    interests: InterestConfig = field(default_factory=InterestConfig)
    clock: NewestEventClock = field(default_factory=NewestEventClock)


@dataclass
class Context:
    """Made per request, so loader caches never outlive the request that filled them."""

    services: Services
    access: Access
    users: DataLoader[str, UserRecord | None]
    items: DataLoader[str, ItemRecord | None]
    categories: DataLoader[str, CategoryRecord | None]
    segments: DataLoader[str, SegmentRecord | None]
    user_segments: DataLoader[str, SegmentRecord | None]
    interests: DataLoader[InterestsKey, list[InterestRecord]]
    recommendations: DataLoader[RecommendationsKey, list[ScoredItem]]
    similar: DataLoader[SimilarKey, list[ScoredItem]]
    explanations: DataLoader[ExplanationKey, ExplanationRecord | None]
    members: DataLoader[MembersKey, list[MemberRecord]]
    history: DataLoader[HistoryPageLoadKey, Page[HistoryEntry] | None]
    category_items: DataLoader[CategoryItemsKey, Page[str] | None]

    @property
    def driver(self) -> Driver:
        return self.services.driver

    @property
    def pseudonymizer(self) -> Pseudonymizer:
        return self.services.pseudonymizer


Info = strawberry.Info[Context, None]


def _grouped(
    keys: Sequence[K], args: Callable[[K], Any], ids: Callable[[K], Any]
) -> dict[Any, list[Any]]:
    """Key ids per distinct argument tuple, in first-seen order."""
    groups: dict[Any, list[Any]] = {}
    for key in keys:
        groups.setdefault(args(key), []).append(ids(key))
    return groups


def _loader(driver: Driver, read: Callable[[Driver, list[K]], list[V]]) -> DataLoader[K, V]:
    """A loader whose batch runs ``read`` in a worker thread (the driver blocks)."""

    async def load(keys: list[K]) -> list[V]:
        return await asyncio.to_thread(read, driver, keys)

    return DataLoader(load_fn=load)


def _by_id(fetch: Callable[[Driver, list[str]], dict[str, V]]) -> Callable[..., list[V | None]]:
    def read(driver: Driver, keys: list[str]) -> list[V | None]:
        found = fetch(driver, keys)
        return [found.get(key) for key in keys]

    return read


def _read_interests(driver: Driver, keys: list[InterestsKey]) -> list[Any]:
    found: dict[InterestsKey, Any] = {}
    for (first, kind), users in _grouped(keys, lambda k: (k[1], k[2]), lambda k: k[0]).items():
        for user, outcome in interests_for_users(driver, users, first, kind).items():
            found[(user, first, kind)] = outcome
    return [found[key] for key in keys]


def _read_recommendations(driver: Driver, keys: list[RecommendationsKey]) -> list[Any]:
    found: dict[RecommendationsKey, Any] = {}
    groups = _grouped(keys, lambda k: (k[1], k[2], k[3]), lambda k: k[0])
    for (first, item_filter, exclude), users in groups.items():
        try:
            outcomes = recommend_for_users(
                driver, users, first, item_filter=item_filter, exclude=exclude
            )
        except InterestGraphError as e:  # the filter's category or brand is unknown
            outcomes = dict.fromkeys(users, e)
        for user, outcome in outcomes.items():
            found[(user, first, item_filter, exclude)] = outcome
    return [found[key] for key in keys]


def _read_similar(driver: Driver, keys: list[SimilarKey]) -> list[Any]:
    found: dict[SimilarKey, Any] = {}
    for (first, item_filter), items in _grouped(
        keys, lambda k: (k[1], k[2]), lambda k: k[0]
    ).items():
        try:
            outcomes = similar_for_items(driver, items, first, item_filter=item_filter)
        except InterestGraphError as e:
            outcomes = dict.fromkeys(items, e)
        for item, outcome in outcomes.items():
            found[(item, first, item_filter)] = outcome
    return [found[key] for key in keys]


def _read_explanations(driver: Driver, keys: list[ExplanationKey]) -> list[Any]:
    by_user = _grouped(keys, lambda k: k[0], lambda k: k[1])
    found = explain_for_users(driver, by_user)
    return [found.get(key) for key in keys]


def _read_members(driver: Driver, keys: list[MembersKey]) -> list[Any]:
    found: dict[MembersKey, Any] = {}
    for limit, pages in _grouped(keys, lambda k: k[2], lambda k: (k[0], k[1])).items():
        for (segment, after), members in members_pages(driver, pages, limit).items():
            found[(segment, after, limit)] = members
    return [found[key] for key in keys]


def _read_history(driver: Driver, keys: list[HistoryPageLoadKey]) -> list[Any]:
    found: dict[HistoryPageLoadKey, Any] = {}
    for limit, pages in _grouped(keys, lambda k: k[2], lambda k: (k[0], k[1])).items():
        for (user, after), page in history_pages(driver, pages, limit).items():
            found[(user, after, limit)] = page
    return [found[key] for key in keys]


def _read_category_items(driver: Driver, keys: list[CategoryItemsKey]) -> list[Any]:
    found: dict[CategoryItemsKey, Any] = {}
    for limit, pages in _grouped(keys, lambda k: k[2], lambda k: (k[0], k[1])).items():
        page_keys: list[CategoryPageKey] = pages
        for (category, after), page in category_item_pages(driver, page_keys, limit).items():
            found[(category, after, limit)] = page
    return [found[key] for key in keys]


def make_context(
    driver: Driver,
    pseudonymizer: Pseudonymizer,
    *,
    settings: Settings | None = None,
    access: Access = OPEN_ACCESS,
    services: Services | None = None,
) -> Context:
    """A request's context: ``services`` when the app made them, else made from the rest
    (tests); ``pseudonymizer`` maps the shop's user ids clients send to the graph's pseudonyms.
    """
    if services is None:
        settings = settings or Settings()
        services = Services(driver, pseudonymizer, settings, InterestConfig.from_settings(settings))
    driver = services.driver
    return Context(
        services=services,
        access=access,
        users=_loader(driver, _by_id(get_users)),
        items=_loader(driver, _by_id(item_details)),
        categories=_loader(driver, _by_id(get_categories)),
        segments=_loader(driver, _by_id(get_segments)),
        user_segments=_loader(driver, _by_id(users_segments)),
        interests=_loader(driver, _read_interests),
        recommendations=_loader(driver, _read_recommendations),
        similar=_loader(driver, _read_similar),
        explanations=_loader(driver, _read_explanations),
        members=_loader(driver, _read_members),
        history=_loader(driver, _read_history),
        category_items=_loader(driver, _read_category_items),
    )
