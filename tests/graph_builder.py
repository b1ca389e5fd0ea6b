"""Writes small hand-made graphs with embeddings, and the exact vector indexes they need.

Shared by the serving integration tests and the HTTP end-to-end tests. Vectors are padded with
zeros to ``DIM`` (the dimension cypher/schema.cypher starts with); like a write-back, a graph
gets an active ``(:EmbeddingModel)`` whose id its vectors carry. Specs name users by
the shop's own ids; the graph stores their pseudonyms under ``TEST_PSEUDONYM_KEY``, the key of the
test session's settings, as ingest would.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from neo4j import Driver

from interestgraph.privacy import Pseudonymizer

DIM = 64

# The pseudonym key of the test session (conftest's settings carry it): fixed, so ids are stable.
TEST_PSEUDONYM_KEY = "interestgraph-test-pseudonym-key"
TEST_PSEUDONYMIZER = Pseudonymizer(TEST_PSEUDONYM_KEY.encode("utf-8"))


def pseudonym(shop_user_id: str) -> str:
    """The id the graph holds for the shop's user id under the test key."""
    return TEST_PSEUDONYMIZER.user_id(shop_user_id)


# Exact (unquantised) indexes: on sparse hand-made vectors Lucene's scalar quantisation reorders
# neighbours, and the tests are about the queries, not about approximate recall.
CREATE_INDEX_QUERIES = {
    "item_embedding": """
        CREATE VECTOR INDEX item_embedding IF NOT EXISTS FOR (i:Item) ON i.embedding
        OPTIONS {indexConfig: {`vector.dimensions`: $dims,
                               `vector.similarity_function`: 'cosine',
                               `vector.quantization.enabled`: false}}
        """,
}
INDEX_DIMS = {"item_embedding": DIM}


@dataclass
class GraphSpec:
    """A graph to write: vectors are short tuples, padded to ``DIM``; None = not trained.

    ``users`` and ``purchases`` are keyed by the shop's user ids (stored pseudonymised).
    """

    items: Mapping[str, Sequence[float] | None]
    users: Mapping[str, Sequence[float] | None]
    purchases: Mapping[str, Sequence[str]] = field(default_factory=dict)
    category_paths: Sequence[Sequence[str]] = ()
    item_categories: Mapping[str, Sequence[str]] = field(default_factory=dict)
    brands: Mapping[str, str] = field(default_factory=dict)
    item_brands: Mapping[str, str] = field(default_factory=dict)


def padded(vector: Sequence[float]) -> list[float]:
    return [*vector, *([0.0] * (DIM - len(vector)))]


def dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return dot(a, b) / math.sqrt(dot(a, a) * dot(b, b))


@contextmanager
def vector_indexes(driver: Driver, timeout_s: float = 60.0) -> Iterator[None]:
    """(Re)create the item vector indexes, wait until ONLINE, drop them when done.

    Dropping afterwards lets a later ``apply_schema`` create the product's own configuration.
    """
    for name, create_query in CREATE_INDEX_QUERIES.items():
        driver.execute_query("DROP INDEX $name IF EXISTS", name=name)
        driver.execute_query(create_query, dims=INDEX_DIMS[name])
    try:
        deadline = time.monotonic() + timeout_s
        names = list(CREATE_INDEX_QUERIES)
        while True:
            records, _, _ = driver.execute_query(
                "SHOW VECTOR INDEXES YIELD name, state WHERE name IN $names RETURN state",
                names=names,
            )
            if len(records) == len(names) and all(r["state"] == "ONLINE" for r in records):
                break
            assert time.monotonic() < deadline, "vector indexes not ONLINE in time"
            time.sleep(0.1)
        yield
    finally:
        for name in CREATE_INDEX_QUERIES:
            driver.execute_query("DROP INDEX $name IF EXISTS", name=name)


def write_graph(driver: Driver, spec: GraphSpec) -> None:
    """Create the spec's nodes, relationships and embeddings in an empty database.

    The model node has a fresh id per graph, as each write-back does, so caches keyed by it
    (serving/item_vectors.py) never serve one test's vectors to the next.
    """
    model_id = f"test-{uuid.uuid4()}"
    trained_users = [v for v in spec.users.values() if v is not None]
    driver.execute_query(
        """
        CREATE (:EmbeddingModel {id: $model_id, dimension: $dimension, active: true,
                                 user_norm_mean: $norm, trained_at: datetime(),
                                 graph_at: datetime(), items: $items})
        """,
        model_id=model_id,
        items=sum(v is not None for v in spec.items.values()),
        dimension=DIM,
        norm=(
            sum(math.sqrt(dot(v, v)) for v in trained_users) / len(trained_users)
            if trained_users
            else 0.0
        ),
    )
    categories = [
        {
            "id": " > ".join(path[: level + 1]),
            "name": path[level],
            "path": list(path[: level + 1]),
            "level": level,
            "parent": " > ".join(path[:level]) if level else None,
        }
        for path in spec.category_paths
        for level in range(len(path))
    ]
    driver.execute_query(
        """
        UNWIND $categories AS c
        MERGE (cat:Category {id: c.id})
        SET cat.name = c.name, cat.path = c.path, cat.level = c.level
        WITH cat, c WHERE c.parent IS NOT NULL
        MERGE (parent:Category {id: c.parent})
        MERGE (cat)-[:SUBCATEGORY_OF]->(parent)
        """,
        categories=categories,
    )
    driver.execute_query(
        "UNWIND $brands AS b CREATE (:Brand {id: b.id, name: b.name})",
        brands=[{"id": k, "name": v} for k, v in spec.brands.items()],
    )
    items = [
        {
            "id": item_id,
            "embedding": padded(v) if v is not None else None,
            "brand": spec.item_brands.get(item_id),
            "categories": list(spec.item_categories.get(item_id, [])),
        }
        for item_id, v in spec.items.items()
    ]
    driver.execute_query(
        """
        UNWIND $items AS row
        CREATE (i:Item {id: row.id})
        WITH i, row
        CALL (i, row) {
          WITH i, row WHERE row.embedding IS NOT NULL
          CALL db.create.setNodeVectorProperty(i, 'embedding', row.embedding)
          SET i.embedding_model = $model_id
        }
        CALL (i, row) {
          MATCH (b:Brand {id: row.brand})
          SET i.brand = b.name
          CREATE (i)-[:MADE_BY]->(b)
        }
        CALL (i, row) {
          UNWIND row.categories AS category_id
          MATCH (c:Category {id: category_id})
          CREATE (i)-[:IN_CATEGORY]->(c)
        }
        """,
        items=items,
        model_id=model_id,
    )
    driver.execute_query(
        """
        UNWIND $users AS row
        CREATE (u:User {id: row.id})
        WITH u, row WHERE row.embedding IS NOT NULL
        CALL db.create.setNodeVectorProperty(u, 'embedding', row.embedding)
        SET u.embedding_model = $model_id
        """,
        model_id=model_id,
        users=[
            {"id": pseudonym(k), "embedding": padded(v) if v is not None else None}
            for k, v in spec.users.items()
        ],
    )
    driver.execute_query(
        """
        UNWIND $purchases AS p
        MATCH (u:User {id: p.user}), (i:Item {id: p.item})
        CREATE (u)-[:PURCHASED {count: 1, first_seq: p.seq, last_seq: p.seq}]->(i)
        """,
        purchases=[
            {"user": pseudonym(user), "item": item, "seq": seq}
            for user, bought in spec.purchases.items()
            for seq, item in enumerate(bought)
        ],
    )
