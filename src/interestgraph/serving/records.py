"""Plain records the read queries return, kept apart from the GraphQL types built from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

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


# What a segment profile ranks by lift (segments/profiles.py), as the Segment node stores it.
SEGMENT_PROFILE_KINDS = ("category", "brand", "topic", "item")


@dataclass(frozen=True, slots=True)
class SegmentInterestRecord:
    id: str
    name: str
    lift: float
    share: float


@dataclass(frozen=True, slots=True)
class SegmentRecord:
    """A stored segment with its profile (segments/profiles.py)."""

    id: str
    label: str
    size: int
    share: float
    run: str
    activity: float
    activity_lift: float
    top: dict[str, list[SegmentInterestRecord]]

    @classmethod
    def from_properties(cls, p: dict[str, Any]) -> SegmentRecord:
        return cls(
            id=p["id"],
            label=p["label"],
            size=int(p["size"]),
            share=float(p["share"]),
            run=p["run"],
            activity=float(p.get("activity") or 0.0),
            activity_lift=float(p.get("activity_lift") or 0.0),
            top={
                kind: [
                    SegmentInterestRecord(i, n, float(lift), float(share))
                    for i, n, lift, share in zip(
                        p.get(f"top_{kind}_ids") or [],
                        p.get(f"top_{kind}") or [],
                        p.get(f"top_{kind}_lift") or [],
                        p.get(f"top_{kind}_share") or [],
                        strict=False,
                    )
                ]
                for kind in SEGMENT_PROFILE_KINDS
            },
        )


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """A member by pseudonym (segments hold no shop ids) and its centrality in the segment."""

    user_id: str
    centrality: float


@dataclass(frozen=True, slots=True)
class SegmentsPage:
    """Segments at an offset of the size order of ``run`` (None before any run)."""

    run: str | None
    total: int
    segments: list[SegmentRecord]
