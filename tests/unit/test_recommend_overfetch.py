"""The over-fetch loop of ``recommend_items``, against a stand-in driver with a lossy index.

With an exact index k = first + purchases always suffices, so the growth steps only run when the
approximate index misses neighbours; a stand-in that loses a fixed number of them drives them.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from neo4j import Driver

from interestgraph.serving.queries import RECOMMEND_QUERY, USER_STATUS_QUERY
from interestgraph.serving.recommend import recommend_items


class LossyIndexDriver:
    """Answers the status query, and search queries with ``k - lost`` hits (at most ``first``)."""

    def __init__(self, purchased: int, items: int, lost: int) -> None:
        self.status = {"trained": True, "purchased": purchased, "seen": purchased, "items": items}
        self.lost = lost
        self.ks: list[int] = []

    def execute_query(self, query: str, **kwargs: Any) -> tuple[list[dict[str, Any]], None, None]:
        if query == USER_STATUS_QUERY:
            return [self.status], None, None
        assert query == RECOMMEND_QUERY
        k, first = kwargs["parameters_"]["k"], kwargs["parameters_"]["first"]
        self.ks.append(k)
        hits = max(0, min(first, k - self.lost))
        return [{"item_id": f"i{n}", "score": -float(n)} for n in range(hits)], None, None


@pytest.mark.parametrize(
    ("purchased", "items", "lost", "first", "expected_ks", "expected_found"),
    [
        (3, 1000, 3, 5, [8], 5),  # the first query suffices
        (3, 1000, 7, 5, [8, 16], 5),  # grows once
        (3, 1000, 30, 5, [8, 16, 32, 64], 5),  # grows geometrically
        (3, 10, 7, 5, [8, 10], 3),  # stops at the item count with what exists
        (0, 4, 0, 10, [4], 4),  # first beyond the catalogue: one query capped at the items
    ],
)
def test_k_grows_geometrically_until_enough_or_all_items(
    purchased: int,
    items: int,
    lost: int,
    first: int,
    expected_ks: list[int],
    expected_found: int,
) -> None:
    driver = LossyIndexDriver(purchased, items, lost)

    found = recommend_items(cast(Driver, driver), "u", first)

    assert driver.ks == expected_ks
    assert len(found) == expected_found
