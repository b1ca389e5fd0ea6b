"""Streams the interest graph out of Neo4j into a PyG ``HeteroData`` for training.

Bolt decoding in Python is the bottleneck of an export, so every query pages through one node
label by ``id`` and returns a single record per page that carries all of the page's edges as
lists (one list of target ids and, for purchases, one list of order keys per source node). Ids are
turned into indices with one vectorised pandas lookup per page; no Python object is built per edge.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
import torch
from neo4j import Driver, RoutingControl
from neo4j.exceptions import Neo4jError, ServiceUnavailable
from torch import Tensor
from torch_geometric.data import HeteroData

from interestgraph.errors import BadInput, DatabaseUnavailable, InterestGraphError

PURCHASED = ("user", "purchased", "item")
IN_CATEGORY = ("item", "in_category", "category")
MADE_BY = ("item", "made_by", "brand")
SUBCATEGORY_OF = ("category", "subcategory_of", "category")
_PLURALS = {"user": "users", "item": "items", "category": "categories", "brand": "brands"}

# One record per page of users: the page's ids, and per user the items bought with the order key
# of each purchase: `last_seq` where the source has sequence numbers, else `last_at` in epoch
# milliseconds (-1: neither), read through `properties(r)` so that a graph without one of the
# two raises no "property does not exist" warning. `max(u.id)` is the cursor for the next page, in
# Neo4j's own string order.
USER_PURCHASES_QUERY = """
MATCH (u:User) WHERE u.id > $after
WITH u ORDER BY u.id LIMIT $limit
CALL (u) {
  MATCH (u)-[r:PURCHASED]->(i:Item)
  WITH i, properties(r) AS p
  RETURN collect(i.id) AS items,
         collect(coalesce(p.last_seq, p.last_at.epochMillis, -1)) AS times
}
RETURN max(u.id) AS last, collect(u.id) AS sources, collect(items) AS targets,
       collect(times) AS times
"""

ITEM_LINKS_QUERY = """
MATCH (i:Item) WHERE i.id > $after
WITH i ORDER BY i.id LIMIT $limit
CALL (i) {
  MATCH (i)-[:IN_CATEGORY]->(c:Category)
  RETURN collect(c.id) AS categories
}
CALL (i) {
  MATCH (i)-[:MADE_BY]->(b:Brand)
  RETURN collect(b.id) AS brands
}
RETURN max(i.id) AS last, collect(i.id) AS sources, collect(categories) AS categories,
       collect(brands) AS brands
"""

CATEGORY_PARENTS_QUERY = """
MATCH (c:Category) WHERE c.id > $after
WITH c ORDER BY c.id LIMIT $limit
CALL (c) {
  MATCH (c)-[:SUBCATEGORY_OF]->(p:Category)
  RETURN collect(p.id) AS parents
}
RETURN max(c.id) AS last, collect(c.id) AS sources, collect(parents) AS parents
"""

# One record per page of items: ids and, per item, a one-element list holding its text vector
# or null (collect() drops bare nulls, which would shift the vectors against the ids).
ITEM_TEXT_QUERY = """
MATCH (i:Item) WHERE i.id > $after
WITH i ORDER BY i.id LIMIT $limit
RETURN max(i.id) AS last, collect(i.id) AS sources,
       collect([properties(i).text_embedding]) AS vectors
"""

BRAND_IDS_QUERY = """
MATCH (b:Brand) WHERE b.id > $after
WITH b ORDER BY b.id LIMIT $limit
RETURN max(b.id) AS last, collect(b.id) AS sources
"""


@dataclass(frozen=True)
class ExportedGraph:
    """A training graph with stable id↔index maps.

    Indices are positions in the ids sorted in Python string order, so two exports of the same
    graph give the same indices. ``data`` holds node types ``user``, ``item``, ``category``,
    ``brand`` and the edge types :data:`PURCHASED` (with ``time: [E]``, the order of each purchase
    in its user's history: ``last_seq``, else ``last_at`` in epoch ms), :data:`IN_CATEGORY`,
    :data:`MADE_BY`, :data:`SUBCATEGORY_OF`; every ``edge_index`` is ``[2, E]`` int64, sorted by
    (source, target). With text features, ``data["item"].x`` is ``[items, D]`` float32 (the
    item text vectors; zeros where an item has none) and ``data["item"].has_text`` ``[items]``
    bool.
    """

    data: HeteroData
    user_ids: list[str]
    item_ids: list[str]
    category_ids: list[str]
    brand_ids: list[str]
    user_index: dict[str, int]
    item_index: dict[str, int]
    category_index: dict[str, int]
    brand_index: dict[str, int]

    def counts(self) -> dict[str, int]:
        """Node and edge counts by name, for run reports and logs."""
        nodes = {_PLURALS[t]: int(self.data[t].num_nodes) for t in self.data.node_types}
        edges = {
            rel: int(self.data[(s, rel, d)].edge_index.size(1))
            for s, rel, d in self.data.edge_types
        }
        return nodes | edges


def export_training_graph(
    driver: Driver, *, batch_size: int = 10000, text_features: bool = False
) -> ExportedGraph:
    """Read users, items, categories, brands and their edges into an :class:`ExportedGraph`.

    Args:
        driver: an open driver.
        batch_size: source nodes per page (per record); a page carries all their edges.
        text_features: also read the items' text vectors (``interestgraph topics``) as node
            features ``data["item"].x``, for models that use them.

    Raises:
        BadInput: ``batch_size`` < 1, duplicate ids, or a ``PURCHASED`` edge with neither
            ``last_seq`` nor ``last_at`` (the leave-one-out split needs an order).
        DatabaseUnavailable: Neo4j went away.
        InterestGraphError: Neo4j refused a query, or the graph changed during the export (an
            edge to a node the export did not see).
    """
    if batch_size < 1:
        raise BadInput(f"batch_size must be at least 1, got {batch_size}")
    try:
        users = _Grouped.fetch(driver, USER_PURCHASES_QUERY, ("targets", "times"), batch_size)
        items = _Grouped.fetch(driver, ITEM_LINKS_QUERY, ("categories", "brands"), batch_size)
        categories = _Grouped.fetch(driver, CATEGORY_PARENTS_QUERY, ("parents",), batch_size)
        brands = _Grouped.fetch(driver, BRAND_IDS_QUERY, (), batch_size)
        texts = (
            _Grouped.fetch(driver, ITEM_TEXT_QUERY, ("vectors",), batch_size)
            if text_features
            else None
        )
    except ServiceUnavailable as e:
        raise DatabaseUnavailable(f"Neo4j went away during the export: {e}") from e
    except Neo4jError as e:
        raise InterestGraphError(f"export from Neo4j failed: {e.message}") from e

    user_ids, item_ids = sorted(users.sources), sorted(items.sources)
    category_ids, brand_ids = sorted(categories.sources), sorted(brands.sources)
    user_lookup, item_lookup = _lookup(user_ids, "User"), _lookup(item_ids, "Item")
    category_lookup = _lookup(category_ids, "Category")
    brand_lookup = _lookup(brand_ids, "Brand")

    time = torch.from_numpy(users.flat_ints("times"))
    if bool((time < 0).any()):
        raise BadInput(
            "some PURCHASED relationships have neither `last_seq` nor `last_at`: the "
            "leave-one-out split needs the order of each user's purchases"
        )

    data = HeteroData()
    data["user"].num_nodes = len(user_ids)
    data["item"].num_nodes = len(item_ids)
    data["category"].num_nodes = len(category_ids)
    data["brand"].num_nodes = len(brand_ids)
    edge_index, order = users.edge_index("targets", user_lookup, item_lookup)
    data[PURCHASED].edge_index = edge_index
    data[PURCHASED].time = time[order]
    data[IN_CATEGORY].edge_index, _ = items.edge_index("categories", item_lookup, category_lookup)
    data[MADE_BY].edge_index, _ = items.edge_index("brands", item_lookup, brand_lookup)
    data[SUBCATEGORY_OF].edge_index, _ = categories.edge_index(
        "parents", category_lookup, category_lookup
    )
    if texts is not None:
        data["item"].x, data["item"].has_text = _item_text_features(texts, item_lookup)
    return ExportedGraph(
        data=data,
        user_ids=user_ids,
        item_ids=item_ids,
        category_ids=category_ids,
        brand_ids=brand_ids,
        user_index=_positions(user_ids),
        item_index=_positions(item_ids),
        category_index=_positions(category_ids),
        brand_index=_positions(brand_ids),
    )


@dataclass
class _Grouped:
    """Source ids and, per named list field, one list of values per source (as Neo4j sent it)."""

    sources: list[str]
    fields: dict[str, list[list[Any]]]

    @classmethod
    def fetch(
        cls,
        driver: Driver,
        query: str,
        field_names: tuple[str, ...],
        batch_size: int,
    ) -> _Grouped:
        grouped = cls(sources=[], fields={name: [] for name in field_names})
        for record in _pages(driver, query, batch_size):
            grouped.sources.extend(record["sources"])
            for name in field_names:
                grouped.fields[name].extend(record[name])
        return grouped

    def flat_ints(self, name: str) -> np.ndarray[Any, np.dtype[np.int64]]:
        """All values of a field, concatenated in source order: ``[E]``."""
        values = self.fields[name]
        return np.fromiter(chain.from_iterable(values), dtype=np.int64, count=self._total(name))

    def edge_index(
        self, name: str, source_lookup: pd.Index, target_lookup: pd.Index
    ) -> tuple[Tensor, Tensor]:
        """Edges from each source to the ids in field ``name``, sorted by (source, target).

        Returns ``(edge_index [2, E], order [E])`` where ``order`` maps the sorted edges back to
        the concatenated field values, so parallel attributes can be permuted the same way.
        """
        targets = self.fields[name]
        lengths = np.fromiter(map(len, targets), dtype=np.int64, count=len(targets))
        source = np.repeat(source_lookup.get_indexer(pd.Index(self.sources)), lengths)
        target = target_lookup.get_indexer(pd.Index(list(chain.from_iterable(targets))))
        if (target < 0).any():
            raise InterestGraphError(
                f"the graph changed during the export ({name} point at unseen nodes): retry"
            )
        src, dst = torch.from_numpy(source), torch.from_numpy(target.astype(np.int64))
        order = torch.argsort(src * max(len(target_lookup), 1) + dst, stable=True)
        return torch.stack([src[order], dst[order]]), order

    def _total(self, name: str) -> int:
        return sum(map(len, self.fields[name]))


def _item_text_features(texts: _Grouped, item_lookup: pd.Index) -> tuple[Tensor, Tensor]:
    """``x [items, D]`` float32 in index order (zeros without text) and ``has_text [items]``."""
    vectors = [v for (v,) in texts.fields["vectors"]]
    present = [row for row, v in enumerate(vectors) if v is not None]
    dims = {len(vectors[row]) for row in present}
    if len(dims) > 1:
        raise BadInput(
            f"item text vectors of several dimensions {sorted(dims)}: run `interestgraph topics`"
        )
    x = torch.zeros(len(item_lookup), dims.pop() if dims else 0, dtype=torch.float32)
    has_text = torch.zeros(len(item_lookup), dtype=torch.bool)
    if present:
        rows = item_lookup.get_indexer(pd.Index([texts.sources[row] for row in present]))
        if (rows < 0).any():
            raise InterestGraphError("the graph changed during the export (new items): retry")
        index = torch.from_numpy(rows.astype(np.int64))
        x[index] = torch.tensor([vectors[row] for row in present], dtype=torch.float32)
        has_text[index] = True
    return x, has_text


def _pages(driver: Driver, query: str, batch_size: int) -> Iterator[Any]:
    """Yield one record per page of source nodes, following the ``last`` cursor until empty."""
    after = ""
    while True:
        records, _, _ = driver.execute_query(
            query, {"after": after, "limit": batch_size}, routing_=RoutingControl.READ
        )
        record = records[0]
        if not record["sources"]:
            return
        yield record
        after = record["last"]


def _lookup(ids: list[str], label: str) -> pd.Index:
    """A hash index over sorted ids; duplicates would make indices ambiguous."""
    lookup = pd.Index(ids)
    if not lookup.is_unique:
        raise BadInput(f"duplicate :{label} ids: apply the schema (unique constraints) first")
    return lookup


def _positions(ids: list[str]) -> dict[str, int]:
    return {node_id: index for index, node_id in enumerate(ids)}
