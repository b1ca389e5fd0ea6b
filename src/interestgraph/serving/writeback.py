"""Writes trained embeddings back onto the graph and keeps the vector indexes in step with them.

Vectors go through ``db.create.setNodeVectorProperty`` so Neo4j stores them as float32, in
batched ``UNWIND`` queries. All batches, the removal of vectors left from the older model (nodes
the export did not see) and the switch of the active ``(:EmbeddingModel)`` run in ONE write
transaction, so a failed write leaves the old model whole. Neo4j reads at read-committed: a read
racing the commit can see part of it, so readers go by model id (serving/recommend.py and
serving/item_vectors.py never score one model's user vector against another's items).

A vector index silently skips vectors of another dimension, so the indexes are (re)created with
the model's dimension before the transaction (a new dimension drops the old index first:
similarity queries fail until it is rebuilt) and checked again after.

``recommendations`` scores items exactly in process (serving/item_vectors.py: no vector index
ranks by inner product); the vector indexes serve ``similar`` items and users.

The indexes are created without quantization (Neo4j 5.26 quantizes by default): int8 quantization
reorders near neighbours, and exact float32 vectors cost 4 bytes × d per node.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import torch
from neo4j import Driver, ManagedTransaction, RoutingControl
from neo4j.exceptions import Neo4jError, ServiceUnavailable
from torch import Tensor

from interestgraph.errors import BadInput, DatabaseUnavailable, InterestGraphError
from interestgraph.export import ExportedGraph


@dataclass(frozen=True)
class VectorIndexSpec:
    """One vector index of docs/graph-model.md, of the model's dimension."""

    name: str
    label: str
    prop: str
    similarity: str

    @property
    def create_query(self) -> str:
        return (
            f"CREATE VECTOR INDEX {self.name} IF NOT EXISTS "
            f"FOR (n:{self.label}) ON (n.{self.prop}) "
            "OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, "
            f"`vector.similarity_function`: '{self.similarity}', "
            "`vector.quantization.enabled`: false}}"
        )


VECTOR_INDEXES = (
    VectorIndexSpec("item_embedding", "Item", "embedding", "cosine"),
    VectorIndexSpec("user_embedding", "User", "embedding", "cosine"),
)

SHOW_VECTOR_INDEXES_QUERY = "SHOW VECTOR INDEXES YIELD name, labelsOrTypes, properties, options"
DROP_INDEX_QUERY = "DROP INDEX $name IF EXISTS"
# Earlier releases searched MIPS-augmented vectors: their index and vectors go.
LEGACY_INDEXES = ("item_search_vector",)
AWAIT_INDEX_QUERY = "CALL db.awaitIndex($name, $timeout_s)"

WRITE_USER_EMBEDDINGS_QUERY = """
UNWIND range(0, size($ids) - 1) AS k
WITH k, $ids[k] AS id
MATCH (u:User {id: id})
CALL db.create.setNodeVectorProperty(u, 'embedding', $vectors[k])
SET u.embedding_model = $model_id, u.embedding_trained_at = $trained_at
RETURN count(u) AS written
"""

WRITE_ITEM_EMBEDDINGS_QUERY = """
UNWIND range(0, size($ids) - 1) AS k
WITH k, $ids[k] AS id
MATCH (i:Item {id: id})
CALL db.create.setNodeVectorProperty(i, 'embedding', $vectors[k])
SET i.embedding_model = $model_id, i.embedding_trained_at = $trained_at
RETURN count(i) AS written
"""

REMOVE_STALE_EMBEDDINGS_QUERY = """
MATCH (n)
WHERE (n:User OR n:Item) AND n.embedding IS NOT NULL
  AND coalesce(n.embedding_model, '') <> $model_id
REMOVE n.embedding, n.embedding_model, n.embedding_trained_at
RETURN count(n) AS removed
"""

REMOVE_LEGACY_VECTORS_QUERY = """
MATCH (i:Item) WHERE i.search_vector IS NOT NULL
REMOVE i.search_vector
"""

# The model node fold-in reads: which vectors are current, their dimension, the mean norm of the
# trained user vectors (folded-in users live on the same scale) and `graph_at`, the export's
# server time: behaviour changed after it is what the model has not seen.
ACTIVATE_MODEL_QUERY = """
OPTIONAL MATCH (old:EmbeddingModel)
WHERE old.id <> $model_id
SET old.active = false
WITH count(old) AS _
MERGE (m:EmbeddingModel {id: $model_id})
SET m.dimension = $dimension, m.trained_at = $trained_at, m.graph_at = $graph_at,
    m.users = $users, m.items = $items,
    m.user_norm_mean = $user_norm_mean, m.active = true
"""

ACTIVE_MODEL_QUERY = """
MATCH (m:EmbeddingModel {active: true})
RETURN m.id AS id, m.dimension AS dimension, m.user_norm_mean AS user_norm_mean
ORDER BY m.trained_at DESC
LIMIT 1
"""


@dataclass(frozen=True)
class WritebackReport:
    """What a write-back did; ``indexes_created`` lists indexes (re)created for the dimension."""

    model_id: str
    dimension: int
    users_written: int
    items_written: int
    stale_removed: int
    indexes_created: list[str]
    seconds: float


@dataclass(frozen=True)
class ActiveModel:
    """The ``(:EmbeddingModel)`` whose vectors the graph holds."""

    id: str
    dimension: int
    user_norm_mean: float


def write_embeddings(
    driver: Driver,
    exported: ExportedGraph,
    user_emb: Tensor,
    item_emb: Tensor,
    *,
    model_id: str,
    batch_size: int = 5000,
    index_timeout_s: float = 300.0,
) -> WritebackReport:
    """Store user and item embeddings (rows in the export's index order) and index them.

    Args:
        driver: an open driver.
        exported: the export the model was trained on; gives each row's node id.
        user_emb: ``[U, d]``, U = ``len(exported.user_ids)``.
        item_emb: ``[I, d]``, I = ``len(exported.item_ids)``.
        model_id: the run id, stored as ``embedding_model`` and ``(:EmbeddingModel {id})``.
        batch_size: nodes per ``UNWIND`` query of the one write transaction.
        index_timeout_s: how long to wait for the vector indexes to come ONLINE.

    Raises:
        BadInput: shapes that do not match the export or each other, or non-finite values.
        DatabaseUnavailable: Neo4j went away (nothing of the new model was written).
        InterestGraphError: Neo4j refused a write, an exported node is gone (the transaction
            rolls back: the old model stays), or an index did not come online.
    """
    started = time.perf_counter()
    dimension = _check_shapes(exported, user_emb, item_emb, batch_size)
    users = user_emb.detach().float().cpu()
    items = item_emb.detach().float().cpu()
    common = {"model_id": model_id, "trained_at": datetime.now(UTC)}
    batches = [
        (WRITE_USER_EMBEDDINGS_QUERY, {"ids": ids, "vectors": vectors})
        for ids, vectors in _batches(exported.user_ids, users, batch_size)
    ] + [
        (WRITE_ITEM_EMBEDDINGS_QUERY, {"ids": ids, "vectors": vectors})
        for ids, vectors in _batches(exported.item_ids, items, batch_size)
    ]
    expected = (len(exported.user_ids), len(exported.item_ids))
    model = common | {
        "dimension": dimension,
        "graph_at": exported.exported_at,
        "users": expected[0],
        "items": expected[1],
        "user_norm_mean": float(users.norm(dim=1).mean()) if len(users) else 0.0,
    }

    def write(tx: ManagedTransaction) -> tuple[int, int, int]:
        written = {WRITE_USER_EMBEDDINGS_QUERY: 0, WRITE_ITEM_EMBEDDINGS_QUERY: 0}
        for query, params in batches:
            written[query] += int(tx.run(query, params | common).single(strict=True)["written"])
        users_written = written[WRITE_USER_EMBEDDINGS_QUERY]
        items_written = written[WRITE_ITEM_EMBEDDINGS_QUERY]
        if (users_written, items_written) != expected:
            raise GraphChangedError(
                f"{expected[0] - users_written} users and {expected[1] - items_written} "
                "items of the export are gone from the graph: export and train again"
            )
        removed = tx.run(REMOVE_STALE_EMBEDDINGS_QUERY, model_id=model_id).single(strict=True)
        tx.run(REMOVE_LEGACY_VECTORS_QUERY).consume()
        tx.run(ACTIVATE_MODEL_QUERY, model).consume()
        return users_written, items_written, int(removed["removed"])

    try:
        created = _ensure_vector_indexes(driver, dimension)
        with driver.session() as session:
            users_written, items_written, removed = session.execute_write(write)
        for spec in VECTOR_INDEXES:
            driver.execute_query(
                AWAIT_INDEX_QUERY, {"name": spec.name, "timeout_s": index_timeout_s}
            )
    except GraphChangedError as e:
        raise InterestGraphError(f"embedding write-back rolled back: {e}") from e
    except ServiceUnavailable as e:
        raise DatabaseUnavailable(f"Neo4j went away during the embedding write-back: {e}") from e
    except Neo4jError as e:
        raise InterestGraphError(f"embedding write-back failed: {e.message}") from e
    return WritebackReport(
        model_id=model_id,
        dimension=dimension,
        users_written=users_written,
        items_written=items_written,
        stale_removed=removed,
        indexes_created=created,
        seconds=time.perf_counter() - started,
    )


def active_model(driver: Driver) -> ActiveModel | None:
    """The model whose vectors the graph holds, or ``None`` before the first write-back."""
    records, _, _ = driver.execute_query(ACTIVE_MODEL_QUERY, routing_=RoutingControl.READ)
    if not records:
        return None
    record = records[0]
    return ActiveModel(record["id"], int(record["dimension"]), float(record["user_norm_mean"]))


class GraphChangedError(Exception):
    """Raised inside the write transaction to roll it back."""


def _batches(
    ids: list[str], vectors: Tensor, batch_size: int
) -> Iterator[tuple[list[str], list[list[float]]]]:
    for start in range(0, len(ids), batch_size):
        yield ids[start : start + batch_size], vectors[start : start + batch_size].tolist()


def _check_shapes(
    exported: ExportedGraph, user_emb: Tensor, item_emb: Tensor, batch_size: int
) -> int:
    expected = {"user": len(exported.user_ids), "item": len(exported.item_ids)}
    for kind, emb in (("user", user_emb), ("item", item_emb)):
        if emb.dim() != 2 or emb.size(0) != expected[kind] or emb.size(1) < 1:
            raise BadInput(
                f"{kind} embeddings must be [{expected[kind]}, d], got {list(emb.shape)}"
            )
        if not bool(torch.isfinite(emb).all()):
            raise BadInput(f"{kind} embeddings contain NaN or infinite values")
    if user_emb.size(1) != item_emb.size(1):
        raise BadInput(
            f"user and item embeddings differ in dimension: {user_emb.size(1)} vs "
            f"{item_emb.size(1)}"
        )
    if batch_size < 1:
        raise BadInput(f"batch_size must be at least 1, got {batch_size}")
    return int(user_emb.size(1))


def _ensure_vector_indexes(driver: Driver, dimension: int) -> list[str]:
    """Create missing vector indexes; drop and recreate those of another shape or quantized.

    Then read them back: vectors of another dimension than the index's would be left out of it
    without an error, so a mismatch here stops the write-back before it writes.

    Returns the names of the indexes created.
    """
    existing = _vector_indexes(driver)
    for name in LEGACY_INDEXES:
        if name in existing:
            driver.execute_query(DROP_INDEX_QUERY, {"name": name})
    created = []
    for spec in VECTOR_INDEXES:
        record = existing.get(spec.name)
        if record is not None and _matches(record, spec, dimension):
            continue
        if record is not None:
            driver.execute_query(DROP_INDEX_QUERY, {"name": spec.name})
        driver.execute_query(spec.create_query, {"dimensions": dimension})
        created.append(spec.name)
    existing = _vector_indexes(driver)
    for spec in VECTOR_INDEXES:
        record = existing.get(spec.name)
        if record is None or not _matches(record, spec, dimension):
            raise InterestGraphError(
                f"vector index {spec.name} does not have {dimension} "
                "dimensions after creating it: another process changed it; retry"
            )
    return created


def _vector_indexes(driver: Driver) -> dict[str, Any]:
    records, _, _ = driver.execute_query(SHOW_VECTOR_INDEXES_QUERY, routing_=RoutingControl.READ)
    return {record["name"]: record for record in records}


def _matches(record: Any, spec: VectorIndexSpec, dimensions: int) -> bool:
    config = (record["options"] or {}).get("indexConfig", {})
    return (
        record["labelsOrTypes"] == [spec.label]
        and record["properties"] == [spec.prop]
        and config.get("vector.dimensions") == dimensions
        and str(config.get("vector.similarity_function", "")).lower() == spec.similarity
        and not config.get("vector.quantization.enabled", False)
    )
