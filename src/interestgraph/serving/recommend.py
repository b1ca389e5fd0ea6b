"""Read-side queries the API serves: recommendations, similar items, interests, item details.

Each function takes the process's one driver, runs parameterised reads routed to a reader and
returns plain records; unknown ids raise ``NotFound``, missing embeddings ``NotTrained``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from neo4j import Driver, Record, RoutingControl
from neo4j.exceptions import ServiceUnavailable, SessionExpired

from interestgraph.errors import BadInput, DatabaseUnavailable, NotFound, NotTrained
from interestgraph.export.graph_spec import BEHAVIOURS
from interestgraph.serving.queries import (
    FILTER_STATUS_QUERY,
    INTERESTS_QUERY,
    ITEM_DETAILS_QUERY,
    ITEM_FILTER_STATUS_QUERY,
    ITEM_STATUS_QUERY,
    RECOMMEND_EXACT_QUERY,
    RECOMMEND_QUERY,
    SIMILAR_EXACT_QUERY,
    SIMILAR_QUERY,
    USER_STATUS_QUERY,
)
from interestgraph.serving.records import (
    BrandRecord,
    CategoryRecord,
    InterestKind,
    InterestRecord,
    ItemRecord,
    ScoredItem,
    UserRecord,
)

EXACT_CANDIDATES = 5000
"""A filter admitting at most this many items is scored exactly instead of through the index."""


class Exclude(StrEnum):
    """Which of the user's items recommendations leave out."""

    INTERACTED = "interacted"
    PURCHASED = "purchased"
    NOTHING = "nothing"

    @property
    def relationship_types(self) -> list[str]:
        return {
            Exclude.INTERACTED: [edge.rel for edge in BEHAVIOURS],
            Exclude.PURCHASED: ["PURCHASED"],
            Exclude.NOTHING: [],
        }[self]


@dataclass(frozen=True)
class ItemFilter:
    """Restricts results to a category's whole subtree, to a brand, or to both."""

    category: str | None = None
    brand: str | None = None

    @property
    def is_set(self) -> bool:
        return self.category is not None or self.brand is not None


def get_user(driver: Driver, user_id: str) -> UserRecord:
    """The user with this id, so callers can refuse unknown ids before asking for more."""
    status = _read_one(driver, USER_STATUS_QUERY, user_id=user_id, exclude=[])
    if status is None:
        raise NotFound(f"no user with id '{user_id}'")
    return UserRecord(user_id, status["trained"], status["purchased"])


def recommend_items(
    driver: Driver,
    user_id: str,
    first: int,
    *,
    item_filter: ItemFilter = ItemFilter(),
    exclude: Exclude = Exclude.INTERACTED,
) -> list[ScoredItem]:
    """The ``first`` items with the highest inner product with the user's embedding, best
    first, leaving out the user's items of ``exclude`` and those outside ``item_filter``;
    fewer only when fewer such items exist.

    The vector index returns its global top-k before any filter, so k starts where ``first``
    admitted items are expected (skipping the seen ones, scaled by the filter's share of the
    catalogue) and doubles until enough remain or k covers every item. A filter admitting at
    most :data:`EXACT_CANDIDATES` items is scored exactly instead.
    """
    _check_first(first)
    params = {"user_id": user_id, "exclude": exclude.relationship_types} | _filter_params(
        item_filter
    )
    status = _read_one(driver, USER_STATUS_QUERY, **params)
    if status is None:
        raise NotFound(f"no user with id '{user_id}'")
    if not status["trained"]:
        raise NotTrained(f"user '{user_id}' has no embedding yet: train and write back a model")
    items: int = status["items"]
    candidates, seen = items, status["seen"]
    if item_filter.is_set:
        candidates, seen = _filter_counts(driver, FILTER_STATUS_QUERY, item_filter, params)
        if candidates <= EXACT_CANDIDATES:
            return _scored(run_read(driver, RECOMMEND_EXACT_QUERY, first=first, **params))
    return _search(driver, RECOMMEND_QUERY, params, first, items, candidates, seen)


def similar_items(
    driver: Driver, item_id: str, first: int, *, item_filter: ItemFilter = ItemFilter()
) -> list[ScoredItem]:
    """The ``first`` items whose embeddings are closest in cosine to this item's, itself left
    out, within ``item_filter``; the same over-fetch as :func:`recommend_items`.

    Scores are cosine similarities in [-1, 1], best first.
    """
    _check_first(first)
    params = {"item_id": item_id} | _filter_params(item_filter)
    status = _read_one(driver, ITEM_STATUS_QUERY, item_id=item_id)
    if status is None:
        raise NotFound(f"no item with id '{item_id}'")
    if not status["trained"]:
        raise NotTrained(f"item '{item_id}' has no embedding yet: train and write back a model")
    items: int = status["items"]
    candidates, seen = items, 1
    if item_filter.is_set:
        candidates, seen = _filter_counts(driver, ITEM_FILTER_STATUS_QUERY, item_filter, params)
        if candidates <= EXACT_CANDIDATES:
            return _scored(run_read(driver, SIMILAR_EXACT_QUERY, first=first, **params))
    return _search(driver, SIMILAR_QUERY, params, first, items, candidates, seen)


def _search(
    driver: Driver,
    query: str,
    params: dict[str, object],
    first: int,
    items: int,
    candidates: int,
    seen: int,
) -> list[ScoredItem]:
    """Grow k from the expected rank of the ``first``-th admitted item until enough come back.

    ``candidates`` items pass the filter, ``seen`` of them are excluded: at most
    ``candidates - seen`` results exist, so the loop stops when it has them all.
    """
    wanted = min(first, candidates - seen)
    if wanted <= 0:
        return []
    k = min(items, math.ceil((first + seen) * items / candidates))
    while True:
        found = _scored(run_read(driver, query, k=k, first=first, **params))
        if len(found) >= wanted or k >= items:
            return found
        k = min(2 * k, items)


def _filter_counts(
    driver: Driver, query: str, item_filter: ItemFilter, params: dict[str, object]
) -> tuple[int, int]:
    status = _read_one(driver, query, **params)
    if status is None:
        raise NotFound("the user or item is gone")
    if item_filter.category is not None and not status["category_found"]:
        raise NotFound(f"no category with id '{item_filter.category}'")
    if item_filter.brand is not None and not status["brand_found"]:
        raise NotFound(f"no brand with id '{item_filter.brand}'")
    return int(status["candidates"]), int(status["seen_candidates"])


def _filter_params(item_filter: ItemFilter) -> dict[str, object]:
    return {"category": item_filter.category, "brand": item_filter.brand}


def _scored(records: Sequence[Record]) -> list[ScoredItem]:
    return [ScoredItem(r["item_id"], r["score"]) for r in records]


def user_interests(
    driver: Driver, user_id: str, first: int, kind: InterestKind | None = None
) -> list[InterestRecord]:
    """The user's stored interest profile (``INTERESTED_IN``), strongest first, ties by name.

    ``kind`` keeps only categories, brands or topics. A user whose profile was not built yet
    has none: profiles come from ``interestgraph interests``, never from a read.
    """
    _check_first(first)
    records = run_read(driver, INTERESTS_QUERY, user_id=user_id, first=first, kind=kind)
    if not records:
        raise NotFound(f"no user with id '{user_id}'")
    return [
        InterestRecord(
            r["kind"],
            r["id"],
            r["name"],
            r["score"],
            r["evidence"],
            r["last_at"].to_native() if r["last_at"] is not None else None,
        )
        for r in records
        if r["kind"] is not None
    ]


def item_details(driver: Driver, ids: Iterable[str]) -> dict[str, ItemRecord]:
    """Brand and categories of many items in one query; unknown ids are simply absent."""
    records = run_read(driver, ITEM_DETAILS_QUERY, ids=list(dict.fromkeys(ids)))
    return {r["id"]: _item_record(r) for r in records}


def _item_record(record: Record) -> ItemRecord:
    brand = record["brand"]
    return ItemRecord(
        id=record["id"],
        brand=BrandRecord(brand["id"], brand["name"]) if brand is not None else None,
        categories=tuple(
            CategoryRecord(c["id"], c["name"], tuple(c["path"] or ())) for c in record["categories"]
        ),
    )


def _check_first(first: int) -> None:
    if first < 1:
        raise BadInput(f"first must be at least 1, got {first}")


def run_read(driver: Driver, query: str, **parameters: object) -> Sequence[Record]:
    """Run one read on a reader, turning a lost server into ``DatabaseUnavailable``."""
    try:
        records, _, _ = driver.execute_query(
            query, parameters_=parameters, routing_=RoutingControl.READ
        )
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"lost Neo4j while reading: {e}") from e
    return records


def _read_one(driver: Driver, query: str, **parameters: object) -> Record | None:
    records = run_read(driver, query, **parameters)
    return records[0] if records else None
