"""Writes cleaned rows into Neo4j: batched ``UNWIND $rows`` in managed transactions.

Nodes, catalogue edges and FOLLOWS are MERGEd on constrained ids and their properties SET, so
writing them again changes nothing. Behaviour edges aggregate events (``count``, first/last time
or sequence number, ``quantity``, ``rating``), so they are written exactly once instead: each
:class:`~interestgraph.ingest.events.EventChunk` is applied in one transaction that also records
``(:IngestChunk {id})``, and each event's key is kept on its edge (``event_keys``), so an event
already there is never counted twice, whatever the chunking of the run that brought it.

For delta exports (export/delta.py) nodes get ``created_at`` when created, relationships
``changed_at`` when created and behaviour edges again whenever new events change them, both
``datetime.transaction()``; a write that changes nothing leaves them alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import Driver, ManagedTransaction, RoutingControl
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from interestgraph.errors import DatabaseUnavailable, InterestGraphError
from interestgraph.ingest.events import EventChunk

DEFAULT_BATCH_SIZE = 5000

CATEGORIES_QUERY = """
UNWIND $rows AS row
MERGE (c:Category {id: row.id})
ON CREATE SET c.created_at = datetime.transaction()
SET c.name = row.name, c.path = row.path, c.level = row.level
"""
SUBCATEGORY_OF_QUERY = """
UNWIND $rows AS row
MATCH (child:Category {id: row.id})
MATCH (parent:Category {id: row.parent})
MERGE (child)-[r:SUBCATEGORY_OF]->(parent)
ON CREATE SET r.changed_at = datetime.transaction()
"""
BRANDS_QUERY = """
UNWIND $rows AS row
MERGE (b:Brand {id: row.id})
ON CREATE SET b.name = row.name, b.created_at = datetime.transaction()
"""
# An item row is the item's whole current description: its categories and brand replace those
# an earlier run gave it.
ITEMS_QUERY = """
UNWIND $rows AS row
MERGE (i:Item {id: row.id})
ON CREATE SET i.created_at = datetime.transaction()
SET i.title = row.title, i.description = row.description, i.price = row.price,
    i.currency = row.currency, i.brand = row.brand
SET i += row.attributes
WITH i, row
CALL (i, row) {
  MATCH (i)-[old:IN_CATEGORY]->(c:Category) WHERE NOT c.id IN row.categories
  DELETE old
}
CALL (i, row) {
  MATCH (i)-[old:MADE_BY]->(b:Brand) WHERE row.brand_id IS NULL OR b.id <> row.brand_id
  DELETE old
}
CALL (i, row) {
  UNWIND row.categories AS category_id
  MATCH (c:Category {id: category_id})
  MERGE (i)-[r:IN_CATEGORY]->(c)
  ON CREATE SET r.changed_at = datetime.transaction()
}
CALL (i, row) {
  MATCH (b:Brand {id: row.brand_id})
  MERGE (i)-[r:MADE_BY]->(b)
  ON CREATE SET r.changed_at = datetime.transaction()
}
"""
# Brand display names are the run's most used spelling, known once every item was read.
BRAND_NAMES_QUERY = """
UNWIND $rows AS row
MATCH (b:Brand {id: row.id})
SET b.name = row.name
WITH b
MATCH (i:Item)-[:MADE_BY]->(b)
SET i.brand = b.name
"""
USERS_QUERY = """
UNWIND $rows AS row
MERGE (u:User {id: row.id})
ON CREATE SET u.created_at = datetime.transaction()
SET u.age_band = row.age_band, u.gender = row.gender, u.region = row.region
"""
FOLLOWS_QUERY = """
UNWIND $rows AS row
MERGE (a:User {id: row.follower})
ON CREATE SET a.created_at = datetime.transaction()
MERGE (b:User {id: row.followee})
ON CREATE SET b.created_at = datetime.transaction()
MERGE (a)-[r:FOLLOWS]->(b)
ON CREATE SET r.changed_at = datetime.transaction()
"""
KNOWN_ITEMS_QUERY = """
UNWIND $ids AS id
MATCH (i:Item {id: id})
RETURN collect(i.id) AS found
"""
# Takes the write lock of each user of a live request before its events are applied.
LOCK_USERS_QUERY = """
UNWIND $user_ids AS user_id
MERGE (u:User {id: user_id})
ON CREATE SET u.created_at = datetime.transaction()
SET u.events_recorded_at = datetime.transaction()
"""
CHUNK_APPLIED_QUERY = "RETURN EXISTS { (:IngestChunk {id: $id}) } AS applied"
RECORD_CHUNK_QUERY = """
CREATE (:IngestChunk {id: $id, source: $source, events: $events, applied: $applied,
                      applied_at: datetime()})
"""
# Nodes per label and relationships per type, from the count store (no scan, no warning about
# labels that do not exist yet).
GRAPH_COUNTS_QUERY = """
CALL db.stats.retrieve('GRAPH COUNTS') YIELD data
RETURN [n IN data.nodes WHERE n.label IS NOT NULL | [n.label, n.count]]
     + [r IN data.relationships
        WHERE r.relationshipType IS NOT NULL AND r.startLabel IS NULL AND r.endLabel IS NULL
        | [r.relationshipType, r.count]] AS counts
"""

# Applies one chunk's events of one behaviour: only events whose key the edge does not hold yet
# count; `first_*`/`last_*` widen, `quantity` sums (absent = 1), `rating` is the latest one;
# `changed_at` moves only when some event is new, so a re-sent event leaves the edge unchanged.
_EVENTS_HEAD = """
UNWIND $rows AS row
MERGE (u:User {id: row.user})
ON CREATE SET u.created_at = datetime.transaction()
WITH u, row
MATCH (i:Item {id: row.item})
"""
_EVENTS_NEW = """
WITH r, row, coalesce(r.event_keys, []) AS known
WITH r, row, known, [e IN row.events WHERE NOT e.k IN known] AS new
WITH r, row, known, new,
     [e IN new WHERE e.at IS NOT NULL | e.at] AS ats,
     [e IN new WHERE e.s IS NOT NULL | e.s] AS seqs,
     reduce(best = {v: r.rating, at: r.last_at, s: r.last_seq}, e IN new |
       CASE WHEN (e.at IS NOT NULL AND best.at IS NOT NULL AND e.at < best.at)
              OR (e.at IS NULL AND best.at IS NULL AND e.s IS NOT NULL AND best.s IS NOT NULL
                  AND e.s < best.s)
            THEN best ELSE {v: e.v, at: e.at, s: e.s} END).v AS latest_rating
SET r.event_keys = known + [e IN new | e.k],
    r.changed_at = CASE WHEN size(new) > 0 THEN datetime.transaction() ELSE r.changed_at END,
    r.count = coalesce(r.count, 0) + size(new),
    r.first_at = reduce(m = r.first_at, t IN ats |
                        CASE WHEN m IS NULL OR t < m THEN t ELSE m END),
    r.last_at = reduce(m = r.last_at, t IN ats |
                       CASE WHEN m IS NULL OR t > m THEN t ELSE m END),
    r.first_seq = reduce(m = r.first_seq, s IN seqs |
                         CASE WHEN m IS NULL OR s < m THEN s ELSE m END),
    r.last_seq = reduce(m = r.last_seq, s IN seqs |
                        CASE WHEN m IS NULL OR s > m THEN s ELSE m END)
"""
_EVENTS_TAIL = """
RETURN sum(size(row.events)) AS events, sum(size(new)) AS applied,
       collect(DISTINCT CASE WHEN size(new) > 0 THEN row.user END) AS touched
"""
_QUANTITY = """,
    r.quantity = coalesce(r.quantity, 0) + reduce(q = 0, e IN new | q + coalesce(e.v, 1))"""
_RATING = """,
    r.rating = latest_rating"""

VIEWED_QUERY = _EVENTS_HEAD + "MERGE (u)-[r:VIEWED]->(i)" + _EVENTS_NEW + _EVENTS_TAIL
CLICKED_QUERY = _EVENTS_HEAD + "MERGE (u)-[r:CLICKED]->(i)" + _EVENTS_NEW + _EVENTS_TAIL
ADDED_TO_CART_QUERY = (
    _EVENTS_HEAD + "MERGE (u)-[r:ADDED_TO_CART]->(i)" + _EVENTS_NEW + _QUANTITY + _EVENTS_TAIL
)
PURCHASED_QUERY = (
    _EVENTS_HEAD + "MERGE (u)-[r:PURCHASED]->(i)" + _EVENTS_NEW + _QUANTITY + _EVENTS_TAIL
)
RATED_QUERY = _EVENTS_HEAD + "MERGE (u)-[r:RATED]->(i)" + _EVENTS_NEW + _RATING + _EVENTS_TAIL
EVENT_QUERIES: dict[str, LiteralString] = {
    "VIEWED": VIEWED_QUERY,
    "CLICKED": CLICKED_QUERY,
    "ADDED_TO_CART": ADDED_TO_CART_QUERY,
    "PURCHASED": PURCHASED_QUERY,
    "RATED": RATED_QUERY,
}


@dataclass(frozen=True)
class ChunkResult:
    """What applying one event chunk did: skipped (in the ledger), or events applied, events
    whose key their edge already held, and the users (pseudonyms) that got new events."""

    skipped: bool
    applied: int = 0
    duplicates: int = 0
    touched: frozenset[str] = frozenset()


def _batches(rows: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _run_batch(tx: ManagedTransaction, query: LiteralString, rows: Sequence[Any]) -> None:
    tx.run(query, rows=list(rows)).consume()


def write_rows(
    driver: Driver, query: LiteralString, rows: Sequence[dict[str, Any]], batch_size: int
) -> None:
    """Send ``rows`` as ``$rows`` to ``query`` in batches, one managed transaction each.

    A batch is retried as a whole on transient errors, which is safe because the queries MERGE
    and SET.

    Raises:
        DatabaseUnavailable: Neo4j went away.
        InterestGraphError: Neo4j refused the query.
    """
    try:
        with driver.session() as session:
            for batch in _batches(rows, batch_size):
                session.execute_write(_run_batch, query, batch)
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"lost Neo4j while writing: {e}") from e
    except Neo4jError as e:
        raise InterestGraphError(f"Neo4j refused an ingest write: {e.message}") from e


def known_items(driver: Driver, ids: list[str]) -> set[str]:
    """Which of ``ids`` are items in the graph."""
    try:
        records, _, _ = driver.execute_query(
            KNOWN_ITEMS_QUERY, ids=ids, routing_=RoutingControl.READ
        )
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"lost Neo4j while reading items: {e}") from e
    return set(records[0]["found"])


def graph_counts(driver: Driver) -> dict[str, int]:
    """Nodes per label and relationships per type in the graph (zero counts left out)."""
    try:
        records, _, _ = driver.execute_query(GRAPH_COUNTS_QUERY, routing_=RoutingControl.READ)
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"lost Neo4j while counting: {e}") from e
    return {kind: n for kind, n in records[0]["counts"] if n}


def _apply_chunk(tx: ManagedTransaction, chunk: EventChunk, source: str) -> ChunkResult:
    if tx.run(CHUNK_APPLIED_QUERY, id=chunk.id).single(strict=True)["applied"]:
        return ChunkResult(skipped=True)
    result = _apply_rows(tx, chunk)
    tx.run(
        RECORD_CHUNK_QUERY, id=chunk.id, source=source, events=chunk.events, applied=result.applied
    ).consume()
    return result


def _apply_rows(tx: ManagedTransaction, chunk: EventChunk) -> ChunkResult:
    """Apply the chunk's events to their edges (event keys make a re-sent event a no-op)."""
    applied = duplicates = 0
    touched: set[str] = set()
    for rel, rows in chunk.rows.items():
        record = tx.run(EVENT_QUERIES[rel], rows=rows).single(strict=True)
        sent = sum(len(row["events"]) for row in rows)
        if record["events"] != sent:
            # rolls the transaction back: an item was deleted after the events were checked
            raise InterestGraphError(
                f"{sent - (record['events'] or 0)} {rel} events lost their item during the "
                "ingest (deleted meanwhile?): run the ingest again"
            )
        applied += record["applied"]
        duplicates += record["events"] - record["applied"]
        touched.update(record["touched"])
    return ChunkResult(
        skipped=False, applied=applied, duplicates=duplicates, touched=frozenset(touched)
    )


def apply_event_chunk(driver: Driver, chunk: EventChunk, *, source: str) -> ChunkResult:
    """Apply one chunk of events exactly once: skipped when the ledger holds its id, else its
    edges are updated and its id recorded in the same transaction.

    Raises:
        DatabaseUnavailable: Neo4j went away (nothing of the chunk is applied then).
        InterestGraphError: Neo4j refused the write.
    """
    try:
        with driver.session() as session:
            return session.execute_write(_apply_chunk, chunk, source)
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"lost Neo4j while writing events: {e}") from e
    except Neo4jError as e:
        raise InterestGraphError(f"Neo4j refused an event chunk: {e.message}") from e


def _apply_live(tx: ManagedTransaction, chunk: EventChunk) -> ChunkResult:
    users = sorted({row["user"] for rows in chunk.rows.values() for row in rows})
    tx.run(LOCK_USERS_QUERY, user_ids=users).consume()
    return _apply_rows(tx, chunk)


def apply_live_events(driver: Driver, chunk: EventChunk) -> ChunkResult:
    """Apply events sent one request at a time (the API) in one transaction, without the
    ledger: every event's key on its edge already makes a re-sent event a no-op, and a ledger
    entry per request would only grow.

    Writers of the same user run one after the other (the transaction first writes each of its
    users, in id order so two requests cannot deadlock): an edge's event keys are read and
    extended under that lock, so concurrent requests never lose or double an event.

    Raises:
        DatabaseUnavailable: Neo4j went away (nothing of the events is applied then).
        InterestGraphError: Neo4j refused the write, or an item vanished meanwhile.
    """
    try:
        with driver.session() as session:
            return session.execute_write(_apply_live, chunk)
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"lost Neo4j while writing events: {e}") from e
    except Neo4jError as e:
        raise InterestGraphError(f"Neo4j refused the events: {e.message}") from e


def write_follows(driver: Driver, rows: Sequence[dict[str, Any]], batch_size: int) -> None:
    """MERGE ``(:User)-[:FOLLOWS]->(:User)`` (both users MERGEd too)."""
    write_rows(driver, FOLLOWS_QUERY, rows, batch_size)
