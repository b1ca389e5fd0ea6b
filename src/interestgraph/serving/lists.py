"""Pages of the API's unbounded lists: a user's behaviour history and a category's items.

Pages are keyset pages (after the last entry's sort key), so a page never repeats or skips
entries because others were added before it; each read serves many pages at once for the API's
DataLoaders, all of one size (Cypher's LIMIT takes no per-row value).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from neo4j import Driver

from interestgraph.export.graph_spec import BEHAVIOURS
from interestgraph.serving.recommend import run_read
from interestgraph.serving.records import CategoryRecord

T = TypeVar("T")
_BEHAVIOUR_PATTERN = "|".join(edge.rel for edge in BEHAVIOURS)

# Newest activity first: (last event's epoch millis, -1 when untimed) desc, then type, item id.
HISTORY_QUERY = f"""
UNWIND $requests AS request
MATCH (u:User {{id: request.user_id}})
RETURN request.n AS n, COUNT {{ (u)-[:{_BEHAVIOUR_PATTERN}]->(:Item) }} AS total, COLLECT {{
  MATCH (u)-[r:{_BEHAVIOUR_PATTERN}]->(i:Item)
  WITH r, i.id AS item_id, type(r) AS kind, properties(r) AS p
  WITH r, item_id, kind, p,
       CASE WHEN p.last_at IS NULL THEN -1 ELSE p.last_at.epochMillis END AS at
  WHERE request.after_at IS NULL
     OR at < request.after_at
     OR (at = request.after_at
         AND (kind > request.after_kind
              OR (kind = request.after_kind AND item_id > request.after_item)))
  RETURN {{kind: kind, item_id: item_id, at: at, count: p.count, first_at: p.first_at,
           last_at: p.last_at, quantity: p.quantity, rating: p.rating}}
  ORDER BY at DESC, kind, item_id
  LIMIT $limit
}} AS entries
"""

CATEGORY_QUERY = """
UNWIND $ids AS id
MATCH (c:Category {id: id})
RETURN c.id AS id, c.name AS name, c.path AS path
"""

# Items of the category's whole subtree, by id.
CATEGORY_ITEMS_QUERY = """
UNWIND $requests AS request
MATCH (c:Category {id: request.id})
RETURN request.n AS n,
       COUNT {
         MATCH (c)<-[:SUBCATEGORY_OF*0..]-(:Category)<-[:IN_CATEGORY]-(item:Item)
         RETURN DISTINCT item
       } AS total,
       COLLECT {
         MATCH (c)<-[:SUBCATEGORY_OF*0..]-(:Category)<-[:IN_CATEGORY]-(item:Item)
         WITH DISTINCT item.id AS item_id
         WHERE request.after IS NULL OR item_id > request.after
         RETURN item_id ORDER BY item_id LIMIT $limit
       } AS items
"""


@dataclass(frozen=True, slots=True)
class HistoryKey:
    """Where a history page starts: after this (epoch millis or -1, type, item id)."""

    at: int
    kind: str
    item_id: str


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """The user's events of one type on one item, summed (one behaviour edge)."""

    key: HistoryKey
    count: int
    first_at: datetime | None
    last_at: datetime | None
    quantity: int | None
    rating: float | None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    entries: list[T]
    total: int


HistoryPageKey = tuple[str, HistoryKey | None]
CategoryPageKey = tuple[str, str | None]


def history_pages(
    driver: Driver, pages: Sequence[HistoryPageKey], limit: int
) -> dict[HistoryPageKey, Page[HistoryEntry] | None]:
    """Up to ``limit`` entries of each user's (pseudonym's) history after each key; None for
    an unknown user."""
    unique = list(dict.fromkeys(pages))
    requests = [
        {
            "n": n,
            "user_id": user_id,
            "after_at": after.at if after else None,
            "after_kind": after.kind if after else None,
            "after_item": after.item_id if after else None,
        }
        for n, (user_id, after) in enumerate(unique)
    ]
    found: dict[HistoryPageKey, Page[HistoryEntry] | None] = dict.fromkeys(unique)
    for r in run_read(driver, HISTORY_QUERY, requests=requests, limit=limit):
        found[unique[r["n"]]] = Page([_entry(e) for e in r["entries"]], int(r["total"]))
    return found


def _entry(e: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        key=HistoryKey(int(e["at"]), e["kind"], e["item_id"]),
        count=int(e["count"] or 0),
        first_at=e["first_at"].to_native() if e["first_at"] is not None else None,
        last_at=e["last_at"].to_native() if e["last_at"] is not None else None,
        quantity=int(e["quantity"]) if e["quantity"] is not None else None,
        rating=float(e["rating"]) if e["rating"] is not None else None,
    )


def get_categories(driver: Driver, ids: Sequence[str]) -> dict[str, CategoryRecord]:
    """The categories of these ids that exist, in one read."""
    records = run_read(driver, CATEGORY_QUERY, ids=list(dict.fromkeys(ids)))
    return {r["id"]: CategoryRecord(r["id"], r["name"], tuple(r["path"] or ())) for r in records}


def category_item_pages(
    driver: Driver, pages: Sequence[CategoryPageKey], limit: int
) -> dict[CategoryPageKey, Page[str] | None]:
    """Up to ``limit`` item ids of each category's subtree after each id; None for an unknown
    category."""
    unique = list(dict.fromkeys(pages))
    requests = [
        {"n": n, "id": category_id, "after": after} for n, (category_id, after) in enumerate(unique)
    ]
    found: dict[CategoryPageKey, Page[str] | None] = dict.fromkeys(unique)
    for r in run_read(driver, CATEGORY_ITEMS_QUERY, requests=requests, limit=limit):
        found[unique[r["n"]]] = Page(list(r["items"]), int(r["total"]))
    return found
