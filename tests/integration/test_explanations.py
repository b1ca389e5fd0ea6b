"""Explanations on a real Neo4j: each reason kind, its strength, wording and path, by hand.

Every graph here is tiny and written with plain parameterised Cypher, so each expected strength
can be worked out from the formulas in ``serving/explain.py``'s docstring (the arithmetic sits
next to each assertion). ``mine`` below is the user's history without the recommended item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from neo4j import Driver

from graph_builder import pseudonym
from interestgraph.interests.profiles import BEHAVIOURS
from interestgraph.serving.explain import KINDS, NO_PATH_REASON, explain_recommendations
from interestgraph.serving.records import (
    ExplanationRecord,
    PathNodeKind,
    PathNodeRecord,
    ReasonKind,
)

pytestmark = pytest.mark.integration

# The graph and the serving layer know users only by their pseudonyms.
ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GINA = (
    pseudonym(name) for name in ("alice", "bob", "carol", "dave", "erin", "frank", "gina")
)
OTHERS = {BOB, CAROL, DAVE, ERIN, FRANK, GINA}
USER = PathNodeRecord("user", ALICE, ALICE)
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


# --- graph writers -------------------------------------------------------------------------


def items(driver: Driver, titles: Mapping[str, str | None]) -> None:
    """Items by id; a None title leaves the property out (names then fall back to the id)."""
    driver.execute_query(
        "UNWIND $rows AS row CREATE (i:Item {id: row.id}) SET i.title = row.title",
        rows=[{"id": k, "title": v} for k, v in titles.items()],
    )


def users(driver: Driver, *ids: str) -> None:
    driver.execute_query("UNWIND $ids AS id CREATE (:User {id: id})", ids=list(ids))


def interact(
    driver: Driver,
    behaviour: str,
    pairs: Sequence[tuple[str, str]],
    *,
    start: int = 0,
    timed: bool = False,
) -> None:
    """One ``behaviour`` edge per (user, item) pair; later pairs are more recent.

    Recency is ``last_seq`` (start, start + 1, ...) or, when ``timed``, ``last_at`` (that many
    days after EPOCH), the two ways the graph model records it.
    """
    assert behaviour in BEHAVIOURS  # the only text spliced into the query
    driver.execute_query(
        f"""
        UNWIND $rows AS row
        MATCH (u:User {{id: row.user}}), (i:Item {{id: row.item}})
        CREATE (u)-[e:{behaviour} {{count: 1}}]->(i)
        SET e.first_seq = row.seq, e.last_seq = row.seq, e.first_at = row.at, e.last_at = row.at
        """,
        rows=[
            {
                "user": user,
                "item": item,
                "seq": None if timed else start + n,
                "at": EPOCH + timedelta(days=start + n) if timed else None,
            }
            for n, (user, item) in enumerate(pairs)
        ],
    )


def brand(driver: Driver, brand_id: str, name: str, item_ids: Sequence[str]) -> None:
    driver.execute_query(
        """
        CREATE (b:Brand {id: $id, name: $name})
        WITH b UNWIND $items AS item_id
        MATCH (i:Item {id: item_id})
        CREATE (i)-[:MADE_BY]->(b)
        """,
        id=brand_id,
        name=name,
        items=list(item_ids),
    )


def categories(driver: Driver, paths: Sequence[Sequence[str]]) -> None:
    """The category tree of the given paths, ids and levels as in docs/graph-model.md."""
    driver.execute_query(
        """
        UNWIND $rows AS c
        MERGE (cat:Category {id: c.id})
        SET cat.name = c.name, cat.path = c.path, cat.level = c.level
        WITH cat, c WHERE c.parent IS NOT NULL
        MERGE (parent:Category {id: c.parent})
        MERGE (cat)-[:SUBCATEGORY_OF]->(parent)
        """,
        rows=[
            {
                "id": " > ".join(path[: level + 1]),
                "name": path[level],
                "path": list(path[: level + 1]),
                "level": level,
                "parent": " > ".join(path[:level]) if level else None,
            }
            for path in paths
            for level in range(len(path))
        ],
    )


def in_category(driver: Driver, category_id: str, item_ids: Sequence[str]) -> None:
    driver.execute_query(
        """
        MATCH (c:Category {id: $id})
        UNWIND $items AS item_id
        MATCH (i:Item {id: item_id})
        CREATE (i)-[:IN_CATEGORY]->(c)
        """,
        id=category_id,
        items=list(item_ids),
    )


def topic(driver: Driver, topic_id: str, label: str | None, weights: Mapping[str, float]) -> None:
    """A topic and its ``HAS_TOPIC {weight}`` edges; a None label leaves the property out."""
    driver.execute_query(
        """
        CREATE (t:Topic {id: $id, terms: []}) SET t.label = $label
        WITH t UNWIND $rows AS row
        MATCH (i:Item {id: row.item})
        CREATE (i)-[:HAS_TOPIC {weight: row.weight}]->(t)
        """,
        id=topic_id,
        label=label,
        rows=[{"item": k, "weight": v} for k, v in weights.items()],
    )


def node(kind: PathNodeKind, id_: str, name: str | None = None) -> PathNodeRecord:
    """A path node; without a name, the id (what an item without title, brand or category is
    called)."""
    return PathNodeRecord(kind, id_, name or id_)


def explain_one(driver: Driver, item_id: str, user_id: str = ALICE) -> ExplanationRecord:
    found = explain_recommendations(driver, user_id, [item_id])
    assert set(found) == {item_id}
    return found[item_id]


# --- 1. each kind wins when it is the strongest ---------------------------------------------


def test_co_purchase_wins_with_the_smoothed_conditional(empty_db: Driver) -> None:
    """Shoppers who bought the history item and the target make the strongest case here."""
    items(empty_db, {"x1": "Fountain pen", "r": "Blue ink"})
    users(empty_db, ALICE, BOB, CAROL, DAVE, ERIN)
    interact(empty_db, "PURCHASED", [(ALICE, "x1"), (BOB, "x1"), (DAVE, "x1"), (ERIN, "x1")])
    interact(empty_db, "PURCHASED", [(BOB, "r"), (DAVE, "r")], start=10)
    interact(empty_db, "VIEWED", [(CAROL, "x1")])

    got = explain_one(empty_db, "r")

    assert got.kind == "co_purchase"
    # co_purchase: co-buyers {bob, dave} = 2 over x1's other buyers {bob, dave, erin} = 3:
    # 2 / (3 + 1) = 0.5. (collaborative: 2 of the 4 who share x1 {bob, dave, erin, carol}:
    # 2 / (4 + 1) = 0.4, weaker.)
    assert got.strength == pytest.approx(2 / (3 + 1))
    assert got.reason == (
        "you bought Fountain pen; 2 shoppers who bought it also bought this: often bought together"
    )
    assert got.path == (USER, node("item", "x1", "Fountain pen"), node("item", "r", "Blue ink"))


def test_co_purchase_picks_the_strongest_history_item(empty_db: Driver) -> None:
    """The history item with the best smoothed P(item | X) is the via, not the most recent."""
    items(empty_db, {"x1": None, "x2": None, "r": None})
    users(empty_db, ALICE, BOB, CAROL, DAVE)
    # x1 (older): bought by bob, who also bought r. x2 (newer): bought by carol (also r), dave.
    interact(empty_db, "PURCHASED", [(ALICE, "x1"), (ALICE, "x2")])
    interact(empty_db, "PURCHASED", [(BOB, "x1"), (CAROL, "x2"), (DAVE, "x2")], start=5)
    interact(empty_db, "PURCHASED", [(BOB, "r"), (CAROL, "r")], start=10)

    got = explain_one(empty_db, "r")

    # via x1: 1 / (1 + 1) = 0.5; via x2: 1 / (2 + 1) = 0.333; collaborative: 2 of the 3 who
    # share one {bob, carol, dave}: 2 / (3 + 1) = 0.5, a tie co_purchase wins.
    assert got.kind == "co_purchase"
    assert got.strength == pytest.approx(1 / (1 + 1))
    assert got.reason == ("you bought x1; 1 shopper who bought it also bought this")
    assert got.path == (USER, node("item", "x1"), node("item", "r"))


def test_brand_wins_with_share_of_history(empty_db: Driver) -> None:
    """Two of three purchases share the item's brand; a one-item topic is weaker."""
    items(empty_db, {"x1": "Pen A", "x2": "Pen B", "x3": "Notebook", "r": "Pen C"})
    users(empty_db, ALICE)
    # Timed purchases: x3 is the most recent, then x2, then x1.
    interact(empty_db, "PURCHASED", [(ALICE, "x1"), (ALICE, "x2"), (ALICE, "x3")], timed=True)
    brand(empty_db, "lamy", "Lamy", ["x1", "x2", "r"])
    topic(empty_db, "topic-0", "paper · ruled", {"x3": 0.9, "r": 0.5})

    got = explain_one(empty_db, "r")

    assert got.kind == "brand"
    # brand: n = 2 (x1, x2) of a history of 3: 2 / (3 + 1) = 0.5.
    # (topic: 1 / (3 + 1) * 0.5 (r's weight) = 0.125, weaker.)
    assert got.strength == pytest.approx(2 / (3 + 1))
    assert got.reason == "you bought 2 items by Lamy"
    # via: the most recent history item of the brand (x2, by last_at).
    assert got.path == (
        USER,
        node("item", "x2", "Pen B"),
        node("brand", "lamy", "Lamy"),
        node("item", "r", "Pen C"),
    )


def test_category_wins_at_the_level_that_scores_best(empty_db: Driver) -> None:
    """A parent category shared by three purchases beats the item's own leaf shared by one."""
    items(empty_db, {"x1": None, "x2": None, "x3": None, "x4": None, "r": "Red polish"})
    users(empty_db, ALICE)
    interact(empty_db, "PURCHASED", [(ALICE, i) for i in ("x1", "x2", "x3", "x4")])
    categories(
        empty_db,
        [["Makeup", "Nails", "Nail Polish"], ["Makeup", "Nails", "Nail Art"], ["Tools"]],
    )
    in_category(empty_db, "Makeup > Nails > Nail Polish", ["r", "x1"])
    in_category(empty_db, "Makeup > Nails > Nail Art", ["x2", "x3"])
    in_category(empty_db, "Tools", ["x4"])
    brand(empty_db, "opi", "OPI", ["r", "x4"])

    got = explain_one(empty_db, "r")

    assert got.kind == "category"
    # History of 4, r's leaf is at level 2 (depth 2):
    #   Nail Polish (level 2): 1 / (4 + 1) * (2 + 1) / (2 + 1) = 0.2
    #   Nails       (level 1): 3 / (4 + 1) * (1 + 1) / (2 + 1) = 0.4   <- best
    #   Makeup      (level 0): 3 / (4 + 1) * (0 + 1) / (2 + 1) = 0.2
    #   (brand OPI: 1 / (4 + 1) = 0.2)
    assert got.strength == pytest.approx(3 / (4 + 1) * (1 + 1) / (2 + 1))
    assert got.reason == "3 of your purchases are in Makeup › Nails"
    # via: the most recent purchase in Nails (x3, last_seq 2).
    assert got.path == (
        USER,
        node("item", "x3", "Nail Art (x3)"),  # untitled: its deepest category and id
        node("category", "Makeup > Nails", "Nails"),
        node("item", "r", "Red polish"),
    )


def test_category_leaf_counts_fully(empty_db: Driver) -> None:
    """The item's own leaf has factor 1, so one shared leaf item gives n / (history + 1)."""
    items(empty_db, {"x1": None, "r": None})
    users(empty_db, ALICE)
    interact(empty_db, "PURCHASED", [(ALICE, "x1")])
    categories(empty_db, [["Makeup", "Nails"]])
    in_category(empty_db, "Makeup > Nails", ["r", "x1"])

    got = explain_one(empty_db, "r")

    # Nails (level 1, depth 1): 1 / (1 + 1) * 2 / 2 = 0.5; Makeup: 1 / 2 * 1 / 2 = 0.25.
    assert got.kind == "category"
    assert got.strength == pytest.approx(1 / (1 + 1))
    assert got.reason == "1 of your purchases is in Makeup › Nails"
    assert got.path[2] == node("category", "Makeup > Nails", "Nails")


def test_topic_wins_weighted_by_the_items_membership(empty_db: Driver) -> None:
    """A topic shared by two purchases, weighted by the item's weight, beats brand and topic 2."""
    items(empty_db, {"x1": "Ink A", "x2": "Ink B", "x3": "Nib", "r": "Ink C"})
    users(empty_db, ALICE)
    interact(empty_db, "PURCHASED", [(ALICE, "x1"), (ALICE, "x2"), (ALICE, "x3")])
    topic(empty_db, "topic-1", "ink · bottle", {"x1": 0.4, "x2": 0.2, "r": 0.9})
    topic(empty_db, "topic-2", "nib · steel", {"x3": 1.0, "r": 0.3})
    brand(empty_db, "pilot", "Pilot", ["x3", "r"])

    got = explain_one(empty_db, "r")

    assert got.kind == "topic"
    # History of 3. topic-1: 2 / (3 + 1) * 0.9 = 0.45 (the history items' weights don't count);
    # topic-2: 1 / (3 + 1) * 0.3 = 0.075; brand Pilot: 1 / (3 + 1) = 0.25.
    assert got.strength == pytest.approx(2 / (3 + 1) * 0.9)
    assert got.reason == "matches your interest in topic ink · bottle: 2 of your purchases have it"
    # via: the most recent purchase with the topic (x2).
    assert got.path == (
        USER,
        node("item", "x2", "Ink B"),
        node("topic", "topic-1", "ink · bottle"),
        node("item", "r", "Ink C"),
    )


def test_topic_without_label_is_named_by_id(empty_db: Driver) -> None:
    """A topic node without a label still explains, named by its id."""
    items(empty_db, {"x1": None, "r": None})
    users(empty_db, ALICE)
    interact(empty_db, "PURCHASED", [(ALICE, "x1")])
    topic(empty_db, "topic-7", None, {"x1": 1.0, "r": 0.6})

    got = explain_one(empty_db, "r")

    # 1 / (1 + 1) * 0.6 = 0.3
    assert got.kind == "topic"
    assert got.strength == pytest.approx(1 / (1 + 1) * 0.6)
    assert got.reason == "matches your interest in topic topic-7: 1 of your purchases has it"
    assert got.path[2] == node("topic", "topic-7")


def test_collaborative_wins_and_runs_through_the_most_shared_item(empty_db: Driver) -> None:
    """Shoppers who only viewed what the user bought, then bought the item, count as similar."""
    items(empty_db, {"x1": "Mug", "x2": "Kettle", "r": "Tea"})
    users(empty_db, ALICE, BOB, CAROL, DAVE, ERIN)
    # x2 is older than x1, but shared by more of the item's buyers.
    interact(empty_db, "PURCHASED", [(ALICE, "x2"), (ALICE, "x1")])
    interact(empty_db, "VIEWED", [(BOB, "x1"), (CAROL, "x2"), (DAVE, "x2")])
    interact(empty_db, "CLICKED", [(ERIN, "x2")])
    interact(empty_db, "PURCHASED", [(BOB, "r"), (CAROL, "r"), (ERIN, "r")], start=10)

    got = explain_one(empty_db, "r")

    assert got.kind == "collaborative"
    # Nobody else bought x1 or x2, so no co_purchase. Similar shoppers who bought r:
    # {bob (x1), carol, erin (x2)} = 3, of the 4 who share a history item {bob, carol, dave,
    # erin}: 3 / (4 + 1) = 0.6.
    assert got.strength == pytest.approx(3 / (4 + 1))
    assert got.reason == (
        "popular with users like you: 3 similar shoppers bought it "
        "(the items they share with you include Kettle)"
    )
    # via: x2, shared by 2 of them (carol, erin) against x1's 1 (bob).
    assert got.path == (USER, node("item", "x2", "Kettle"), node("item", "r", "Tea"))


# --- 2. ties and several kinds at once ------------------------------------------------------


@pytest.mark.parametrize("present", [KINDS[i:] for i in range(len(KINDS))])
def test_equal_strengths_follow_the_kind_order(
    empty_db: Driver, present: tuple[ReasonKind, ...]
) -> None:
    """With every present kind at exactly 0.5, the first of ``KINDS`` wins."""
    items(empty_db, {"x1": None, "r": None})
    users(empty_db, ALICE, BOB)
    interact(empty_db, "PURCHASED", [(ALICE, "x1")])
    # History of 1, so every kind below is worth exactly 1 / (1 + 1) = 0.5.
    if "co_purchase" in present:  # bob bought x1 and r: 1 / (1 + 1); also collaborative
        interact(empty_db, "PURCHASED", [(BOB, "x1"), (BOB, "r")], start=5)
    elif "collaborative" in present:  # bob viewed x1, bought r: 1 of 1 sharing: 1 / (1 + 1)
        interact(empty_db, "VIEWED", [(BOB, "x1")], start=5)
        interact(empty_db, "PURCHASED", [(BOB, "r")], start=6)
    if "brand" in present:  # 1 / (1 + 1)
        brand(empty_db, "acme", "Acme", ["x1", "r"])
    if "category" in present:  # top-level leaf (level 0, depth 0): 1 / (1 + 1) * 1 / 1
        categories(empty_db, [["Tools"]])
        in_category(empty_db, "Tools", ["x1", "r"])
    if "topic" in present:  # weight 1.0: 1 / (1 + 1) * 1.0
        topic(empty_db, "topic-0", "tools", {"x1": 1.0, "r": 1.0})

    got = explain_one(empty_db, "r")

    assert got.kind == present[0]
    assert got.strength == pytest.approx(0.5)


def test_strongest_kind_beats_earlier_kinds_in_the_tie_order(empty_db: Driver) -> None:
    """Order only breaks ties: a stronger collaborative case beats co_purchase and brand."""
    items(empty_db, {"x1": None, "x2": None, "x3": None, "r": None})
    users(empty_db, ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GINA)
    interact(empty_db, "PURCHASED", [(ALICE, "x1"), (ALICE, "x2"), (ALICE, "x3")])
    interact(empty_db, "PURCHASED", [(BOB, "x1"), (CAROL, "x1"), (DAVE, "x1")], start=5)
    interact(empty_db, "VIEWED", [(ERIN, "x2"), (FRANK, "x2"), (GINA, "x3")], start=5)
    interact(empty_db, "PURCHASED", [(BOB, "r"), (ERIN, "r"), (FRANK, "r"), (GINA, "r")], start=9)
    brand(empty_db, "acme", "Acme", ["x1", "r"])

    got = explain_one(empty_db, "r")

    # co_purchase via x1: 1 (bob) / (3 + 1) = 0.25; brand: 1 / (3 + 1) = 0.25;
    # collaborative: {bob, erin, frank, gina} = 4 of the 6 who share one: 4 / (6 + 1) = 0.571.
    assert got.kind == "collaborative"
    assert got.strength == pytest.approx(4 / (6 + 1))
    assert got.path == (USER, node("item", "x2"), node("item", "r"))  # erin, frank via x2


# --- 3. history = interactions when the user bought nothing ---------------------------------


def test_user_without_purchases_is_explained_by_interactions(empty_db: Driver) -> None:
    """Views, clicks and carts make the history, once per item, worded as interactions."""
    items(empty_db, {"x1": "Lamp", "x2": "Shade", "x3": "Bulb", "r1": None, "r2": None})
    users(empty_db, ALICE)
    interact(empty_db, "VIEWED", [(ALICE, "x1"), (ALICE, "x2")])
    interact(empty_db, "CLICKED", [(ALICE, "x1"), (ALICE, "x3")], start=2)
    interact(empty_db, "ADDED_TO_CART", [(ALICE, "x2")], start=4)
    brand(empty_db, "ikea", "Ikea", ["x1", "x2", "r1"])
    categories(empty_db, [["Home", "Lighting"]])
    in_category(empty_db, "Home > Lighting", ["x3", "r2"])

    found = explain_recommendations(empty_db, ALICE, ["r1", "r2"])

    # History {x1, x2, x3}: 3 items although x1 and x2 carry two edges each.
    # r1, brand: 2 / (3 + 1) = 0.5; via the more recently touched of x1 (seq 2), x2 (seq 4).
    assert found["r1"].kind == "brand"
    assert found["r1"].strength == pytest.approx(2 / (3 + 1))
    assert found["r1"].reason == "you interacted with 2 items by Ikea"
    assert found["r1"].path[1] == node("item", "x2", "Shade")
    # r2, leaf category (level 1, depth 1): 1 / (3 + 1) * 2 / 2 = 0.25.
    assert found["r2"].kind == "category"
    assert found["r2"].strength == pytest.approx(1 / (3 + 1))
    assert found["r2"].reason == "1 of the items you interacted with is in Home › Lighting"
    assert found["r2"].path[1] == node("item", "x3", "Bulb")


def test_co_purchase_wording_for_a_user_without_purchases(empty_db: Driver) -> None:
    """The co-purchase reason says the user interacted with the via item, not bought it."""
    items(empty_db, {"x1": "Lamp", "r": None})
    users(empty_db, ALICE, BOB)
    interact(empty_db, "VIEWED", [(ALICE, "x1")])
    interact(empty_db, "PURCHASED", [(BOB, "x1"), (BOB, "r")], start=1)

    got = explain_one(empty_db, "r")

    # 1 co-buyer / (1 other buyer of x1 + 1) = 0.5 (collaborative ties at 1 / (1 + 1)).
    assert got.kind == "co_purchase"
    assert got.strength == pytest.approx(1 / (1 + 1))
    assert got.reason == ("you interacted with Lamp; 1 shopper who bought it also bought this")


def test_purchases_alone_make_the_history_of_a_buyer(empty_db: Driver) -> None:
    """Once the user bought anything, their views no longer count as history."""
    items(empty_db, {"x1": None, "x2": None, "r": None})
    users(empty_db, ALICE)
    interact(empty_db, "PURCHASED", [(ALICE, "x1")])
    interact(empty_db, "VIEWED", [(ALICE, "x2")], start=1)
    brand(empty_db, "acme", "Acme", ["x2", "r"])

    got = explain_one(empty_db, "r")

    assert (got.kind, got.reason, got.path) == ("none", NO_PATH_REASON, ())


# --- 4. no path -----------------------------------------------------------------------------


def test_item_without_path_gets_kind_none(empty_db: Driver) -> None:
    """An item nothing links to the user is explained as the embeddings' pick, with no path."""
    items(empty_db, {"x1": None, "r": None, "lonely": "Lonely item"})
    users(empty_db, ALICE, BOB, CAROL)
    interact(empty_db, "PURCHASED", [(ALICE, "x1"), (BOB, "x1"), (BOB, "r")])
    interact(empty_db, "PURCHASED", [(CAROL, "lonely")], start=5)  # carol shares nothing
    brand(empty_db, "acme", "Acme", ["lonely"])  # a brand no history item has

    found = explain_recommendations(empty_db, ALICE, ["r", "lonely"])

    assert found["r"].kind == "co_purchase"
    assert found["lonely"] == ExplanationRecord("lonely", "none", 0.0, NO_PATH_REASON, ())


def test_user_without_history_gets_kind_none(empty_db: Driver) -> None:
    """A known user with no edges at all still gets an entry per known item."""
    items(empty_db, {"r": None})
    users(empty_db, ALICE, BOB)
    interact(empty_db, "PURCHASED", [(BOB, "r")])

    assert explain_recommendations(empty_db, ALICE, ["r"]) == {
        "r": ExplanationRecord("r", "none", 0.0, NO_PATH_REASON, ())
    }


# --- 5. unknown ids, empty lists ------------------------------------------------------------


def test_unknown_items_and_users_are_absent(empty_db: Driver) -> None:
    """Only known items of a known user (by pseudonym) come back, once each."""
    items(empty_db, {"x1": None, "r": None})
    users(empty_db, ALICE)
    interact(empty_db, "PURCHASED", [(ALICE, "x1")])
    brand(empty_db, "acme", "Acme", ["x1", "r"])

    found = explain_recommendations(empty_db, ALICE, ["r", "missing", "r"])

    assert list(found) == ["r"]
    assert found["r"].kind == "brand"
    assert explain_recommendations(empty_db, "nobody", ["r"]) == {}
    assert explain_recommendations(empty_db, "alice", ["r"]) == {}  # shop id, not pseudonym
    assert explain_recommendations(empty_db, ALICE, ["missing"]) == {}
    assert explain_recommendations(empty_db, ALICE, []) == {}


# --- 6. other users are counted, never named ------------------------------------------------


def test_other_users_never_appear_in_paths(empty_db: Driver) -> None:
    """Co-purchase and collaborative paths run user → history item → item, nobody else."""
    items(empty_db, {"x1": None, "x2": None, "r1": None, "r2": None})
    users(empty_db, ALICE, BOB, CAROL, DAVE)
    interact(empty_db, "PURCHASED", [(ALICE, "x1"), (ALICE, "x2"), (BOB, "x1"), (BOB, "r1")])
    interact(empty_db, "VIEWED", [(CAROL, "x2"), (DAVE, "x2")], start=4)
    interact(empty_db, "PURCHASED", [(CAROL, "r2"), (DAVE, "r2")], start=6)

    found = explain_recommendations(empty_db, ALICE, ["r1", "r2"])

    assert {(e.item_id, e.kind) for e in found.values()} == {
        ("r1", "co_purchase"),
        ("r2", "collaborative"),
    }
    for e in found.values():
        assert [n.kind for n in e.path] == ["user", "item", "item"]
        assert e.path[0] == USER
        assert not {n.id for n in e.path} & OTHERS
        assert not any(other in e.reason for other in OTHERS)
    # r2: carol and dave = 2 of the 3 who share one (bob, carol, dave): 2 / (3 + 1) = 0.5.
    assert found["r2"].strength == pytest.approx(2 / (3 + 1))
    assert "2 similar shoppers bought it" in found["r2"].reason


# --- 7. the recommended item is not its own reason ------------------------------------------


def test_item_in_history_does_not_explain_itself(empty_db: Driver) -> None:
    """A user who bought the item gets no brand/co-purchase path through the item itself."""
    items(empty_db, {"r": None})
    users(empty_db, ALICE, BOB)
    interact(empty_db, "PURCHASED", [(ALICE, "r"), (BOB, "r")])
    brand(empty_db, "acme", "Acme", ["r"])
    categories(empty_db, [["Tools"]])
    in_category(empty_db, "Tools", ["r"])
    topic(empty_db, "topic-0", "tools", {"r": 1.0})

    got = explain_one(empty_db, "r")

    assert (got.kind, got.reason, got.path) == ("none", NO_PATH_REASON, ())


def test_item_in_history_is_left_out_of_shares(empty_db: Driver) -> None:
    """The item itself counts neither in the history size nor among the history items."""
    items(empty_db, {"x1": None, "x2": None, "r": None})
    users(empty_db, ALICE)
    # r is the most recent purchase, so it would be the via if it were not left out.
    interact(empty_db, "PURCHASED", [(ALICE, "x1"), (ALICE, "x2"), (ALICE, "r")])
    brand(empty_db, "acme", "Acme", ["x1", "r"])

    got = explain_one(empty_db, "r")

    # mine = {x1, x2}: 1 / (2 + 1) = 0.333 (not 2 / (3 + 1) with r counted in both).
    assert got.kind == "brand"
    assert got.strength == pytest.approx(1 / (2 + 1))
    assert got.reason == "you bought 1 item by Acme"
    assert got.path[1] == node("item", "x1")


def test_item_in_history_is_left_out_of_the_collaborative_neighbours(empty_db: Driver) -> None:
    """Shoppers who share only the item itself with the user are not among its neighbours."""
    items(empty_db, {"x1": None, "r": None})
    users(empty_db, ALICE, BOB, CAROL, DAVE)
    interact(empty_db, "PURCHASED", [(ALICE, "x1"), (ALICE, "r")])
    interact(empty_db, "VIEWED", [(BOB, "x1"), (CAROL, "r"), (DAVE, "r")], start=2)
    interact(empty_db, "PURCHASED", [(BOB, "r")], start=5)

    got = explain_one(empty_db, "r")

    # mine = {x1}; bob viewed x1 and bought r; nobody else touched x1, so the shoppers who share
    # a history item are {bob}: 1 / (1 + 1) = 0.5. Carol and dave only viewed r itself.
    assert got.kind == "collaborative"
    assert got.strength == pytest.approx(1 / (1 + 1))
    assert got.path == (USER, node("item", "x1"), node("item", "r"))
