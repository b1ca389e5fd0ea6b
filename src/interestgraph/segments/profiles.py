"""What sets each segment apart: its interests ranked by lift over the whole population, its
most-shared items, its activity, and a readable label built from the top interests.

Lift of an interest ``x`` in segment ``S`` is ``P(x | S) / P(x)``: the share of the segment's
users interested in ``x`` over the share of all profiled users (those of the projection). Raw
counts would name every segment after the best-sellers; lift names what is peculiar to it. An
interest is a candidate only when at least ``max(3, 10 %)`` of the segment has it, so a lift of
one rare interest held by two users does not label a segment of thousands, and when its lift is
at least ``MIN_LIFT``: what the segment has no more often than everyone (a root category) says
nothing about it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from neo4j import Driver, RoutingControl

from interestgraph.export import ExportedGraph
from interestgraph.export.graph_spec import BEHAVIOURS

MIN_MEMBERS = 3
MIN_SHARE = 0.10
MIN_LIFT = 1.1
TOP = 5
INTEREST_KINDS = ("category", "brand", "topic")
# Brand names shops use for "no brand": no label names a segment after them.
NO_BRAND = frozenset({"", "unknown", "n/a", "na", "none", "generic", "unbranded"})

NAMES_QUERIES = {
    "category": "UNWIND $ids AS id MATCH (n:Category {id: id}) RETURN n.id AS id, n.name AS name",
    "brand": "UNWIND $ids AS id MATCH (n:Brand {id: id}) RETURN n.id AS id, n.name AS name",
    "topic": "UNWIND $ids AS id MATCH (n:Topic {id: id}) RETURN n.id AS id, n.label AS name",
    "item": "UNWIND $ids AS id MATCH (n:Item {id: id}) RETURN n.id AS id, n.title AS name",
}


@dataclass(frozen=True)
class Interest:
    """An interest (or item) of a segment: its graph id, display name, the share of the segment
    that has it, and its lift over the population."""

    id: str
    name: str
    share: float
    lift: float


@dataclass(frozen=True)
class SegmentProfile:
    """One segment: ``index`` is its community number in the run (0 = largest)."""

    index: int
    size: int
    share: float
    activity: float
    activity_lift: float
    top: dict[str, list[Interest]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """E.g. "Nail Polish & Manicure · OPI, Essie": two categories (else topics), then two
        brands, each picked by ``share × log2(lift)`` among the profile's interests: lift alone
        would name a segment after a brand 11 % of it buys over one 60 % buy. A category next
        to its own parent or child is skipped, and so are placeholder brands ("Unknown")."""
        themes = _label_picks(self.top.get("category") or self.top.get("topic") or [])
        brands = _label_picks(
            [b for b in self.top.get("brand") or [] if b.name.lower() not in NO_BRAND]
        )
        parts = []
        if themes:
            names = [interest.name for interest in themes]
            # "Top & Base Coats & Nail Polish" would hide where one name ends
            parts.append((", " if any("&" in name for name in names) else " & ").join(names))
        if brands:
            parts.append(", ".join(interest.name for interest in brands))
        return " · ".join(parts) if parts else f"Segment {self.index + 1}"


def _label_picks(interests: list[Interest], count: int = 2) -> list[Interest]:
    """The ``count`` interests of highest ``share × log2(lift)``, none an ancestor or a
    descendant of another in the category tree (ids are paths joined with " > ") nor of the
    same name."""
    ranked = sorted(interests, key=lambda i: (-i.share * math.log2(max(i.lift, 1.0)), i.id))
    picks: list[Interest] = []
    for interest in ranked:
        related = any(
            interest.id.startswith(f"{p.id} > ")
            or p.id.startswith(f"{interest.id} > ")
            or interest.name == p.name  # "Eau de Toilette" for women and for men
            for p in picks
        )
        if not related:
            picks.append(interest)
        if len(picks) == count:
            break
    return picks


def profile_segments(
    driver: Driver,
    exported: ExportedGraph,
    user_ids: list[str],
    membership: np.ndarray[Any, Any],
) -> list[SegmentProfile]:
    """Profiles of the segments ``0..max(membership)``; ``membership[u]`` for ``user_ids[u]``
    (-1: in no segment). ``exported`` holds the interest and behaviour edges, with attributes."""
    count = int(membership.max()) + 1 if membership.size else 0
    if count == 0:
        return []
    rows = np.asarray([exported.user_index[u] for u in user_ids], np.int64)
    assigned = membership >= 0
    members = sp.csr_matrix(
        (np.ones(int(assigned.sum())), (membership[assigned], np.flatnonzero(assigned))),
        shape=(count, len(user_ids)),
    )
    sizes = np.asarray(members.sum(axis=1)).ravel()
    population = len(user_ids)
    tops: list[dict[str, list[tuple[str, float, float]]]] = [{} for _ in range(count)]
    for kind in INTEREST_KINDS:
        matrix = _user_matrix(exported, ("user", "interested_in", kind), rows)
        if matrix is not None:
            _rank(matrix, members, sizes, population, exported.ids[kind], kind, tops)
    items = _user_matrix(exported, None, rows)
    if items is not None:
        _rank(items, members, sizes, population, exported.item_ids, "item", tops)
    events = _events_per_user(exported, rows)
    mean_events = float(events.mean()) if events.size else 0.0
    names = _names(driver, tops)
    activities = members @ events / np.maximum(sizes, 1)
    profiles = []
    for index in range(count):
        activity = float(activities[index])
        profiles.append(
            SegmentProfile(
                index=index,
                size=int(sizes[index]),
                share=float(sizes[index] / population),
                activity=activity,
                activity_lift=activity / mean_events if mean_events else 0.0,
                top={
                    kind: [
                        Interest(node_id, names[kind].get(node_id) or node_id, share, lift)
                        for node_id, share, lift in ranked
                    ]
                    for kind, ranked in tops[index].items()
                },
            )
        )
    return profiles


def _user_matrix(
    exported: ExportedGraph, edge_type: tuple[str, str, str] | None, rows: np.ndarray[Any, Any]
) -> sp.csr_matrix | None:
    """Binary projection users × targets of ``edge_type`` (``None``: items of any behaviour)."""
    data = exported.data
    if edge_type is None:
        types = [e.edge_type for e in BEHAVIOURS if e.edge_type in data.edge_types]
        width = len(exported.item_ids)
    else:
        types = [edge_type] if edge_type in data.edge_types else []
        width = len(exported.ids[edge_type[2]])
    if not types:
        return None
    pairs = np.concatenate([data[t].edge_index.numpy() for t in types], axis=1)
    matrix = sp.csr_matrix(
        (np.ones(pairs.shape[1]), (pairs[0], pairs[1])),
        shape=(len(exported.user_ids), width),
    )[rows]
    matrix.data[:] = 1.0
    return matrix.tocsr()


def _rank(
    matrix: sp.csr_matrix,
    members: sp.csr_matrix,
    sizes: np.ndarray[Any, Any],
    population: int,
    ids: list[str],
    kind: str,
    tops: list[dict[str, list[tuple[str, float, float]]]],
) -> None:
    """The ``TOP`` candidates of highest lift per segment (ties: the larger share)."""
    overall = np.asarray(matrix.sum(axis=0)).ravel() / population
    counts = (members @ matrix).toarray()
    for index, row in enumerate(counts):
        share = row / sizes[index]
        candidates = np.flatnonzero(
            (row >= MIN_MEMBERS)
            & (share >= MIN_SHARE)
            & (overall > 0)
            & (share >= MIN_LIFT * overall)
        )
        lift = share[candidates] / overall[candidates]
        order = np.lexsort((-share[candidates], -lift))[:TOP]
        tops[index][kind] = [
            (ids[candidates[k]], float(share[candidates[k]]), float(lift[k])) for k in order
        ]


def _events_per_user(exported: ExportedGraph, rows: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Behaviour events per projection user (the edges' ``count``, 1 where absent)."""
    events = np.zeros(len(exported.user_ids))
    for edge in BEHAVIOURS:
        if edge.edge_type not in exported.data.edge_types:
            continue
        store = exported.data[edge.edge_type]
        counts = store["count"].numpy() if "count" in store else np.ones(store.edge_index.size(1))
        np.add.at(events, store.edge_index[0].numpy(), counts)
    return events[rows]


def _names(
    driver: Driver, tops: list[dict[str, list[tuple[str, float, float]]]]
) -> dict[str, dict[str, str]]:
    """Display names of every id in ``tops``, one query per kind."""
    names: dict[str, dict[str, str]] = {}
    for kind, query in NAMES_QUERIES.items():
        ids = sorted({node_id for top in tops for node_id, _, _ in top.get(kind, [])})
        records, _, _ = driver.execute_query(query, ids=ids, routing_=RoutingControl.READ)
        names[kind] = {r["id"]: r["name"] for r in records if r["name"]}
    return names
