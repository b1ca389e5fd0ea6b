"""What an export reads: the node labels and typed relationships of docs/graph-model.md as PyG
node and edge types, with the relationship properties that become edge attributes.

Labels and relationship types come only from this fixed list, never from input, so the queries
built from it are fixed strings; every value they use is a ``$`` parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

# Relationship properties are read one by one from `r`, never through `properties(r)`, which
# would copy every edge's `event_keys` list (2x slower on Tmall); db/connection.py turns off the
# "unknown property" notifications. The order key of a behaviour: `last_seq` where the source
# has sequence numbers, else `last_at` in epoch milliseconds, -1 when neither.
TIME = "coalesce(r.last_seq, r.last_at.epochMillis, -1)"


@dataclass(frozen=True)
class NodeSpec:
    """A node label and its PyG node type."""

    label: str
    node_type: str
    plural: str


@dataclass(frozen=True)
class EdgeAttr:
    """An edge attribute: its name in PyG, the Cypher expression over ``r`` and its dtype."""

    name: str
    expression: str
    dtype: str  # "int64" or "float32"
    essential: bool = False


@dataclass(frozen=True)
class EdgeSpec:
    """A relationship type between two labels, exported as the PyG edge type ``edge_type``."""

    source: NodeSpec
    rel: str
    target: NodeSpec
    attrs: tuple[EdgeAttr, ...] = ()
    behaviour: bool = False

    @property
    def edge_type(self) -> tuple[str, str, str]:
        return (self.source.node_type, self.rel.lower(), self.target.node_type)


USER = NodeSpec("User", "user", "users")
ITEM = NodeSpec("Item", "item", "items")
CATEGORY = NodeSpec("Category", "category", "categories")
BRAND = NodeSpec("Brand", "brand", "brands")
TOPIC = NodeSpec("Topic", "topic", "topics")
NODES = (USER, ITEM, CATEGORY, BRAND, TOPIC)
NODES_BY_TYPE = {node.node_type: node for node in NODES}

_TIME = EdgeAttr("time", TIME, "int64")
_COUNT = EdgeAttr("count", "coalesce(r.count, 1)", "int64")
BEHAVIOURS = tuple(
    EdgeSpec(USER, rel, ITEM, attrs, behaviour=True)
    for rel, attrs in (
        # the leave-one-out split orders purchases by time: always exported
        ("PURCHASED", (EdgeAttr("time", TIME, "int64", essential=True), _COUNT)),
        ("ADDED_TO_CART", (_TIME, _COUNT)),
        ("VIEWED", (_TIME, _COUNT)),
        ("CLICKED", (_TIME, _COUNT)),
        ("RATED", (_TIME, _COUNT, EdgeAttr("rating", "toFloat(coalesce(r.rating, 0))", "float32"))),
    )
)
_SCORE = EdgeAttr("score", "toFloat(coalesce(r.score, 0))", "float32")
EDGES = (
    *BEHAVIOURS,
    EdgeSpec(ITEM, "IN_CATEGORY", CATEGORY),
    EdgeSpec(ITEM, "MADE_BY", BRAND),
    EdgeSpec(CATEGORY, "SUBCATEGORY_OF", CATEGORY),
    EdgeSpec(
        ITEM, "HAS_TOPIC", TOPIC, (EdgeAttr("weight", "toFloat(coalesce(r.weight, 1))", "float32"),)
    ),
    EdgeSpec(USER, "INTERESTED_IN", CATEGORY, (_SCORE,)),
    EdgeSpec(USER, "INTERESTED_IN", BRAND, (_SCORE,)),
    EdgeSpec(USER, "INTERESTED_IN", TOPIC, (_SCORE,)),
    EdgeSpec(USER, "FOLLOWS", USER),
)
EDGES_BY_TYPE = {edge.edge_type: edge for edge in EDGES}
# The labels each relationship type ends at (INTERESTED_IN: three).
TARGET_LABELS = {
    rel: frozenset(edge.target.label for edge in EDGES if edge.rel == rel)
    for rel in {edge.rel for edge in EDGES}
}

PURCHASED = BEHAVIOURS[0].edge_type
IN_CATEGORY = ("item", "in_category", "category")
MADE_BY = ("item", "made_by", "brand")
SUBCATEGORY_OF = ("category", "subcategory_of", "category")


def edge_count_query(edge: EdgeSpec) -> str:
    """How many ``edge.rel`` relationships end at ``edge.target``'s label: a count-store lookup,
    O(1), so an export skips relationship types the graph does not have."""
    return f"MATCH ()-[r:{edge.rel}]->(:{edge.target.label}) RETURN count(r) AS n"


def node_ids_query(node: NodeSpec) -> str:
    """One record per page of ``node``'s ids above ``$after``: the ids in Neo4j's order and
    each node's internal id (``keys``), which edge pages of an export return for targets."""
    return (
        f"MATCH (n:{node.label}) WHERE n.id > $after "
        "WITH n, n.id AS id ORDER BY id LIMIT $limit "
        "RETURN collect(id) AS ids, collect(id(n)) AS keys"
    )


def node_keys_query(node: NodeSpec) -> str:
    """The internal ids of the nodes of ``node``'s label with the ids in ``$ids`` (those that
    exist), for exports of a scope that names its nodes."""
    return (
        f"UNWIND $ids AS id MATCH (n:{node.label} {{id: id}}) "
        "RETURN collect(n.id) AS ids, collect(id(n)) AS keys"
    )


def labelled_count_query(label: str) -> str:
    """How many of the internal ids in ``$keys`` are nodes of ``label``."""
    return f"UNWIND $keys AS k MATCH (n:{label}) WHERE id(n) = k RETURN count(n) AS n"


def exported_attrs(edge: EdgeSpec, all_attrs: bool) -> tuple[EdgeAttr, ...]:
    """The attributes an export reads: all, or only the essential ones. Relationship properties
    are the slow part of a read (3x the time of the topology alone on Tmall's views)."""
    return edge.attrs if all_attrs else tuple(a for a in edge.attrs if a.essential)


def edge_page_query(
    edge: EdgeSpec,
    attrs: tuple[EdgeAttr, ...],
    *,
    window: bool = False,
    changed: bool = False,
    target_keys: bool = False,
) -> str:
    """One record for the source ids in ``$ids``: per source, the ids of its targets and one
    list per attribute in ``attrs``.

    ``window`` keeps behaviour edges whose events overlap ``[$since, $until)`` (by
    ``first_at``/``last_at``); ``changed`` keeps edges changed at or after ``$changed_since``.
    ``target_keys`` returns the targets' internal ids instead of their ``id`` strings: the
    server then reads no property of a target (an export's largest server-side cost), and the
    client decodes integers, not strings. Where the graph model gives the relationship type one
    target label, the pattern then leaves the label out (its check cost 10-20 % of the server's
    time on Tmall's views): the caller maps internal ids through that label's nodes only and
    leaves out edges to nodes of another label, as the label in the pattern would.
    """
    conditions = []
    if window:
        conditions.append("r.first_at < $until AND r.last_at >= $since")
    if changed:
        conditions.append("r.changed_at >= $changed_since")
    where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
    unlabelled = target_keys and len(TARGET_LABELS[edge.rel]) == 1
    target_label = "" if unlabelled else f":{edge.target.label}"
    collects = "".join(f", collect({a.expression}) AS {a.name}" for a in attrs)
    outer = "".join(f", collect({a.name}) AS {a.name}" for a in attrs)
    return (
        "UNWIND $ids AS id "
        f"MATCH (s:{edge.source.label} {{id: id}}) "
        "CALL (s) { "
        f"MATCH (s)-[r:{edge.rel}]->(t{target_label}) "
        f"{where}"
        f"RETURN collect({'id(t)' if target_keys else 't.id'}) AS targets{collects} "
        "} "
        f"RETURN collect(s.id) AS sources, collect(targets) AS targets{outer}"
    )
