"""Plain records the read queries return, kept apart from the GraphQL types built from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

InterestKind = Literal["category", "brand"]


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A user node: whether a model has embedded it yet, and how many items it bought."""

    id: str
    trained: bool
    purchases: int


@dataclass(frozen=True, slots=True)
class ScoredItem:
    """An item id with the score that ranked it (inner product or cosine, per query)."""

    item_id: str
    score: float


@dataclass(frozen=True, slots=True)
class BrandRecord:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class CategoryRecord:
    """A category node; ``path`` runs from the top level down to this category."""

    id: str
    name: str
    path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """What the API shows about an item beyond its id, fetched in batches."""

    id: str
    brand: BrandRecord | None
    categories: tuple[CategoryRecord, ...]


@dataclass(frozen=True, slots=True)
class InterestRecord:
    """A category or brand the user bought from: ``count`` purchases, ``score`` their share."""

    kind: InterestKind
    id: str
    name: str
    score: float
    count: int
