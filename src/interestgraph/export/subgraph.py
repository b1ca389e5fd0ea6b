"""Scopes for subgraph exports: a time window, a category subtree, a sample of users, the k-hop
neighbourhood of seed nodes.

Each function returns a :class:`~interestgraph.export.training_graph.Scope` that
``export_training_graph(driver, scope)`` reads; the export keeps an edge when both its ends are
in the scope, so a scope only has to name nodes. Every node type a scope restricts is listed
explicitly (an empty list where none qualify), since a type left out of ``Scope.nodes`` means all
of its nodes. Queries are fixed strings built from export/graph_spec.py; all values are
parameters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

from neo4j import Driver
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired
from neo4j.time import DateTime

from interestgraph.errors import BadInput, DatabaseUnavailable, InterestGraphError, NotFound
from interestgraph.export.graph_spec import (
    BEHAVIOURS,
    EDGES,
    NODES,
    NODES_BY_TYPE,
    USER,
    EdgeSpec,
    NodeSpec,
)
from interestgraph.export.pages import all_node_ids, chunks, read_one
from interestgraph.export.training_graph import Scope

__all__ = ["category_subtree", "k_hop", "sample_key", "time_window", "user_sample"]

_BEHAVIOUR_TYPES = "|".join(edge.rel for edge in BEHAVIOURS)

# The subtree below a category (itself included), its items, their users, brands and topics.
CATEGORY_SUBTREE_QUERY = f"""
MATCH (root:Category {{id: $id}})
MATCH (c:Category)-[:SUBCATEGORY_OF*0..]->(root)
WITH root, collect(DISTINCT c) AS categories
CALL (categories) {{
  UNWIND categories AS c
  MATCH (i:Item)-[:IN_CATEGORY]->(c)
  RETURN collect(DISTINCT i) AS items
}}
CALL (items) {{
  UNWIND items AS i
  MATCH (u:User)-[:{_BEHAVIOUR_TYPES}]->(i)
  RETURN collect(DISTINCT u.id) AS users
}}
CALL (items) {{
  UNWIND items AS i
  MATCH (i)-[:MADE_BY]->(b:Brand)
  RETURN collect(DISTINCT b.id) AS brands
}}
CALL (items) {{
  UNWIND items AS i
  MATCH (i)-[:HAS_TOPIC]->(t:Topic)
  RETURN collect(DISTINCT t.id) AS topics
}}
RETURN [c IN categories | c.id] AS categories, [i IN items | i.id] AS items, users, brands,
       topics
"""

USER_ITEMS_QUERY = f"""
UNWIND $ids AS id
MATCH (:User {{id: id}})-[:{_BEHAVIOUR_TYPES}]->(i:Item)
RETURN collect(DISTINCT i.id) AS ids
"""


def _existing_ids_query(node: NodeSpec) -> str:
    return f"UNWIND $ids AS id MATCH (n:{node.label} {{id: id}}) RETURN collect(n.id) AS ids"


def _neighbours_query(edge: EdgeSpec, *, outgoing: bool) -> str:
    """The ids one ``edge`` step away from the nodes in ``$ids``: targets of sources
    (``outgoing``) or sources of targets."""
    near, far = (edge.source, edge.target) if outgoing else (edge.target, edge.source)
    arrow = f"-[:{edge.rel}]->" if outgoing else f"<-[:{edge.rel}]-"
    return (
        f"UNWIND $ids AS id MATCH (:{near.label} {{id: id}}){arrow}(n:{far.label}) "
        "RETURN collect(DISTINCT n.id) AS ids"
    )


@contextmanager
def _neo4j_errors(what: str) -> Iterator[None]:
    try:
        yield
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"Neo4j went away while {what}: {e}") from e
    except Neo4jError as e:
        raise InterestGraphError(f"Neo4j refused a query while {what}: {e.message}") from e


def _as_datetime(value: DateTime | datetime, name: str) -> DateTime:
    result = value if isinstance(value, DateTime) else DateTime.from_native(value)
    if result.tzinfo is None:
        # naive times would compare with nothing: edge times are stored in UTC
        raise BadInput(f"{name} must carry a time zone, got {value}")
    return result


def time_window(since: DateTime | datetime, until: DateTime | datetime) -> Scope:
    """Every node, catalogue edges as they are, behaviour edges with events in ``[since,
    until)``.

    An edge counts when its first event is before ``until`` and its last at or after ``since``
    (export/graph_spec.py); edges whose events carry sequence numbers only have no times and are
    left out. Nodes stay whole so that indices match a full export's.

    Raises:
        BadInput: a naive time, or ``since`` not before ``until``.
    """
    start, end = _as_datetime(since, "since"), _as_datetime(until, "until")
    if not start < end:
        raise BadInput(f"the window must end after it starts, got [{start}, {end})")
    return Scope(window=(start, end))


def category_subtree(driver: Driver, category_id: str) -> Scope:
    """The category and its descendants (over ``SUBCATEGORY_OF``), the items in any of them, the
    users who interacted with those items, and those items' brands and topics.

    A user's behaviour with items outside the subtree stays out (its item is not in the scope).

    Raises:
        NotFound: no category ``category_id``.
    """
    with _neo4j_errors("reading a category subtree"):
        records, _, _ = driver.execute_query(CATEGORY_SUBTREE_QUERY, id=category_id)
    if not records:
        raise NotFound(f"no category {category_id!r} in the graph")
    record = records[0]
    return Scope(
        nodes={
            "category": sorted(record["categories"]),
            "item": sorted(record["items"]),
            "user": sorted(record["users"]),
            "brand": sorted(record["brands"]),
            "topic": sorted(record["topics"]),
        }
    )


def sample_key(user_id: str, seed: int) -> int:
    """A user's place in the sample order of ``seed``: a hash, so the same seed picks the same
    users on any machine and run, and a larger sample contains a smaller one."""
    digest = hashlib.sha256(f"{seed}\x00{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def user_sample(
    driver: Driver,
    *,
    fraction: float | None = None,
    n: int | None = None,
    seed: int = 0,
    batch_size: int = 5000,
) -> Scope:
    """A reproducible sample of users and every item they interacted with; the catalogue
    (categories, brands, topics) stays whole.

    ``fraction``: each user is in when its hash key falls in the lowest ``fraction`` of the
    range (the sample size varies around ``fraction`` × users); ``n``: the ``n`` users with the
    lowest keys (all when there are fewer). Give exactly one of them.

    Raises:
        BadInput: neither or both of ``fraction`` and ``n``, ``fraction`` outside [0, 1],
            ``n`` < 0 or ``batch_size`` < 1.
    """
    if (fraction is None) == (n is None):
        raise BadInput("give exactly one of fraction and n")
    if fraction is not None and not 0.0 <= fraction <= 1.0:
        raise BadInput(f"fraction must be in [0, 1], got {fraction}")
    if n is not None and n < 0:
        raise BadInput(f"n must not be negative, got {n}")
    if batch_size < 1:
        raise BadInput(f"batch_size must be at least 1, got {batch_size}")
    with _neo4j_errors("sampling users"):
        users = all_node_ids(driver, USER, batch_size)
        if fraction is not None:
            bound = fraction * 2**64
            users = [u for u in users if sample_key(u, seed) < bound]
        else:
            assert n is not None
            users = sorted(users, key=lambda u: (sample_key(u, seed), u))[:n]
        items: set[str] = set()
        for page in chunks(users, batch_size):
            items.update(read_one(driver, USER_ITEMS_QUERY, ids=page)["ids"])
    return Scope(nodes={"user": sorted(users), "item": sorted(items)})


def k_hop(
    driver: Driver,
    seeds: Mapping[str, Sequence[str]],
    hops: int,
    *,
    batch_size: int = 5000,
) -> Scope:
    """Every node within ``hops`` steps of a seed over the exported relationship types
    (export/graph_spec.py), followed in either direction; the export then keeps the edges
    among them (the induced subgraph).

    One query per relationship type, direction and page of the frontier per hop, so a hub is
    expanded once, not once per path through it.

    Raises:
        BadInput: ``hops`` < 0, an unknown node type, no seeds, or ``batch_size`` < 1.
        NotFound: a seed id that is not in the graph.
    """
    if hops < 0:
        raise BadInput(f"hops must not be negative, got {hops}")
    if batch_size < 1:
        raise BadInput(f"batch_size must be at least 1, got {batch_size}")
    unknown = sorted(set(seeds) - set(NODES_BY_TYPE))
    if unknown:
        raise BadInput(f"unknown node types {unknown}: use {sorted(NODES_BY_TYPE)}")
    if not any(seeds.values()):
        raise BadInput("k_hop needs at least one seed")
    seen: dict[str, set[str]] = {node.node_type: set() for node in NODES}
    with _neo4j_errors("expanding a k-hop neighbourhood"):
        for node_type, ids in seeds.items():
            wanted = set(ids)
            found = _read_ids(driver, _existing_ids_query(NODES_BY_TYPE[node_type]), wanted)
            missing = sorted(wanted - found)
            if missing:
                shown = ", ".join(repr(m) for m in missing[:5])
                raise NotFound(f"no {node_type} {shown} in the graph")
            seen[node_type] |= found
        frontier = {t: set(ids) for t, ids in seen.items()}
        for _ in range(hops):
            reached: dict[str, set[str]] = {node.node_type: set() for node in NODES}
            for edge in EDGES:
                for outgoing in (True, False):
                    near, far = (
                        (edge.source, edge.target) if outgoing else (edge.target, edge.source)
                    )
                    if frontier[near.node_type]:
                        reached[far.node_type] |= _read_ids(
                            driver,
                            _neighbours_query(edge, outgoing=outgoing),
                            frontier[near.node_type],
                            batch_size,
                        )
            frontier = {t: reached[t] - seen[t] for t in reached}
            if not any(frontier.values()):
                break
            for t, new in frontier.items():
                seen[t] |= new
    return Scope(nodes={t: sorted(ids) for t, ids in seen.items()})


def _read_ids(driver: Driver, query: str, ids: set[str], batch_size: int = 5000) -> set[str]:
    """The union of ``query``'s ``ids`` over pages of the (sorted) input ids."""
    found: set[str] = set()
    for page in chunks(sorted(ids), batch_size):
        found.update(read_one(driver, query, ids=page)["ids"])
    return found
