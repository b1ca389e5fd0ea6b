"""Read-side queries the API serves: recommendations, similar items, interests, item details.

Each function takes the process's one driver, runs parameterised reads routed to a reader and
returns plain records; unknown ids raise ``NotFound``, missing embeddings ``NotTrained``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from neo4j import Driver, Record, RoutingControl
from neo4j.exceptions import ServiceUnavailable, SessionExpired

from interestgraph.errors import BadInput, DatabaseUnavailable, NotFound, NotTrained
from interestgraph.serving.queries import (
    INTERESTS_QUERY,
    ITEM_DETAILS_QUERY,
    ITEM_STATUS_QUERY,
    RECOMMEND_QUERY,
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


def get_user(driver: Driver, user_id: str) -> UserRecord:
    """The user with this id, so callers can refuse unknown ids before asking for more."""
    status = _read_one(driver, USER_STATUS_QUERY, user_id=user_id)
    if status is None:
        raise NotFound(f"no user with id '{user_id}'")
    return UserRecord(user_id, status["trained"], status["purchased"])


def recommend_items(driver: Driver, user_id: str, first: int) -> list[ScoredItem]:
    """The ``first`` items with the highest inner product with the user's embedding that the
    user has not purchased, best first; fewer only when fewer unpurchased items exist.

    The vector index returns its global top-k before the purchased filter, so k starts at
    ``first`` + purchases and doubles until enough remain or k covers every item.
    """
    _check_first(first)
    status = _read_one(driver, USER_STATUS_QUERY, user_id=user_id)
    if status is None:
        raise NotFound(f"no user with id '{user_id}'")
    if not status["trained"]:
        raise NotTrained(f"user '{user_id}' has no embedding yet: train and write back a model")
    items: int = status["items"]
    k = min(first + status["purchased"], items)
    while True:
        found = [
            ScoredItem(r["item_id"], r["score"])
            for r in run_read(driver, RECOMMEND_QUERY, user_id=user_id, k=k, first=first)
        ]
        if len(found) >= first or k >= items:
            return found
        k = min(2 * k, items)


def similar_items(driver: Driver, item_id: str, first: int) -> list[ScoredItem]:
    """The ``first`` items whose embeddings are closest in cosine to this item's, itself left out.

    Scores are cosine similarities in [-1, 1], best first.
    """
    _check_first(first)
    status = _read_one(driver, ITEM_STATUS_QUERY, item_id=item_id)
    if status is None:
        raise NotFound(f"no item with id '{item_id}'")
    if not status["trained"]:
        raise NotTrained(f"item '{item_id}' has no embedding yet: train and write back a model")
    k = min(first + 1, status["items"])
    return [
        ScoredItem(r["item_id"], r["score"])
        for r in run_read(driver, SIMILAR_QUERY, item_id=item_id, k=k, first=first)
    ]


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
