"""Writes tidy frames into Neo4j: batched ``UNWIND $rows`` MERGEs in managed transactions.

Every write MERGEs on constrained ids (an index seek) and sets properties, so running an ingest
again changes nothing. Relationships MATCH both ends first; a row whose end is missing is not
written and shows up as a shortfall in the returned count.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, LiteralString, TypedDict, Unpack

import pandas as pd
from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import ServiceUnavailable, SessionExpired

from interestgraph.errors import DatabaseUnavailable

Advance = Callable[[int], None]
DEFAULT_BATCH_SIZE = 5000

USERS_QUERY = """
UNWIND $rows AS row
MERGE (u:User {id: row.id})
RETURN count(*) AS written
"""
ITEMS_QUERY = """
UNWIND $rows AS row
MERGE (i:Item {id: row.id})
SET i.brand = row.brand
RETURN count(*) AS written
"""
BRANDS_QUERY = """
UNWIND $rows AS row
MERGE (b:Brand {id: row.id})
SET b.name = row.name
RETURN count(*) AS written
"""
CATEGORIES_QUERY = """
UNWIND $rows AS row
MERGE (c:Category {id: row.id})
SET c.name = row.name, c.path = row.path, c.level = row.level
RETURN count(*) AS written
"""
SUBCATEGORY_OF_QUERY = """
UNWIND $rows AS row
MATCH (child:Category {id: row.id})
MATCH (parent:Category {id: row.parent})
MERGE (child)-[:SUBCATEGORY_OF]->(parent)
RETURN count(*) AS written
"""
IN_CATEGORY_QUERY = """
UNWIND $rows AS row
MATCH (i:Item {id: row.item})
MATCH (c:Category {id: row.category})
MERGE (i)-[:IN_CATEGORY]->(c)
RETURN count(*) AS written
"""
MADE_BY_QUERY = """
UNWIND $rows AS row
MATCH (i:Item {id: row.item})
MATCH (b:Brand {id: row.brand})
MERGE (i)-[:MADE_BY]->(b)
RETURN count(*) AS written
"""
PURCHASED_QUERY = """
UNWIND $rows AS row
MATCH (u:User {id: row.user})
MATCH (i:Item {id: row.item})
MERGE (u)-[p:PURCHASED]->(i)
SET p.seq = row.seq
RETURN count(*) AS written
"""


class WriteOptions(TypedDict, total=False):
    """Keyword options every ``write_*`` function passes on to :func:`write_rows`."""

    batch_size: int
    advance: Advance | None


@dataclass(frozen=True)
class WriteResult:
    """Rows written (matched and merged) and entities that did not exist before."""

    written: int
    created: int


def _records(frame: pd.DataFrame) -> list[dict[Hashable, Any]]:
    """Rows as plain Python values (missing values as None), which the driver can send."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _write_batch(
    tx: ManagedTransaction, query: LiteralString, rows: list[dict[Hashable, Any]]
) -> WriteResult:
    result = tx.run(query, rows=rows)
    written = result.single(strict=True)["written"]
    counters = result.consume().counters
    return WriteResult(written, counters.nodes_created + counters.relationships_created)


def write_rows(
    driver: Driver,
    query: LiteralString,
    frame: pd.DataFrame,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    advance: Advance | None = None,
) -> WriteResult:
    """Send ``frame`` as ``$rows`` to ``query`` in batches, one managed transaction each.

    A batch is retried as a whole on transient errors, which is safe because every query MERGEs.
    """
    rows = _records(frame)
    written = created = 0
    try:
        with driver.session() as session:
            for start in range(0, len(rows), batch_size):
                batch = rows[start : start + batch_size]
                result = session.execute_write(_write_batch, query, batch)
                written += result.written
                created += result.created
                if advance is not None:
                    advance(len(batch))
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"lost Neo4j while writing: {e}") from e
    return WriteResult(written, created)


def write_users(
    driver: Driver, users: pd.DataFrame, **options: Unpack[WriteOptions]
) -> WriteResult:
    """MERGE ``(:User {id})`` from column ``id``."""
    return write_rows(driver, USERS_QUERY, users[["id"]], **options)


def write_items(
    driver: Driver, items: pd.DataFrame, **options: Unpack[WriteOptions]
) -> WriteResult:
    """MERGE ``(:Item {id})`` and set ``brand`` (None removes it) from columns ``id, brand``."""
    return write_rows(driver, ITEMS_QUERY, items[["id", "brand"]], **options)


def write_brands(
    driver: Driver, brands: pd.DataFrame, **options: Unpack[WriteOptions]
) -> WriteResult:
    """MERGE ``(:Brand {id})`` and set ``name`` from columns ``id, name``."""
    return write_rows(driver, BRANDS_QUERY, brands[["id", "name"]], **options)


def write_categories(
    driver: Driver, categories: pd.DataFrame, **options: Unpack[WriteOptions]
) -> WriteResult:
    """MERGE ``(:Category {id})`` with ``name, path, level`` from the same columns."""
    columns = ["id", "name", "path", "level"]
    return write_rows(driver, CATEGORIES_QUERY, categories[columns], **options)


def write_subcategories(
    driver: Driver, categories: pd.DataFrame, **options: Unpack[WriteOptions]
) -> WriteResult:
    """MERGE ``(child)-[:SUBCATEGORY_OF]->(parent)`` for categories with a ``parent``."""
    children = categories.loc[categories["parent"].notna(), ["id", "parent"]]
    return write_rows(driver, SUBCATEGORY_OF_QUERY, children, **options)


def write_item_categories(
    driver: Driver, links: pd.DataFrame, **options: Unpack[WriteOptions]
) -> WriteResult:
    """MERGE ``(:Item)-[:IN_CATEGORY]->(:Category)`` from columns ``item, category``."""
    return write_rows(driver, IN_CATEGORY_QUERY, links[["item", "category"]], **options)


def write_item_brands(
    driver: Driver, links: pd.DataFrame, **options: Unpack[WriteOptions]
) -> WriteResult:
    """MERGE ``(:Item)-[:MADE_BY]->(:Brand)`` from columns ``item, brand``."""
    return write_rows(driver, MADE_BY_QUERY, links[["item", "brand"]], **options)


def write_purchases(
    driver: Driver, purchases: pd.DataFrame, **options: Unpack[WriteOptions]
) -> WriteResult:
    """MERGE ``(:User)-[:PURCHASED {seq}]->(:Item)`` from columns ``user, item, seq``."""
    return write_rows(driver, PURCHASED_QUERY, purchases[["user", "item", "seq"]], **options)
