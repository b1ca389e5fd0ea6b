"""`interestgraph segments run`: export, project, detect, profile, store, in that order."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from neo4j import Driver

from interestgraph.errors import BadInput
from interestgraph.export import export_training_graph
from interestgraph.segments.detect import Communities, detect
from interestgraph.segments.methods import Algorithm, Backend
from interestgraph.segments.profiles import SegmentProfile, profile_segments
from interestgraph.segments.projection import UserProjection, knn_projection
from interestgraph.segments.store import StoredRun, store_projection, store_segments


@dataclass(frozen=True)
class SegmentationResult:
    """A stored run: the communities, the profiles (in community order) and their ids."""

    projection: UserProjection
    communities: Communities
    membership: np.ndarray[Any, Any]
    profiles: list[SegmentProfile]
    stored: StoredRun
    seconds: dict[str, float]

    @property
    def unassigned(self) -> int:
        return int((self.membership < 0).sum())


def run_segments(
    driver: Driver,
    *,
    algorithm: Algorithm = Algorithm.LEIDEN,
    backend: Backend = Backend.AUTO,
    k: int = 15,
    resolution: float = 1.0,
    min_size: int = 20,
    seed: int = 0,
) -> SegmentationResult:
    """Segment every user with behaviour or interests and store the segments (module docstring
    of segments/store.py). Communities smaller than ``min_size`` are no segment: their users
    stay unassigned (a marketer cannot target a group of three).

    Raises:
        BadInput: ``min_size`` < 1 or as the steps below.
    """
    if min_size < 1:
        raise BadInput(f"min_size must be at least 1, got {min_size}")
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    exported = export_training_graph(driver, edge_attributes=True)
    seconds["export"] = time.perf_counter() - started

    started = time.perf_counter()
    projection = knn_projection(exported, k=k)
    seconds["projection"] = time.perf_counter() - started

    started = time.perf_counter()
    store_projection(driver, projection)
    seconds["store_projection"] = time.perf_counter() - started

    communities = detect(driver, projection, algorithm, backend, resolution=resolution, seed=seed)
    seconds["detection"] = communities.seconds
    membership = _large_only(communities.membership, min_size)

    started = time.perf_counter()
    profiles = profile_segments(driver, exported, projection.user_ids, membership)
    seconds["profiles"] = time.perf_counter() - started

    started = time.perf_counter()
    stored = store_segments(
        driver,
        projection.user_ids,
        membership,
        _strength_within(projection, membership),
        profiles,
        {
            "algorithm": str(communities.algorithm),
            "backend": str(communities.backend),
            "modularity": communities.modularity,
            "k": k,
            "resolution": resolution,
            "min_size": min_size,
            "seed": seed,
            "unassigned": int((membership < 0).sum()),
        },
    )
    seconds["store"] = time.perf_counter() - started
    return SegmentationResult(projection, communities, membership, profiles, stored, seconds)


def _large_only(membership: np.ndarray[Any, Any], min_size: int) -> np.ndarray[Any, Any]:
    """Communities of at least ``min_size`` users, still numbered by size; the rest -1.
    (``membership`` is numbered by decreasing size, so the large ones are a prefix.)"""
    if not membership.size or membership.max() < 0:
        return membership
    sizes = np.bincount(membership[membership >= 0])
    large = int((sizes >= min_size).sum())
    return np.where(membership < large, membership, -1)


def _strength_within(
    projection: UserProjection, membership: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """Each user's summed similarity to the members of its own segment: the key users of a
    segment are those most like the rest of it (0 for the unassigned)."""
    same = (membership[projection.source] == membership[projection.target]) & (
        membership[projection.source] >= 0
    )
    strength = np.zeros(len(projection.user_ids))
    np.add.at(strength, projection.source[same], projection.weight[same])
    np.add.at(strength, projection.target[same], projection.weight[same])
    return strength
