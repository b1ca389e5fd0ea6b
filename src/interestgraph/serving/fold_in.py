"""Embeds a new or changed user from the graph at once, without retraining: fold-in.

LightGCN's propagation rule gives a user the normalised sum of its items' vectors,
``e_u ∝ Σ_{i ∈ N(u)} e_i / sqrt(|N(i)|)`` (``1 / sqrt(|N(u)|)`` is a common factor). The item
vectors of the active model stay fixed, so a folded-in user lives in the model's space: the next
``recommendations`` call ranks with it. ``N(u)`` is every item the user interacted with, as
training learns from all behaviours; ``|N(i)|`` is the item's behaviour degree (a degree lookup,
no expansion). The vector is scaled to the mean norm of the trained users, so folded-in users
score on the scale of the others (rankings do not depend on it).

The read of the model and the items and the write of the vector run in one write transaction: a
write-back switching models meanwhile makes it retry against the new model, never mix them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from interestgraph.errors import DatabaseUnavailable, InterestGraphError, NotFound, NotTrained
from interestgraph.export.graph_spec import BEHAVIOURS
from interestgraph.serving.writeback import active_model

BEHAVIOUR_TYPES = [edge.rel for edge in BEHAVIOURS]
_BEHAVIOUR_PATTERN = "|".join(BEHAVIOUR_TYPES)

# The patterns name their types (from graph_spec, never from input): the user's expansion reads
# only behaviour relationships, and the item's degree comes from the degree store.
FOLD_IN_READ_QUERY = f"""
MATCH (u:User {{id: $user_id}})
OPTIONAL MATCH (m:EmbeddingModel {{active: true}})
WITH u, m ORDER BY m.trained_at DESC LIMIT 1
RETURN m.id AS model_id, m.dimension AS dimension, m.user_norm_mean AS norm,
       COLLECT {{
         MATCH (u)-[:{_BEHAVIOUR_PATTERN}]->(i:Item)
         WHERE i.embedding IS NOT NULL
         WITH DISTINCT i
         RETURN [i.embedding, COUNT {{ (i)<-[:{_BEHAVIOUR_PATTERN}]-() }}]
       }} AS items
"""

FOLD_IN_WRITE_QUERY = """
MATCH (u:User {id: $user_id})
CALL db.create.setNodeVectorProperty(u, 'embedding', $vector)
SET u.embedding_model = $model_id, u.embedding_folded_at = datetime.transaction()
"""

# Users whose behaviour changed after the graph the active model was trained on (or since their
# last fold-in), and users with behaviour but no vector: those `fold-in --changed` embeds.
CHANGED_USERS_QUERY = """
MATCH (m:EmbeddingModel {active: true})
WITH m ORDER BY m.trained_at DESC LIMIT 1
MATCH (u:User)
WHERE EXISTS {
  MATCH (u)-[r]->(:Item)
  WHERE type(r) IN $behaviours
    AND (u.embedding IS NULL
         OR r.changed_at > coalesce(u.embedding_folded_at, m.graph_at, m.trained_at))
}
RETURN u.id AS id ORDER BY id
"""


@dataclass(frozen=True)
class FoldInResult:
    """One folded-in user: the model it joined, how many items it was built from, the time."""

    user_id: str
    model_id: str
    items: int
    seconds: float


def fold_in_user(driver: Driver, user_id: str) -> FoldInResult:
    """Compute and store the embedding of ``user_id`` from its items' embeddings.

    Raises:
        NotFound: no such user.
        NotTrained: no model was written back yet, or none of the user's items has a vector.
        InterestGraphError: an item vector of another dimension than the model's.
        DatabaseUnavailable: Neo4j went away.
    """
    started = time.perf_counter()

    def fold(tx: ManagedTransaction) -> tuple[str, int]:
        record = tx.run(FOLD_IN_READ_QUERY, user_id=user_id).single()
        if record is None:
            raise NotFound(f"no user with id '{user_id}'")
        if record["model_id"] is None:
            raise NotTrained("no model has been written back yet: train one first")
        vector = fold_in_vector(record["items"], record["dimension"], record["norm"])
        if vector is None:
            raise NotTrained(
                f"user '{user_id}' has no items with embeddings yet: nothing to fold in from"
            )
        tx.run(
            FOLD_IN_WRITE_QUERY, user_id=user_id, vector=vector, model_id=record["model_id"]
        ).consume()
        return str(record["model_id"]), len(record["items"])

    try:
        with driver.session() as session:
            model_id, items = session.execute_write(fold)
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"lost Neo4j during fold-in: {e}") from e
    except Neo4jError as e:
        raise InterestGraphError(f"fold-in failed: {e.message}") from e
    return FoldInResult(user_id, model_id, items, time.perf_counter() - started)


def fold_in_vector(
    items: list[list[Any]], dimension: int, norm: float | None
) -> list[float] | None:
    """``Σ e_i / sqrt(deg_i)`` over ``items`` (``[embedding, degree]`` pairs), scaled to
    ``norm`` (its own norm when ``norm`` is missing or 0); ``None`` without items or for a zero
    sum."""
    if not items:
        return None
    vectors = [v for v, _ in items]
    if any(not isinstance(v, list) or len(v) != dimension for v in vectors):
        raise InterestGraphError(
            f"item vectors of another dimension than the model's {dimension}: write back again"
        )
    matrix = np.asarray(vectors, dtype=np.float64)
    degrees = np.asarray([d for _, d in items], dtype=np.float64).clip(min=1.0)
    summed = (matrix / np.sqrt(degrees)[:, None]).sum(axis=0)
    length = float(np.linalg.norm(summed))
    if length == 0.0:
        return None
    scale = norm / length if norm else 1.0
    return [float(x) for x in summed * scale]


def changed_users(driver: Driver) -> list[str]:
    """Users with behaviour newer than the active model's graph, or without a vector."""
    try:
        records, _, _ = driver.execute_query(CHANGED_USERS_QUERY, behaviours=BEHAVIOUR_TYPES)
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"lost Neo4j while looking for changed users: {e}") from e
    return [r["id"] for r in records]


@dataclass
class FoldInSummary:
    """What a batch fold-in did: users embedded, users left without a vector (no embedded
    items yet), and the wall time."""

    folded: list[FoldInResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0


def fold_in_users(driver: Driver, user_ids: Iterable[str]) -> FoldInSummary:
    """Fold in each user in its own transaction.

    Raises:
        NotTrained: no model has been written back yet.
        NotFound: an unknown user id (those before it are folded in).
    """
    if active_model(driver) is None:
        raise NotTrained("no model has been written back yet: train one first")
    started = time.perf_counter()
    summary = FoldInSummary()
    for user_id in user_ids:
        try:
            summary.folded.append(fold_in_user(driver, user_id))
        except NotTrained:
            summary.skipped.append(user_id)
    summary.seconds = time.perf_counter() - started
    return summary
