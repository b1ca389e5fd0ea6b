"""Writes trained embeddings back onto the graph and keeps the vector indexes in step with them.

Vectors go through ``db.create.setNodeVectorProperty`` so Neo4j stores them as float32, in
batched ``UNWIND`` write transactions. A vector index silently skips vectors of another
dimension, so the indexes are (re)created with the model's dimension before writing, and vectors
left from an older model (nodes the export did not see) are removed rather than mixed into a
vector space they do not belong to.

The indexes are created without quantization (Neo4j 5.26 quantizes by default): int8 quantization
of the augmented search vectors, whose last coordinate dwarfs the others, reorders results badly
enough that a query returned the item with the 4th largest inner product first. Exact float32
vectors cost 4 bytes × (d + 1) per item, nothing at catalogue scale.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import torch
from neo4j import Driver, RoutingControl
from neo4j.exceptions import Neo4jError, ServiceUnavailable
from torch import Tensor

from interestgraph.errors import BadInput, DatabaseUnavailable, InterestGraphError
from interestgraph.export import ExportedGraph


@dataclass(frozen=True)
class VectorIndexSpec:
    """One vector index of docs/graph-model.md; ``extra_dims`` is added to the model dimension."""

    name: str
    label: str
    prop: str
    similarity: str
    extra_dims: int = 0

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
    VectorIndexSpec("item_search_vector", "Item", "search_vector", "euclidean", extra_dims=1),
    VectorIndexSpec("user_embedding", "User", "embedding", "cosine"),
)

SHOW_VECTOR_INDEXES_QUERY = "SHOW VECTOR INDEXES YIELD name, labelsOrTypes, properties, options"
DROP_INDEX_QUERY = "DROP INDEX $name IF EXISTS"
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
CALL db.create.setNodeVectorProperty(i, 'search_vector', $search_vectors[k])
SET i.embedding_model = $model_id, i.embedding_trained_at = $trained_at
RETURN count(i) AS written
"""

REMOVE_STALE_EMBEDDINGS_QUERY = """
MATCH (n)
WHERE (n:User OR n:Item) AND n.embedding IS NOT NULL
  AND coalesce(n.embedding_model, '') <> $model_id
REMOVE n.embedding, n.search_vector, n.embedding_model, n.embedding_trained_at
RETURN count(n) AS removed
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


def search_vectors(item_emb: Tensor) -> Tensor:
    """The MIPS-to-nearest-neighbour augmentation ``[v, sqrt(M² − ‖v‖²)]``, M = max item norm.

    Every augmented item has norm M, so for a query ``[u, 0]`` the euclidean distance is
    ``‖u‖² + M² − 2 u·v``: the nearest item is the one with the largest inner product.

    Args:
        item_emb: ``[I, d]``.

    Returns:
        ``[I, d + 1]`` float32.
    """
    emb = item_emb.detach().to(torch.float64)
    squared = (emb * emb).sum(dim=1)
    extra = (squared.max() - squared).clamp(min=0).sqrt() if emb.size(0) else squared
    return torch.cat([emb, extra.unsqueeze(1)], dim=1).float()


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
        model_id: the run id, stored as ``embedding_model``.
        batch_size: nodes per write transaction.
        index_timeout_s: how long to wait for the vector indexes to come ONLINE.

    Raises:
        BadInput: shapes that do not match the export or each other, or non-finite values.
        DatabaseUnavailable: Neo4j went away.
        InterestGraphError: Neo4j refused a write or an index did not come online.
    """
    started = time.perf_counter()
    dimension = _check_shapes(exported, user_emb, item_emb, batch_size)
    users = user_emb.detach().float().cpu()
    items = item_emb.detach().float().cpu()
    search = search_vectors(items)
    trained_at = datetime.now(UTC)
    common = {"model_id": model_id, "trained_at": trained_at}
    try:
        created = _ensure_vector_indexes(driver, dimension)
        users_written = sum(
            _write(
                driver,
                WRITE_USER_EMBEDDINGS_QUERY,
                ids=exported.user_ids[start : start + batch_size],
                vectors=users[start : start + batch_size].tolist(),
                **common,
            )
            for start in range(0, len(exported.user_ids), batch_size)
        )
        items_written = sum(
            _write(
                driver,
                WRITE_ITEM_EMBEDDINGS_QUERY,
                ids=exported.item_ids[start : start + batch_size],
                vectors=items[start : start + batch_size].tolist(),
                search_vectors=search[start : start + batch_size].tolist(),
                **common,
            )
            for start in range(0, len(exported.item_ids), batch_size)
        )
        records, _, _ = driver.execute_query(
            REMOVE_STALE_EMBEDDINGS_QUERY, {"model_id": model_id}, routing_=RoutingControl.WRITE
        )
        for spec in VECTOR_INDEXES:
            driver.execute_query(
                AWAIT_INDEX_QUERY, {"name": spec.name, "timeout_s": index_timeout_s}
            )
    except ServiceUnavailable as e:
        raise DatabaseUnavailable(f"Neo4j went away during the embedding write-back: {e}") from e
    except Neo4jError as e:
        raise InterestGraphError(f"embedding write-back failed: {e.message}") from e
    return WritebackReport(
        model_id=model_id,
        dimension=dimension,
        users_written=users_written,
        items_written=items_written,
        stale_removed=int(records[0]["removed"]),
        indexes_created=created,
        seconds=time.perf_counter() - started,
    )


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

    Returns the names of the indexes created.
    """
    records, _, _ = driver.execute_query(SHOW_VECTOR_INDEXES_QUERY, routing_=RoutingControl.READ)
    existing = {record["name"]: record for record in records}
    created = []
    for spec in VECTOR_INDEXES:
        wanted = dimension + spec.extra_dims
        record = existing.get(spec.name)
        if record is not None and _matches(record, spec, wanted):
            continue
        if record is not None:
            driver.execute_query(DROP_INDEX_QUERY, {"name": spec.name})
        driver.execute_query(spec.create_query, {"dimensions": wanted})
        created.append(spec.name)
    return created


def _matches(record: Any, spec: VectorIndexSpec, dimensions: int) -> bool:
    config = (record["options"] or {}).get("indexConfig", {})
    return (
        record["labelsOrTypes"] == [spec.label]
        and record["properties"] == [spec.prop]
        and config.get("vector.dimensions") == dimensions
        and str(config.get("vector.similarity_function", "")).lower() == spec.similarity
        and not config.get("vector.quantization.enabled", False)
    )


def _write(driver: Driver, query: str, **params: Any) -> int:
    records, _, _ = driver.execute_query(query, params, routing_=RoutingControl.WRITE)
    return int(records[0]["written"])
