"""Read-side queries against a small hand-made graph in a real Neo4j with real vector indexes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from neo4j import Driver

from graph_builder import GraphSpec, cosine, dot, pseudonym, vector_indexes, write_graph
from interestgraph.errors import NotFound, NotTrained
from interestgraph.interests import InterestConfig, refresh_interests
from interestgraph.serving import recommend
from interestgraph.serving.recommend import (
    Exclude,
    ItemFilter,
    get_user,
    item_details,
    recommend_items,
    similar_items,
    user_interests,
)
from interestgraph.serving.records import (
    BrandRecord,
    CategoryRecord,
    InterestKind,
    UserRecord,
)

pytestmark = pytest.mark.integration

# 2-d vectors (padded with zeros): with u1 = (1, 0) the inner product is the first coordinate,
# and u1 bought the six best; for u2 = (0.6, 0.8) the top four by inner product (i05 i10 i03 i01)
# differ from the top four by cosine (i05 i03 i10 i06), as item norms differ.
ITEM_VECTORS: dict[str, tuple[float, float]] = {
    "i01": (1.2, 0.0),
    "i02": (1.1, -0.5),
    "i03": (1.0, 0.6),
    "i04": (0.9, -0.9),
    "i05": (0.8, 1.0),
    "i06": (0.7, 0.2),
    "i07": (0.6, 1.6),
    "i08": (0.5, -0.8),
    "i09": (0.4, 0.1),
    "i10": (0.3, 1.3),
    "i11": (0.2, -1.2),
    "i12": (0.15, -0.3),
}
USER_VECTORS: dict[str, tuple[float, float]] = {
    "u1": (1.0, 0.0),
    "u2": (0.6, 0.8),
    "u3": (0.0, 1.0),
}
PURCHASES = {"u1": ["i01", "i02", "i03", "i04", "i05", "i06"], "u2": ["i07"]}
# The serving layer works on the ids the graph holds: the users' pseudonyms.
U1, U2, U3, U4 = (pseudonym(f"u{n}") for n in range(1, 5))

CATEGORY_PATHS = [
    ["Makeup", "Nails", "Nail Polish"],
    ["Makeup", "Nails", "Nail Art"],
    ["Makeup", "Face", "Foundation"],
    ["Skin Care", "Face", "Moisturizers"],
]
ITEM_CATEGORIES = {
    "i01": ["Makeup > Nails > Nail Polish"],
    "i02": ["Makeup > Nails > Nail Polish", "Makeup > Nails > Nail Art"],
    "i03": ["Makeup > Face > Foundation"],
    "i04": ["Skin Care > Face > Moisturizers"],
    "i05": ["Makeup > Nails > Nail Art", "Skin Care > Face > Moisturizers"],
}
BRANDS = {"acme": "Acme", "zest": "Zest"}
ITEM_BRANDS = {"i01": "acme", "i02": "acme", "i03": "acme", "i04": "zest", "i05": "zest"}

SPEC = GraphSpec(
    items={**ITEM_VECTORS, "i13": None},  # i13: an item no training run has reached yet
    users={**USER_VECTORS, "u4": None},  # u4: likewise, a user
    purchases=PURCHASES,
    category_paths=CATEGORY_PATHS,
    item_categories=ITEM_CATEGORIES,
    brands=BRANDS,
    item_brands=ITEM_BRANDS,
)


@pytest.fixture(scope="module")
def indexes(neo4j_driver: Driver) -> Iterator[None]:
    with vector_indexes(neo4j_driver):
        yield


@pytest.fixture
def graph(indexes: None, empty_db: Driver) -> Driver:
    """Users, items, brands, a 3-level category tree, purchases and hand-made embeddings."""
    write_graph(empty_db, SPEC)
    return empty_db


def test_recommendations_exclude_purchases_and_fill_first(graph: Driver) -> None:
    # u1 bought the six items with the highest inner product.
    found = recommend_items(graph, U1, 4)

    assert [s.item_id for s in found] == ["i07", "i08", "i09", "i10"]
    assert not {s.item_id for s in found} & set(PURCHASES["u1"])


@pytest.mark.parametrize("first", [1, 3, 5, 50])
def test_recommendations_equal_brute_force_inner_product_search(graph: Driver, first: int) -> None:
    for user, vector in USER_VECTORS.items():
        unseen = [i for i in ITEM_VECTORS if i not in PURCHASES.get(user, [])]
        expected = sorted(unseen, key=lambda i: (-dot(vector, ITEM_VECTORS[i]), i))[:first]

        found = recommend_items(graph, pseudonym(user), first)

        assert [s.item_id for s in found] == expected
        exact = [dot(vector, ITEM_VECTORS[s.item_id]) for s in found]
        assert [s.score for s in found] == pytest.approx(exact, abs=1e-6)


def test_recommendations_return_all_unpurchased_when_first_exceeds_them(graph: Driver) -> None:
    found = recommend_items(graph, U1, 50)

    assert [s.item_id for s in found] == ["i07", "i08", "i09", "i10", "i11", "i12"]


def test_recommendations_rank_by_inner_product_notcosine(graph: Driver) -> None:
    user = USER_VECTORS["u2"]
    candidates = [i for i in ITEM_VECTORS if i not in PURCHASES["u2"]]
    by_dot = sorted(candidates, key=lambda i: -dot(user, ITEM_VECTORS[i]))[:4]
    by_cosine = sorted(candidates, key=lambda i: -cosine(user, ITEM_VECTORS[i]))[:4]
    assert by_dot != by_cosine  # the data tells the two apart

    found = recommend_items(graph, U2, 4)

    assert [s.item_id for s in found] == by_dot == ["i05", "i10", "i03", "i01"]
    for scored in found:
        assert scored.score == pytest.approx(dot(user, ITEM_VECTORS[scored.item_id]), abs=1e-6)


def test_recommendations_never_return_items_the_user_interacted_with(graph: Driver) -> None:
    graph.execute_query(
        "MATCH (u:User {id: $user}), (i:Item) WHERE i.id IN ['i07', 'i08'] "
        "CREATE (u)-[:VIEWED {count: 1}]->(i) "
        "WITH u MATCH (i:Item {id: 'i09'}) CREATE (u)-[:ADDED_TO_CART {count: 1}]->(i)",
        user=U1,
    )

    assert [s.item_id for s in recommend_items(graph, U1, 3)] == ["i10", "i11", "i12"]
    assert [s.item_id for s in recommend_items(graph, U1, 50)] == ["i10", "i11", "i12"]
    only_purchases = recommend_items(graph, U1, 3, exclude=Exclude.PURCHASED)
    assert [s.item_id for s in only_purchases] == ["i07", "i08", "i09"]
    everything = recommend_items(graph, U1, 2, exclude=Exclude.NOTHING)
    assert [s.item_id for s in everything] == ["i01", "i02"]


# u3 = (0, 1) bought nothing: the inner product is the second coordinate.
FILTER_CASES = [
    (ItemFilter(category="Makeup"), ["i05", "i03", "i01", "i02"]),
    (ItemFilter(category="Makeup > Nails"), ["i05", "i01", "i02"]),
    (ItemFilter(category="Skin Care > Face > Moisturizers"), ["i05", "i04"]),
    (ItemFilter(brand="acme"), ["i03", "i01", "i02"]),
    (ItemFilter(category="Makeup > Nails", brand="zest"), ["i05"]),
    (ItemFilter(category="Makeup > Face", brand="zest"), []),
]


@pytest.mark.parametrize(("item_filter", "expected"), FILTER_CASES)
def test_filtered_recommendations_fill_first_from_the_filter_only(
    graph: Driver, item_filter: ItemFilter, expected: list[str]
) -> None:
    found = recommend_items(graph, U3, 10, item_filter=item_filter)

    assert [s.item_id for s in found] == expected
    assert [s.item_id for s in recommend_items(graph, U3, 2, item_filter=item_filter)] == (
        expected[:2]
    )


def test_filtered_recommendations_leave_out_seen_items(graph: Driver) -> None:
    # u1 bought i01..i06: of Makeup's subtree nothing is left, of zest's items nothing either.
    assert recommend_items(graph, U1, 5, item_filter=ItemFilter(category="Makeup")) == []
    assert recommend_items(graph, U1, 5, item_filter=ItemFilter(brand="zest")) == []
    graph.execute_query(
        "MATCH (u:User {id: $user}), (i:Item {id: 'i05'}) CREATE (u)-[:VIEWED {count: 1}]->(i)",
        user=U3,
    )
    found = recommend_items(graph, U3, 5, item_filter=ItemFilter(category="Makeup"))
    assert [s.item_id for s in found] == ["i03", "i01", "i02"]


@pytest.mark.parametrize("exact_candidates", [0, 5000])  # through the index, or exact
def test_filtered_similar_items(
    graph: Driver, monkeypatch: pytest.MonkeyPatch, exact_candidates: int
) -> None:
    monkeypatch.setattr(recommend, "EXACT_CANDIDATES", exact_candidates)
    by_cosine = sorted(["i04", "i05"], key=lambda i: -cosine(ITEM_VECTORS["i01"], ITEM_VECTORS[i]))

    found = similar_items(graph, "i01", 5, item_filter=ItemFilter(brand="zest"))

    assert [s.item_id for s in found] == by_cosine
    in_acme = similar_items(graph, "i01", 5, item_filter=ItemFilter(brand="acme"))
    assert [s.item_id for s in in_acme] == sorted(
        ["i02", "i03"], key=lambda i: -cosine(ITEM_VECTORS["i01"], ITEM_VECTORS[i])
    )


def test_unknown_filter_ids_are_not_found(graph: Driver) -> None:
    with pytest.raises(NotFound, match="category"):
        recommend_items(graph, U3, 5, item_filter=ItemFilter(category="Nope"))
    with pytest.raises(NotFound, match="brand"):
        similar_items(graph, "i01", 5, item_filter=ItemFilter(brand="nope"))


def test_get_user_reports_training_and_purchases(graph: Driver) -> None:
    assert get_user(graph, U1) == UserRecord(U1, trained=True, purchases=6)
    assert get_user(graph, U4) == UserRecord(U4, trained=False, purchases=0)
    with pytest.raises(NotFound, match="no user with id 'nobody'"):
        get_user(graph, "nobody")


def test_recommendations_unknown_or_untrained_user(graph: Driver) -> None:
    with pytest.raises(NotFound, match="no user with id 'nobody'"):
        recommend_items(graph, "nobody", 5)
    with pytest.raises(NotTrained, match=U4):
        recommend_items(graph, U4, 5)


def test_similar_items_exclude_self_bycosine(graph: Driver) -> None:
    anchor = ITEM_VECTORS["i05"]
    others = sorted(
        (i for i in ITEM_VECTORS if i != "i05"), key=lambda i: -cosine(anchor, ITEM_VECTORS[i])
    )

    top = similar_items(graph, "i05", 3)
    everything = similar_items(graph, "i05", 50)

    assert [s.item_id for s in top] == others[:3] == ["i07", "i03", "i10"]
    for scored in top:
        expected = cosine(anchor, ITEM_VECTORS[scored.item_id])
        assert scored.score == pytest.approx(expected, abs=1e-5)
    assert [s.item_id for s in everything] == others


def test_similar_items_unknown_or_untrained_item(graph: Driver) -> None:
    with pytest.raises(NotFound, match="no item with id 'nothing'"):
        similar_items(graph, "nothing", 5)
    with pytest.raises(NotTrained, match="i13"):
        similar_items(graph, "i13", 5)


def test_interests_weigh_damp_and_normalise_per_user(graph: Driver) -> None:
    refresh_interests(graph, config=InterestConfig(half_life_days=0))
    found = user_interests(graph, U1, 100)

    # Each purchase weighs 5 and reaches its brand, its leaves and (x0.5 per level, once per
    # item) their ancestors; acme's 3 purchases (15) are the strongest, so scores are raw / 15.
    def interest(kind: InterestKind, id_: str, name: str, raw: float, evidence: int) -> tuple:
        return (kind, id_, name, pytest.approx(raw / 15), evidence, None)

    assert [(i.kind, i.id, i.name, i.score, i.evidence, i.last_at) for i in found] == [
        interest("brand", "acme", "Acme", 15, 3),
        interest("category", "Skin Care > Face > Moisturizers", "Moisturizers", 10, 2),
        interest("category", "Makeup > Nails > Nail Art", "Nail Art", 10, 2),
        interest("category", "Makeup > Nails > Nail Polish", "Nail Polish", 10, 2),
        interest("brand", "zest", "Zest", 10, 2),
        interest("category", "Makeup > Nails", "Nails", 7.5, 3),  # i02's two leaves count once
        interest("category", "Skin Care > Face", "Face", 5, 2),
        interest("category", "Makeup > Face > Foundation", "Foundation", 5, 1),
        interest("category", "Makeup", "Makeup", 5, 4),
        interest("category", "Makeup > Face", "Face", 2.5, 1),
        interest("category", "Skin Care", "Skin Care", 2.5, 2),
    ]
    assert user_interests(graph, U1, 3) == found[:3]
    assert user_interests(graph, U1, 100, "brand") == [i for i in found if i.kind == "brand"]
    assert user_interests(graph, U1, 100, "topic") == []


def test_interests_of_user_without_behaviour_and_unknown_user(graph: Driver) -> None:
    refresh_interests(graph)
    assert user_interests(graph, U3, 10) == []
    with pytest.raises(NotFound, match="no user with id 'nobody'"):
        user_interests(graph, "nobody", 10)


def test_item_details_batch_brand_and_categories(graph: Driver) -> None:
    details = item_details(graph, ["i02", "i06", "i02", "unknown"])

    assert set(details) == {"i02", "i06"}
    assert details["i02"].brand == BrandRecord("acme", "Acme")
    assert details["i02"].categories == (
        CategoryRecord("Makeup > Nails > Nail Art", "Nail Art", ("Makeup", "Nails", "Nail Art")),
        CategoryRecord(
            "Makeup > Nails > Nail Polish", "Nail Polish", ("Makeup", "Nails", "Nail Polish")
        ),
    )
    assert details["i06"].brand is None
    assert details["i06"].categories == ()
