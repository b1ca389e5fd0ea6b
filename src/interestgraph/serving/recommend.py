"""Read-side queries the API serves: recommendations, similar items, interests, item details.

Each function takes the process's one driver, runs parameterised reads routed to a reader and
returns plain records; unknown ids raise ``NotFound``, missing embeddings ``NotTrained``. The
``*_for_*`` functions answer many users or items in one round trip (the API's DataLoaders call
them) and return each key's result or its error; the single-key functions are those for one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias, TypeVar

import numpy as np
from neo4j import READ_ACCESS, Driver, Record
from neo4j.exceptions import ServiceUnavailable, SessionExpired

from interestgraph.errors import (
    BadInput,
    DatabaseUnavailable,
    InterestGraphError,
    NotFound,
    NotTrained,
)
from interestgraph.export.graph_spec import BEHAVIOURS
from interestgraph.serving.item_vectors import ITEM_VECTORS
from interestgraph.serving.queries import (
    FILTER_ITEMS_QUERY,
    FILTER_STATUS_QUERY,
    INTERESTS_QUERY,
    ITEM_DETAILS_QUERY,
    ITEM_STATUS_QUERY,
    SIMILAR_EXACT_QUERY,
    SIMILAR_QUERY,
    USER_STATUS_QUERY,
    recommend_context_query,
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

T = TypeVar("T")

EXACT_CANDIDATES = 5000
"""A ``similar`` filter admitting at most this many items is scored whole instead of searched."""


class Exclude(StrEnum):
    """Which of the user's items recommendations leave out."""

    INTERACTED = "interacted"
    PURCHASED = "purchased"
    NOTHING = "nothing"

    @property
    def relationship_types(self) -> tuple[str, ...]:
        return {
            Exclude.INTERACTED: tuple(edge.rel for edge in BEHAVIOURS),
            Exclude.PURCHASED: ("PURCHASED",),
            Exclude.NOTHING: (),
        }[self]


@dataclass(frozen=True)
class ItemFilter:
    """Restricts results to a category's whole subtree, to a brand, or to both."""

    category: str | None = None
    brand: str | None = None

    @property
    def is_set(self) -> bool:
        return self.category is not None or self.brand is not None


Outcome: TypeAlias = T | InterestGraphError
"""One key's answer in a batch: its value, or the error a single-key call would raise."""


def get_users(driver: Driver, user_ids: Sequence[str]) -> dict[str, UserRecord]:
    """The users of these ids that exist, in one read."""
    records = run_read(driver, USER_STATUS_QUERY, user_ids=list(dict.fromkeys(user_ids)))
    return {r["user_id"]: UserRecord(r["user_id"], r["trained"], r["purchased"]) for r in records}


def get_user(driver: Driver, user_id: str) -> UserRecord:
    """The user with this id, so callers can refuse unknown ids before asking for more."""
    found = get_users(driver, [user_id]).get(user_id)
    if found is None:
        raise NotFound(f"no user with id '{user_id}'")
    return found


def _single(outcome: Outcome[T]) -> T:
    if isinstance(outcome, InterestGraphError):
        raise outcome
    return outcome


def recommend_items(
    driver: Driver,
    user_id: str,
    first: int,
    *,
    item_filter: ItemFilter = ItemFilter(),
    exclude: Exclude = Exclude.INTERACTED,
) -> list[ScoredItem]:
    """The ``first`` items with the highest inner product with the user's embedding, best
    first (ties by id), leaving out the user's items of ``exclude`` and those outside
    ``item_filter``; fewer only when fewer such items exist.

    Exact: every item of the active model is scored against the user's vector in process
    (serving/item_vectors.py says why no vector index does this), so a filter or a long
    history never leaves the list short.
    One read fetches the user's vector, the active model
    and the seen ids; a filter adds one read of the ids it admits.
    """
    return _single(
        recommend_for_users(driver, [user_id], first, item_filter=item_filter, exclude=exclude)[
            user_id
        ]
    )


def recommend_for_users(
    driver: Driver,
    user_ids: Sequence[str],
    first: int,
    *,
    item_filter: ItemFilter = ItemFilter(),
    exclude: Exclude = Exclude.INTERACTED,
) -> dict[str, Outcome[list[ScoredItem]]]:
    """:func:`recommend_items` for many users: one read of all their vectors and seen items
    (and one of the filter's ids), then one matrix product per user in process."""
    _check_first(first)
    outcomes: dict[str, Outcome[list[ScoredItem]]] = {}
    contexts = _recommend_contexts(driver, list(dict.fromkeys(user_ids)), exclude, outcomes)
    if not contexts:
        return outcomes
    admitted_ids = _filter_ids(driver, item_filter) if item_filter.is_set else None
    for user_id, context in contexts.items():
        vectors = ITEM_VECTORS.get(driver, context["model_id"], context["trained_at"])
        if vectors.matrix.shape[1] != len(context["embedding"]):
            outcomes[user_id] = NotTrained(
                f"user '{user_id}' has a vector of {len(context['embedding'])} dimensions, the "
                f"items {vectors.matrix.shape[1]}: fold the user in or write back again"
            )
            continue
        scores = vectors.matrix @ np.asarray(context["embedding"], dtype=np.float32)
        admitted = np.ones(len(vectors.ids), dtype=bool)
        if admitted_ids is not None:
            admitted[:] = False
            admitted[vectors.rows(admitted_ids)] = True
        admitted[vectors.rows(context["seen"])] = False
        outcomes[user_id] = _top(vectors.ids, scores, admitted, first)
    return outcomes


MODEL_SWITCH_ATTEMPTS = 5
MODEL_SWITCH_RETRY_S = 0.05


def _recommend_contexts(
    driver: Driver,
    user_ids: list[str],
    exclude: Exclude,
    outcomes: dict[str, Outcome[list[ScoredItem]]],
) -> dict[str, Record]:
    """Each user's vector, seen items and the active model, from one model only; users that
    cannot be scored get their error in ``outcomes`` instead.

    Neo4j isolates reads at read-committed, so a read racing a write-back's commit can find the
    user's vector of one model and the active model node of the other (the test that polls a
    write-back saw it). Such users are read again; a user whose vector stays another model's
    (from before models were recorded) is refused rather than scored against the wrong items.
    """
    query = recommend_context_query(exclude.relationship_types)
    ready: dict[str, Record] = {}
    pending = user_ids
    found: dict[str, Record] = {}
    for attempt in range(MODEL_SWITCH_ATTEMPTS):
        found = {r["user_id"]: r for r in run_read(driver, query, user_ids=pending)}
        switched: list[str] = []
        for user_id in pending:
            context = found.get(user_id)
            if context is None:
                outcomes[user_id] = NotFound(f"no user with id '{user_id}'")
            elif context["embedding"] is None:
                outcomes[user_id] = NotTrained(
                    f"user '{user_id}' has no embedding yet: train and write back a model"
                )
            elif context["model_id"] is None or context["user_model"] == context["model_id"]:
                ready[user_id] = context
            else:
                switched.append(user_id)
        if not switched:
            return ready
        pending = switched
        if attempt + 1 < MODEL_SWITCH_ATTEMPTS:
            time.sleep(MODEL_SWITCH_RETRY_S * (attempt + 1))
    for user_id in pending:
        context = found[user_id]
        outcomes[user_id] = NotTrained(
            f"user '{user_id}' has a vector of model {context['user_model']}, not of the active "
            f"{context['model_id']}: fold the user in or write back again"
        )
    return ready


def _top(
    ids: list[str],
    scores: np.ndarray,
    admitted: np.ndarray,
    first: int,
) -> list[ScoredItem]:
    """The ``first`` admitted rows by score, ties by id."""
    rows = np.flatnonzero(admitted)
    if len(rows) > first:
        kth = np.partition(scores[rows], len(rows) - first)[len(rows) - first]
        rows = rows[scores[rows] >= kth]  # ties at the cut all stay, for the id order below
    ranked = sorted(rows.tolist(), key=lambda row: (-float(scores[row]), ids[row]))[:first]
    return [ScoredItem(ids[row], float(scores[row])) for row in ranked]


def similar_items(
    driver: Driver, item_id: str, first: int, *, item_filter: ItemFilter = ItemFilter()
) -> list[ScoredItem]:
    """The ``first`` items whose embeddings are closest in cosine to this item's, itself left
    out, within ``item_filter``, through the cosine vector index.

    The index returns its global top-k before the filter, so k starts where ``first``
    admitted items are expected (scaled by the filter's share of the catalogue) and doubles
    until enough remain or k covers every item. A filter admitting at most
    :data:`EXACT_CANDIDATES` items is scored whole instead. Scores are cosine similarities in
    [-1, 1], best first.
    """
    return _single(similar_for_items(driver, [item_id], first, item_filter=item_filter)[item_id])


def similar_for_items(
    driver: Driver, item_ids: Sequence[str], first: int, *, item_filter: ItemFilter = ItemFilter()
) -> dict[str, Outcome[list[ScoredItem]]]:
    """:func:`similar_items` for many items, each round of k one read for all of them."""
    _check_first(first)
    outcomes: dict[str, Outcome[list[ScoredItem]]] = {}
    unique = list(dict.fromkeys(item_ids))
    statuses = {r["item_id"]: r for r in run_read(driver, ITEM_STATUS_QUERY, item_ids=unique)}
    pending: list[str] = []
    for item_id in unique:
        status = statuses.get(item_id)
        if status is None:
            outcomes[item_id] = NotFound(f"no item with id '{item_id}'")
        elif not status["trained"]:
            outcomes[item_id] = NotTrained(
                f"item '{item_id}' has no embedding yet: train and write back a model"
            )
        else:
            pending.append(item_id)
    if not pending:
        return outcomes
    params = {"first": first} | _filter_params(item_filter)
    items: int = statuses[pending[0]]["items"]
    candidates = items
    if item_filter.is_set:
        candidates = _filter_size(driver, item_filter)
        if candidates <= EXACT_CANDIDATES:
            outcomes.update(_similar_rows(driver, SIMILAR_EXACT_QUERY, pending, params))
            return outcomes
    wanted = min(first, candidates - 1)
    k = min(items, math.ceil((first + 1) * items / max(candidates, 1)))
    while pending:
        found = _similar_rows(driver, SIMILAR_QUERY, pending, params | {"k": k})
        short = [i for i in pending if len(found[i]) < wanted and k < items]
        outcomes.update({i: found[i] for i in pending if i not in short})
        pending, k = short, min(2 * k, items)
    return outcomes


def _similar_rows(
    driver: Driver, query: str, item_ids: list[str], params: dict[str, object]
) -> dict[str, list[ScoredItem]]:
    records = run_read(driver, query, item_ids=item_ids, **params)
    found: dict[str, list[ScoredItem]] = {item_id: [] for item_id in item_ids}
    for r in records:
        found[r["self_id"]] = [ScoredItem(i, s) for i, s in r["found"]]
    return found


def _filter_size(driver: Driver, item_filter: ItemFilter) -> int:
    """How many items ``item_filter`` admits; unknown categories and brands are NotFound."""
    status = run_read(driver, FILTER_STATUS_QUERY, **_filter_params(item_filter))[0]
    _check_filter_found(status, item_filter)
    return int(status["candidates"])


def _filter_ids(driver: Driver, item_filter: ItemFilter) -> list[str]:
    """The ids ``item_filter`` admits; unknown categories and brands are NotFound."""
    status = run_read(driver, FILTER_ITEMS_QUERY, **_filter_params(item_filter))[0]
    _check_filter_found(status, item_filter)
    ids: list[str] = status["ids"]
    return ids


def _check_filter_found(status: Record, item_filter: ItemFilter) -> None:
    if item_filter.category is not None and not status["category_found"]:
        raise NotFound(f"no category with id '{item_filter.category}'")
    if item_filter.brand is not None and not status["brand_found"]:
        raise NotFound(f"no brand with id '{item_filter.brand}'")


def _filter_params(item_filter: ItemFilter) -> dict[str, object]:
    return {"category": item_filter.category, "brand": item_filter.brand}


def user_interests(
    driver: Driver, user_id: str, first: int, kind: InterestKind | None = None
) -> list[InterestRecord]:
    """The user's stored interest profile (``INTERESTED_IN``), strongest first, ties by name.

    ``kind`` keeps only categories, brands or topics. A user whose profile was not built yet
    has none: profiles come from ``interestgraph interests``, never from a read.
    """
    return _single(interests_for_users(driver, [user_id], first, kind)[user_id])


def interests_for_users(
    driver: Driver, user_ids: Sequence[str], first: int, kind: InterestKind | None = None
) -> dict[str, Outcome[list[InterestRecord]]]:
    """:func:`user_interests` for many users in one read."""
    _check_first(first)
    unique = list(dict.fromkeys(user_ids))
    records = run_read(driver, INTERESTS_QUERY, user_ids=unique, first=first, kind=kind)
    found = {r["user_id"]: r["interests"] for r in records}
    outcomes: dict[str, Outcome[list[InterestRecord]]] = {}
    for user_id in unique:
        interests = found.get(user_id)
        outcomes[user_id] = (
            NotFound(f"no user with id '{user_id}'")
            if interests is None
            else [
                InterestRecord(
                    i["kind"],
                    i["id"],
                    i["name"],
                    i["score"],
                    i["evidence"],
                    i["last_at"].to_native() if i["last_at"] is not None else None,
                )
                for i in interests
            ]
        )
    return outcomes


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
    """Run one read on a reader, turning a lost server into ``DatabaseUnavailable``.

    An auto-commit transaction, not ``execute_query``'s managed one: a single statement needs
    no BEGIN and COMMIT, which cost a round trip, 0.25 ms of Neo4j's CPU and 0.17 ms of ours
    per read (Gowalla, warm server). The driver's query bookmark manager still orders it after
    this process's writes. A failed read is not retried: the API answers UNAVAILABLE at once.
    """
    try:
        with driver.session(
            default_access_mode=READ_ACCESS,
            bookmark_manager=driver.execute_query_bookmark_manager,
        ) as session:
            return session.run(query, parameters).to_eager_result().records
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"lost Neo4j while reading: {e}") from e
