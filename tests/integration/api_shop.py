"""A small shop for the API tests: three trained users with purchases, a category tree, brands,
item vectors, and helpers to run GraphQL in process against the real test Neo4j."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from graph_builder import TEST_PSEUDONYMIZER, GraphSpec
from interestgraph.api.access import Access
from interestgraph.api.context import make_context
from interestgraph.api.policy import Limits
from interestgraph.api.schema import build_schema
from interestgraph.config import Settings

LEAVES = [
    ["Makeup", "Nails", "Nail Polish"],
    ["Makeup", "Eyes", "Mascara"],
    ["Skin Care", "Face", "Serum"],
]
ITEMS = {f"i{n:02d}": (math.cos(n / 5) * (1 + n / 30), math.sin(n / 5)) for n in range(30)}
SHOP = GraphSpec(
    items=ITEMS,
    users={"alice": (1.0, 0.5), "carol": (0.2, 1.0), "dave": (-1.0, 0.3), "bob": None},
    purchases={"alice": ["i00", "i01"], "carol": ["i10", "i11"], "dave": ["i20", "i21", "i22"]},
    category_paths=LEAVES,
    item_categories={item: [" > ".join(LEAVES[n % 3])] for n, item in enumerate(ITEMS)},
    brands={"acme": "Acme", "bolt": "Bolt", "zest": "Zest"},
    item_brands={item: ["acme", "bolt", "zest"][n % 3] for n, item in enumerate(ITEMS)},
)


def run_graphql(
    driver: Any,
    settings: Settings,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    access: Access | None = None,
    limits: Limits | None = None,
    introspection: bool = True,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """``(data, errors as the client sees them)`` of one operation, in process."""
    schema = build_schema(
        limits or Limits(settings.api_max_depth, settings.api_max_cost), introspection=introspection
    )
    kwargs: dict[str, Any] = {"settings": settings}
    if access is not None:
        kwargs["access"] = access
    context = make_context(driver, TEST_PSEUDONYMIZER, **kwargs)
    result = asyncio.run(schema.execute(query, variables, context_value=context))
    errors = [e.formatted for e in result.errors or []]
    return result.data, [dict(e) for e in errors]


def codes(errors: list[dict[str, Any]]) -> list[str]:
    return [e.get("extensions", {}).get("code", "") for e in errors]
