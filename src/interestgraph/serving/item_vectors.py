"""The active model's item vectors in process memory, for exact inner-product recommendations.

Neo4j's vector index searches by cosine or euclidean distance, not by inner product, the score
LightGCN is trained for. Measured on Tmall (benchmarks/datapath.py, docs/graph-model.md): a
euclidean index over MIPS-augmented vectors ``[v, sqrt(M² − ‖v‖²)]`` found 0.26 of the exact
top 20 (0.65 when asked for 200), and a euclidean index queried far out along the user's
direction did no better, while the cosine index finds 0.99 of the exact cosine neighbours that
``similar`` wants. So recommendations score every item exactly, a matrix-vector product over a
copy of the item vectors (I × d float32: 3 MB for Tmall's 12 k items at d = 64, 256 MB for a
million). The copy is keyed by the active ``(:EmbeddingModel)``: a write-back switches the model
id (and write time: a run written back twice is two versions), and the next request loads the
new vectors. Item vectors change only through write-back
(fold-in writes users), so the copy never goes stale under one model id.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from neo4j import Driver, RoutingControl

from interestgraph.errors import NotTrained

LOAD_QUERY = """
OPTIONAL MATCH (m:EmbeddingModel {id: $model_id})
WITH m LIMIT 1
CALL (m) {
  MATCH (item:Item)
  WHERE item.embedding IS NOT NULL AND ($model_id IS NULL OR item.embedding_model = $model_id)
  RETURN collect(item.id) AS ids, collect(item.embedding) AS vectors
}
RETURN m.items AS expected, ids, vectors
"""
# Neo4j isolates reads at read-committed: a read running while a write-back commits can see part
# of it. A load that finds fewer of the model's items than its write-back wrote waits and reads
# again, rather than caching a part under the model's id.
LOAD_ATTEMPTS = 5
LOAD_RETRY_S = 0.05


@dataclass(frozen=True)
class ItemVectors:
    """Item ids, each id's row, and their vectors ``[I, d]`` float32 in that order.

    Rows are looked up in a dict: a request asks for the rows of a user's few dozen seen
    items, where a pandas index's per-call overhead was 4 % of the API process's Python time
    under load (py-spy).
    """

    model_id: str | None
    ids: list[str]
    row_of: dict[str, int]
    matrix: np.ndarray

    def rows(self, ids: list[str]) -> np.ndarray:
        """Row numbers of those ``ids`` that have a vector."""
        found = (self.row_of.get(item_id) for item_id in ids)
        return np.fromiter((row for row in found if row is not None), dtype=np.int64)


def load_item_vectors(driver: Driver, model_id: str | None) -> ItemVectors:
    """Every item vector of ``model_id`` (all item vectors for ``None``).

    Raises:
        NotTrained: the model's item vectors stayed incomplete over every attempt.
    """
    for attempt in range(LOAD_ATTEMPTS):
        records, _, _ = driver.execute_query(
            LOAD_QUERY, model_id=model_id, routing_=RoutingControl.READ
        )
        expected = records[0]["expected"]
        if model_id is None or expected is None or len(records[0]["ids"]) >= expected:
            break
        time.sleep(LOAD_RETRY_S * (attempt + 1))
    else:
        raise NotTrained(
            f"model {model_id} has {len(records[0]['ids'])} of its {expected} item vectors: "
            "is a write-back running? retry"
        )
    ids: list[str] = records[0]["ids"]
    vectors = records[0]["vectors"]
    matrix = np.asarray(vectors, dtype=np.float32) if ids else np.zeros((0, 0), np.float32)
    return ItemVectors(model_id, ids, {item_id: row for row, item_id in enumerate(ids)}, matrix)


class ItemVectorCache:
    """Item vectors by model id and write time, the few most recently used (model ids are run
    ids, unique across databases, so one process serving several databases keeps them
    apart)."""

    def __init__(self, models: int = 4) -> None:
        self._lock = threading.Lock()
        self._models = models
        self._loaded: OrderedDict[tuple[str, str], ItemVectors] = OrderedDict()

    def get(self, driver: Driver, model_id: str | None, trained_at: object = None) -> ItemVectors:
        """The vectors of ``model_id`` written back at ``trained_at``; ``None`` (a graph written
        back before models were recorded) is never cached, as nothing tells when it changes."""
        if model_id is None:
            return load_item_vectors(driver, None)
        key = (model_id, str(trained_at))
        with self._lock:
            loaded = self._loaded.get(key)
            if loaded is None:
                loaded = self._loaded[key] = load_item_vectors(driver, model_id)
                while len(self._loaded) > self._models:
                    self._loaded.popitem(last=False)
            self._loaded.move_to_end(key)
            return loaded


ITEM_VECTORS = ItemVectorCache()
"""The process's cache, which ``recommend_items`` reads through."""
