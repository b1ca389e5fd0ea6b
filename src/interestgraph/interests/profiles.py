"""Interest profiles: ``(:User)-[:INTERESTED_IN]->(:Category|:Brand|:Topic)`` from behaviour.

Each behaviour edge ``(:User)-[r]->(:Item)`` weighs ``type weight × count`` (a ``RATED`` edge
counts once, times ``rating / 5``), times ``0.5 ^ (age / half-life)`` when it has a ``last_at``,
the age running from the edge's latest event to the newest event in the graph, so a profile
depends on the graph alone, never on the wall clock. The weight goes to the item's brand, to
every category the item reaches up the tree (``damping ^ levels`` from the nearest of the item's
leaves, so an item counts once per category) and to its topics (times the ``HAS_TOPIC``
weight). A user's scores are divided by their largest, so the strongest interest is 1; a
uniform decay factor cancels out there, which keeps scores stable as newer events arrive for
other users. ``evidence`` sums the ``count`` of the edges behind an interest.

Everything is computed in Neo4j: one parameterised write transaction per batch of users, which
replaces the batch's ``INTERESTED_IN`` edges.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from neo4j import Driver, ManagedTransaction, RoutingControl
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from interestgraph.config import Settings
from interestgraph.errors import BadInput, DatabaseUnavailable, InterestGraphError
from interestgraph.ingest.writer import graph_counts

SECONDS_PER_DAY = 86_400.0
MAX_RATING = 5.0
BEHAVIOURS = ("VIEWED", "CLICKED", "ADDED_TO_CART", "PURCHASED", "RATED")

# Relationship types, labels and optional properties are named through type(), labels() and
# properties(), so a graph without some of them (no ratings, no topics yet) raises no
# "does not exist" warnings.

# The newest event of the graph: the reference point of the time decay.
NEWEST_EVENT_QUERY = """
MATCH ()-[r]->(:Item)
WHERE type(r) IN $behaviours
RETURN max(properties(r).last_at) AS newest
"""
ALL_USERS_QUERY = "MATCH (u:User) RETURN u.id AS id ORDER BY id"
FOUND_USERS_QUERY = "UNWIND $user_ids AS user_id MATCH (u:User {id: user_id}) RETURN count(u) AS n"

# Per user of the batch: every behaviour edge's decayed weight (a behaviour weighted 0 is neither
# interest nor evidence), spread to brand, categories
# (min(size(up)): the nearest leaf decides the damping) and topics; summed per target;
# normalised by the user's largest sum; the user's old INTERESTED_IN replaced by the new ones.
# $rate is ln 2 / half-life in seconds (0: no decay).
REFRESH_INTERESTS_QUERY = """
UNWIND $user_ids AS user_id
MATCH (u:User {id: user_id})
CALL (u) {
  MATCH (u)-[old]->()
  WHERE type(old) = 'INTERESTED_IN'
  DELETE old
}
CALL (u) {
  MATCH (u)-[r]->(i:Item)
  WHERE type(r) IN $behaviours
  WITH i, type(r) AS behaviour, properties(r) AS p
  WITH i, p, coalesce(p.count, 1) AS n,
       CASE WHEN $rate = 0.0 OR p.last_at IS NULL OR $newest IS NULL THEN 1.0
            ELSE exp(-$rate * duration.inSeconds(p.last_at, $newest).seconds) END
       * CASE behaviour
           WHEN 'RATED' THEN $weights.RATED * coalesce(p.rating, $max_rating) / $max_rating
           ELSE $weights[behaviour] * coalesce(p.count, 1) END AS w
  WHERE w > 0
  CALL (i, w) {
    MATCH (i)-[m]->(b)
    WHERE type(m) = 'MADE_BY'
    RETURN b AS target, w AS weight
    UNION ALL
    MATCH (i)-[ic]->()-[up*0..]->(c)
    WHERE type(ic) = 'IN_CATEGORY' AND all(s IN up WHERE type(s) = 'SUBCATEGORY_OF')
    WITH c, min(size(up)) AS levels
    RETURN c AS target, w * $damping ^ levels AS weight
    UNION ALL
    MATCH (i)-[h]->(t)
    WHERE type(h) = 'HAS_TOPIC'
    RETURN t AS target, w * coalesce(properties(h).weight, 1.0) AS weight
  }
  WITH target, sum(weight) AS raw, sum(n) AS evidence,
       max(p.last_at) AS last_at, max(p.last_seq) AS last_seq
  WHERE raw > 0
  RETURN collect({target: target, raw: raw, evidence: evidence,
                  last_at: last_at, last_seq: last_seq}) AS found
}
WITH u, found, reduce(top = 0.0, f IN found | CASE WHEN f.raw > top THEN f.raw ELSE top END) AS top
UNWIND found AS f
WITH u, f, top, f.target AS target
CREATE (u)-[:INTERESTED_IN {score: f.raw / top, evidence: f.evidence,
                            last_at: f.last_at, last_seq: f.last_seq}]->(target)
RETURN labels(target) AS labels, count(*) AS edges
"""
# Interest edge kind by the target's label.
KINDS = {"Category": "category", "Brand": "brand", "Topic": "topic"}


@dataclass(frozen=True)
class InterestConfig:
    """How behaviour turns into interest: weights per event type, decay, category damping.

    Attributes:
        weights: weight of one event per relationship type (``RATED``: of a rating of 5).
        half_life_days: an event this old weighs half as much as the newest; 0 = no decay.
        damping: factor per level from an item's category up to each ancestor, in (0, 1].
        batch_users: users per write transaction.
    """

    weights: dict[str, float] = field(
        default_factory=lambda: {
            "VIEWED": 1.0,
            "CLICKED": 1.0,
            "ADDED_TO_CART": 3.0,
            "PURCHASED": 5.0,
            "RATED": 5.0,
        }
    )
    half_life_days: float = 90.0
    damping: float = 0.5
    batch_users: int = 1000

    def __post_init__(self) -> None:
        if sorted(self.weights) != sorted(BEHAVIOURS):
            raise BadInput(f"interest weights must name exactly {', '.join(BEHAVIOURS)}")
        if any(not math.isfinite(w) or w < 0 for w in self.weights.values()):
            raise BadInput("interest weights must be finite and not negative")
        if not (math.isfinite(self.half_life_days) and self.half_life_days >= 0):
            raise BadInput(f"half-life must be 0 or more days, got {self.half_life_days}")
        if not 0 < self.damping <= 1:
            raise BadInput(f"category damping must be in (0, 1], got {self.damping}")
        if self.batch_users < 1:
            raise BadInput(f"batch_users must be at least 1, got {self.batch_users}")

    @classmethod
    def from_settings(cls, settings: Settings) -> InterestConfig:
        return cls(
            weights={
                "VIEWED": settings.interest_weight_view,
                "CLICKED": settings.interest_weight_click,
                "ADDED_TO_CART": settings.interest_weight_cart,
                "PURCHASED": settings.interest_weight_purchase,
                "RATED": settings.interest_weight_rating,
            },
            half_life_days=settings.interest_half_life_days,
            damping=settings.interest_category_damping,
            batch_users=settings.interest_batch_users,
        )

    @property
    def decay_rate(self) -> float:
        """Per second: ``exp(-rate × age_s) = 0.5 ^ (age_days / half_life_days)``; 0 = none."""
        if self.half_life_days == 0:
            return 0.0
        return math.log(2) / (self.half_life_days * SECONDS_PER_DAY)

    def query_parameters(self, newest: datetime | None) -> dict[str, Any]:
        """The parameters ``REFRESH_INTERESTS_QUERY`` takes besides the user ids."""
        return {
            "weights": dict(self.weights),
            "rate": self.decay_rate,
            "newest": newest,
            "damping": self.damping,
            "max_rating": MAX_RATING,
            "behaviours": list(BEHAVIOURS),
        }


@dataclass(frozen=True)
class InterestReport:
    """What a refresh did: users found and refreshed, interest edges written per kind, time."""

    users: int
    edges: dict[str, int]
    seconds: float

    @property
    def users_per_second(self) -> float:
        return self.users / self.seconds if self.seconds > 0 else 0.0


def refresh_interests(
    driver: Driver,
    user_ids: Collection[str] | None = None,
    *,
    config: InterestConfig | None = None,
    on_batch: Callable[[int, int], None] | None = None,
    newest: datetime | Literal["read"] | None = "read",
) -> InterestReport:
    """Recompute the interest profiles of ``user_ids`` (pseudonyms; None = every user).

    Each batch of ``config.batch_users`` users is one write transaction that replaces those
    users' ``INTERESTED_IN`` edges; ids without a user node are skipped.

    Args:
        driver: an open driver.
        user_ids: the users to refresh, or None for all of them.
        config: weights, decay and damping (defaults: docs/graph-model.md).
        on_batch: called after each batch with (users done, users in all), for progress.
        newest: the time decay counts back from (the newest event in the graph); "read" reads
            it, a scan of every behaviour edge that callers refreshing a few users often
            spare themselves by passing a value they keep.

    Raises:
        DatabaseUnavailable: Neo4j went away (batches written so far stay written).
        InterestGraphError: Neo4j refused a query.
    """
    config = config or InterestConfig()
    started = time.perf_counter()
    try:
        ids = sorted(set(user_ids)) if user_ids is not None else _all_users(driver)
        reference = newest_event(driver) if newest == "read" else newest
        parameters = config.query_parameters(reference) if ids else {}
        edges: Counter[str] = Counter()
        found = 0
        with driver.session() as session:
            for done, batch in _batches(ids, config.batch_users):
                users, written = session.execute_write(_refresh_batch, batch, parameters)
                found += users
                edges.update(written)
                if on_batch is not None:
                    on_batch(done, len(ids))
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"lost Neo4j while computing interests: {e}") from e
    except Neo4jError as e:
        raise InterestGraphError(f"Neo4j refused the interest computation: {e.message}") from e
    return InterestReport(found, dict(sorted(edges.items())), time.perf_counter() - started)


def profiles_exist(driver: Driver) -> bool:
    """Whether any interest profile was built, so an ingest knows to keep them current."""
    return graph_counts(driver).get("INTERESTED_IN", 0) > 0


def _all_users(driver: Driver) -> list[str]:
    records, _, _ = driver.execute_query(ALL_USERS_QUERY, routing_=RoutingControl.READ)
    return [r["id"] for r in records]


def newest_event(driver: Driver) -> datetime | None:
    """The time of the newest behaviour event in the graph (a scan of every behaviour edge)."""
    records, _, _ = driver.execute_query(
        NEWEST_EVENT_QUERY, behaviours=list(BEHAVIOURS), routing_=RoutingControl.READ
    )
    newest = records[0]["newest"]
    return newest.to_native() if newest is not None else None


def _batches(ids: Sequence[str], size: int) -> Iterator[tuple[int, Sequence[str]]]:
    for start in range(0, len(ids), size):
        batch = ids[start : start + size]
        yield start + len(batch), batch


def _refresh_batch(
    tx: ManagedTransaction, user_ids: Sequence[str], parameters: dict[str, Any]
) -> tuple[int, Counter[str]]:
    """Users of the batch found, and the interest edges written per kind."""
    found = tx.run(FOUND_USERS_QUERY, user_ids=list(user_ids)).single(strict=True)["n"]
    result = tx.run(REFRESH_INTERESTS_QUERY, user_ids=list(user_ids), **parameters)
    edges: Counter[str] = Counter()
    for record in result:
        edges[next(KINDS[label] for label in record["labels"] if label in KINDS)] += record["edges"]
    return int(found), edges
