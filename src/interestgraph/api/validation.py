"""Argument checks resolvers share, so every list field refuses the same bad input the same way."""

from __future__ import annotations

from interestgraph.errors import BadInput

MAX_FIRST = 100


def check_first(first: int) -> int:
    """Bound page sizes: 0 or negative is meaningless and more than ``MAX_FIRST`` too costly."""
    if not 1 <= first <= MAX_FIRST:
        raise BadInput(f"first must be between 1 and {MAX_FIRST}, got {first}")
    return first
