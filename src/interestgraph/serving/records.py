"""Plain records the read queries return, kept apart from the GraphQL types built from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

InterestKind = Literal["category", "brand", "topic"]
PathNodeKind = Literal["user", "item", "brand", "category", "topic"]
ReasonKind = Literal["co_purchase", "brand", "category", "topic", "collaborative", "none"]


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
    """An ``INTERESTED_IN`` edge of the user: ``score`` in (0, 1] (1 = the user's strongest),
    ``evidence`` behaviour events behind it, ``last_at`` the latest of them when timed."""

    kind: InterestKind
    id: str
    name: str
    score: float
    evidence: int
    last_at: datetime | None


@dataclass(frozen=True, slots=True)
class PathNodeRecord:
    """A node on an explanation's path; a ``user`` node's id is the graph's pseudonym."""

    kind: PathNodeKind
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ExplanationRecord:
    """Why an item is recommended: the strongest path from the user to it, and how strong.

    ``strength`` is comparable across kinds (docs/graph-model.md, "Explanations"); ``path``
    runs from the user to the item, and is empty when no path links them.
    """

    item_id: str
    kind: ReasonKind
    strength: float
    reason: str
    path: tuple[PathNodeRecord, ...]
