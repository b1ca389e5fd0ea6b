"""A complete, comparable picture of a graph: every node and relationship with its properties.

Used to prove that two ingests (one interrupted and resumed, one not) end in exactly the same
graph, not merely the same counts. Wall times are left out: the ledger's ``applied_at``, nodes'
``created_at`` and relationships' ``changed_at`` (the delta-export watermarks).
"""

from __future__ import annotations

import json

from neo4j import Driver, RoutingControl

NODES_QUERY = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS properties"
RELATIONSHIPS_QUERY = (
    "MATCH (a)-[r]->(b) RETURN type(r) AS type, a.id AS start, b.id AS end, "
    "properties(r) AS properties"
)
COUNTS_QUERY = """
CALL () { MATCH (n) UNWIND labels(n) AS kind RETURN kind, count(*) AS n
          UNION ALL
          MATCH ()-[r]->() RETURN type(r) AS kind, count(*) AS n }
RETURN kind, n
"""


def graph_snapshot(driver: Driver) -> list[str]:
    """Every node and relationship as sorted JSON lines."""
    nodes, _, _ = driver.execute_query(NODES_QUERY, routing_=RoutingControl.READ)
    relationships, _, _ = driver.execute_query(RELATIONSHIPS_QUERY, routing_=RoutingControl.READ)
    lines = []
    for record in nodes:
        properties = dict(record["properties"])
        properties.pop("applied_at", None)
        properties.pop("created_at", None)
        lines.append(
            json.dumps([sorted(record["labels"]), properties], sort_keys=True, default=str)
        )
    for record in relationships:
        data = record.data()
        data["properties"] = {k: v for k, v in data["properties"].items() if k != "changed_at"}
        lines.append(json.dumps(data, sort_keys=True, default=str))
    return sorted(lines)


def graph_counts(driver: Driver) -> dict[str, int]:
    """Nodes per label and relationships per type, counted by scanning."""
    records, _, _ = driver.execute_query(COUNTS_QUERY, routing_=RoutingControl.READ)
    return {r["kind"]: r["n"] for r in records}
