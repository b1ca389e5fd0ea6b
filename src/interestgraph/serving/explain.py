"""Explanations: for each recommended item, the strongest real path from the user to it.

One read per recommendation list finds, for every item, the best candidate of each kind and the
facts behind it; the strongest wins (ties in the order of ``KINDS``). The user's *history* is
their purchases, or every item they interacted with when they bought nothing. Strengths, each
in [0, 1) and growing with the evidence:

- ``co_purchase``: a history item X that other shoppers bought together with the item:
  ``co-buyers / (X's other buyers + 1)``, a smoothed P(item | X);
- ``brand``, ``category``, ``topic``: the item's brand, a category it reaches, or a topic it has,
  shared with ``n`` history items: ``n / (history + 1)``, times ``(level + 1) / (depth + 1)``
  for a category (the item's own leaf counts fully, the top level least) and times the item's
  ``HAS_TOPIC`` weight for a topic;
- ``collaborative``: shoppers who share a history item with the user and bought the item:
  ``n / (all who share one + 1)``.

Reasons are built only from the nodes and counts the query found; other users never appear in a
path (they are counted, not named).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from neo4j import Driver

from interestgraph.interests.profiles import BEHAVIOURS
from interestgraph.serving.queries import EXPLAIN_QUERY
from interestgraph.serving.recommend import run_read
from interestgraph.serving.records import ExplanationRecord, PathNodeRecord, ReasonKind

KINDS: tuple[ReasonKind, ...] = ("co_purchase", "brand", "category", "topic", "collaborative")
NO_PATH_REASON = "no path in the graph links you to this item: the model's embeddings alone rank it"


def explain_recommendations(
    driver: Driver, user_id: str, item_ids: Sequence[str]
) -> dict[str, ExplanationRecord]:
    """The explanation of each of ``item_ids`` for the user (pseudonym), in one query.

    Unknown users or items are absent from the result.
    """
    explained = explain_for_users(driver, {user_id: item_ids})
    return {item_id: e for (_, item_id), e in explained.items()}


def explain_for_users(
    driver: Driver, item_ids_by_user: Mapping[str, Sequence[str]]
) -> dict[tuple[str, str], ExplanationRecord]:
    """The explanations of many users' items, keyed ``(user pseudonym, item id)``, in one
    query; unknown users or items are absent."""
    requests = [
        {"user_id": user_id, "item_ids": list(dict.fromkeys(item_ids))}
        for user_id, item_ids in item_ids_by_user.items()
        if item_ids
    ]
    if not requests:
        return {}
    records = run_read(driver, EXPLAIN_QUERY, requests=requests, behaviours=list(BEHAVIOURS))
    return {
        (r["user_id"], r["item"]["id"]): explanation(
            r["user_id"], r["item"], r["bought_any"], r["best"]
        )
        for r in records
    }


def explanation(
    user_id: str,
    item: Mapping[str, Any],
    bought_any: bool,
    best: Mapping[str, Any] | None,
) -> ExplanationRecord:
    """The reason and path for one item from the facts of its strongest candidate path.

    Args:
        user_id: the user's pseudonym (the path's first node).
        item: ``{id, title, brand, category}`` of the recommended item.
        bought_any: whether the history is purchases (else interactions of any kind).
        best: ``{kind, strength, n, via: {id, title, brand, category}, hub: {id, name,
            path?}}`` or None.
    """
    target = PathNodeRecord("item", item["id"], item_name(item))
    if best is None:
        return ExplanationRecord(item["id"], "none", 0.0, NO_PATH_REASON, ())
    kind: ReasonKind = best["kind"]
    n = int(best["n"])
    via = PathNodeRecord("item", best["via"]["id"], item_name(best["via"]))
    user = PathNodeRecord("user", user_id, user_id)
    hub = best["hub"]
    mine = "your purchases" if bought_any else "the items you interacted with"
    did = "bought" if bought_any else "interacted with"
    if kind == "co_purchase":
        # one co-buyer is a fact worth naming, not yet a habit
        together = ": often bought together" if n > 1 else ""
        reason = f"you {did} {via.name}; {_count(n, 'shopper')} who bought it also bought this"
        reason += together
        path: tuple[PathNodeRecord, ...] = (user, via, target)
    elif kind == "brand":
        reason = f"you {did} {_count(n, 'item')} by {hub['name']}"
        path = (user, via, PathNodeRecord("brand", hub["id"], hub["name"]), target)
    elif kind == "category":
        where = " › ".join(hub["path"] or [hub["name"]])
        reason = f"{n} of {mine} {'is' if n == 1 else 'are'} in {where}"
        path = (user, via, PathNodeRecord("category", hub["id"], hub["name"]), target)
    elif kind == "topic":
        reason = (
            f"matches your interest in topic {hub['name']}: {n} of {mine} "
            f"{'has' if n == 1 else 'have'} it"
        )
        path = (user, via, PathNodeRecord("topic", hub["id"], hub["name"]), target)
    else:
        reason = (
            f"popular with users like you: {_count(n, 'similar shopper')} bought it "
            f"(the items they share with you include {via.name})"
        )
        path = (user, via, target)
    return ExplanationRecord(item["id"], kind, float(best["strength"]), reason, path)


def item_name(item: Mapping[str, Any]) -> str:
    """What a reason calls an item: its title, else brand and deepest category with the id
    ("Aquis Hair Extensions (B008L23HFO)": Amazon Beauty has no titles), else the id."""
    if item.get("title"):
        return str(item["title"])
    known = " ".join(str(item[k]) for k in ("brand", "category") if item.get(k))
    return f"{known} ({item['id']})" if known else str(item["id"])


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
