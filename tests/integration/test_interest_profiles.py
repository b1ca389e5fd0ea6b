"""Interest profiles on the real Neo4j: weights, time decay, damping, topics, incremental refresh.

Every expected score below is computed by hand from the rule in interests/profiles.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from graph_builder import TEST_PSEUDONYMIZER, pseudonym
from interestgraph.ingest import ingest_source
from interestgraph.ingest.adapters.canonical import read_canonical
from interestgraph.interests import InterestConfig, profiles_exist, refresh_interests
from interestgraph.serving.recommend import user_interests

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parents[1] / "fixtures"
NEWEST = datetime(2024, 1, 31, tzinfo=UTC)
MONTH_AGO = datetime(2024, 1, 1, tzinfo=UTC)  # 30 days before NEWEST: one half-life below
ANN, BEN = pseudonym("ann"), pseudonym("ben")

# ann viewed A three times (newest), carted B once 30 days earlier, rated C 4 of 5;
# ben bought C twice. A and B are by X, C by Y; A has topic T1 (weight 0.8), C too (0.5).
GRAPH_QUERY = """
CREATE (pens:Category {id: 'Pens', name: 'Pens', path: ['Pens'], level: 0}),
       (fountain:Category {id: 'Pens > Fountain', name: 'Fountain', path: ['Pens', 'Fountain'],
                           level: 1})-[:SUBCATEGORY_OF]->(pens),
       (ballpoint:Category {id: 'Pens > Ballpoint', name: 'Ballpoint',
                            path: ['Pens', 'Ballpoint'], level: 1})-[:SUBCATEGORY_OF]->(pens),
       (paper:Category {id: 'Paper', name: 'Paper', path: ['Paper'], level: 0}),
       (x:Brand {id: 'x', name: 'Xenon'}), (y:Brand {id: 'y', name: 'Yarrow'}),
       (t1:Topic {id: 'topic-1', label: 'ink · nibs', terms: ['ink', 'nibs']}),
       (a:Item {id: 'A'})-[:MADE_BY]->(x), (a)-[:IN_CATEGORY]->(fountain),
       (a)-[:HAS_TOPIC {weight: 0.8}]->(t1),
       (b:Item {id: 'B'})-[:MADE_BY]->(x), (b)-[:IN_CATEGORY]->(ballpoint),
       (c:Item {id: 'C'})-[:MADE_BY]->(y), (c)-[:IN_CATEGORY]->(paper),
       (c)-[:HAS_TOPIC {weight: 0.5}]->(t1),
       (ann:User {id: $ann}), (ben:User {id: $ben}),
       (ann)-[:VIEWED {count: 3, first_at: $month_ago, last_at: $newest}]->(a),
       (ann)-[:ADDED_TO_CART {count: 1, first_at: $month_ago, last_at: $month_ago}]->(b),
       (ann)-[:RATED {count: 1, rating: 4, first_at: $newest, last_at: $newest}]->(c),
       (ben)-[:PURCHASED {count: 2, first_at: $newest, last_at: $newest}]->(c)
"""
PROFILE_QUERY = """
MATCH (u:User {id: $user})-[r:INTERESTED_IN]->(t)
RETURN t.id AS target, r.score AS score, r.evidence AS evidence, r.last_at AS last_at
ORDER BY target
"""


@pytest.fixture
def graph(empty_db: Driver) -> Driver:
    empty_db.execute_query(GRAPH_QUERY, ann=ANN, ben=BEN, newest=NEWEST, month_ago=MONTH_AGO)
    return empty_db


def _profile(driver: Driver, user: str) -> dict[str, tuple[Any, ...]]:
    """target id -> (score, evidence, last_at) of the user's INTERESTED_IN edges."""
    records, _, _ = driver.execute_query(PROFILE_QUERY, user=user)
    return {
        r["target"]: (
            r["score"],
            r["evidence"],
            r["last_at"].to_native() if r["last_at"] is not None else None,
        )
        for r in records
    }


def _approx(profile: dict[str, tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    return {t: (pytest.approx(s), n, at) for t, (s, n, at) in profile.items()}


def _expected(raw: dict[str, tuple[float, int, datetime]]) -> dict[str, tuple[Any, ...]]:
    top = max(score for score, _, _ in raw.values())
    return {t: (pytest.approx(s / top), n, at) for t, (s, n, at) in raw.items()}


def test_weights_decay_damping_and_topics(graph: Driver) -> None:
    report = refresh_interests(graph, config=InterestConfig(half_life_days=30, damping=0.5))

    assert report.users == 2
    assert report.edges == {"brand": 3, "category": 5, "topic": 2}  # ann 4 + ben 1 categories
    # ann: A views 1 x 3 = 3; B cart 3 x 1, half a month-long half-life back = 1.5;
    # C rated 5 x 4/5 = 4. Pens gets both pens a level down: 0.5 x (3 + 1.5).
    assert _profile(graph, ANN) == _expected(
        {
            "x": (3 + 1.5, 4, NEWEST),
            "y": (4, 1, NEWEST),
            "Pens > Fountain": (3, 3, NEWEST),
            "Pens > Ballpoint": (1.5, 1, MONTH_AGO),
            "Pens": (0.5 * (3 + 1.5), 4, NEWEST),
            "Paper": (4, 1, NEWEST),
            "topic-1": (0.8 * 3 + 0.5 * 4, 4, NEWEST),
        }
    )
    # ben: two purchases of C, 5 x 2 = 10.
    assert _profile(graph, BEN) == _expected(
        {"y": (10, 2, NEWEST), "Paper": (10, 2, NEWEST), "topic-1": (0.5 * 10, 2, NEWEST)}
    )


def test_no_decay_and_other_weights_come_from_the_config(graph: Driver) -> None:
    weights = {"VIEWED": 2.0, "CLICKED": 1.0, "ADDED_TO_CART": 1.0, "PURCHASED": 5.0, "RATED": 0.0}
    refresh_interests(graph, [ANN], config=InterestConfig(weights=weights, half_life_days=0))

    # A: 2 x 3 = 6, B: 1 x 1 = 1, C: rated with weight 0, so no interest from it at all.
    assert _profile(graph, ANN) == _expected(
        {
            "x": (6 + 1, 4, NEWEST),
            "Pens > Fountain": (6, 3, NEWEST),
            "Pens > Ballpoint": (1, 1, MONTH_AGO),
            "Pens": (0.5 * 7, 4, NEWEST),
            "topic-1": (0.8 * 6, 3, NEWEST),
        }
    )
    assert _profile(graph, BEN) == {}  # not asked for


def test_refresh_replaces_only_the_given_users(graph: Driver) -> None:
    refresh_interests(graph)
    before_ben = _profile(graph, BEN)
    graph.execute_query(
        "MATCH (u:User {id: $ann}), (b:Item {id: 'B'}) "
        "CREATE (u)-[:PURCHASED {count: 1, first_at: $at, last_at: $at}]->(b)",
        ann=ANN,
        at=NEWEST,
    )

    report = refresh_interests(graph, [ANN, "no-such-user"])

    assert report.users == 1
    assert _profile(graph, BEN) == before_ben
    found = user_interests(graph, ANN, 1)
    assert (found[0].kind, found[0].id, found[0].evidence) == ("brand", "x", 5)
    assert found[0].score == 1.0
    # the same via the API read, categories only: B 5 + 3 x 0.5^(30/90) = 7.38, Pens half of
    # B's and A's (7.38 + 3) = 5.19, Paper 4 (C rated), Fountain 3 (A viewed)
    assert [i.id for i in user_interests(graph, ANN, 10, "category")] == [
        "Pens > Ballpoint",
        "Pens",
        "Paper",
        "Pens > Fountain",
    ]
    assert user_interests(graph, ANN, 10, "topic")[0].last_at == NEWEST


def test_incremental_refresh_after_ingest_equals_a_full_rebuild(
    empty_db: Driver, tmp_path: Path
) -> None:
    def ingest(folder: str) -> set[str]:
        report = ingest_source(
            empty_db,
            read_canonical(FIXTURES / folder),
            pseudonymizer=TEST_PSEUDONYMIZER,
            batch_size=5,
            rejects_path=tmp_path / f"{folder}.jsonl",
        )
        return report.touched_users

    ingest("canonical_shop")
    assert not profiles_exist(empty_db)
    refresh_interests(empty_db)
    assert profiles_exist(empty_db)
    users, _, _ = empty_db.execute_query("MATCH (u:User) RETURN u.id AS id")

    touched = ingest("canonical_shop_newer")
    # alice's older view in the newer file is a duplicate: only new events touch a user.
    assert touched == {pseudonym(u) for u in ("alice@shop", "bob", "gina")}
    assert ingest("canonical_shop_newer") == set()  # a re-run applies nothing, touches no one
    refresh_interests(empty_db, touched)
    incremental = {r["id"]: _profile(empty_db, r["id"]) for r in users}
    incremental[pseudonym("gina")] = _profile(empty_db, pseudonym("gina"))

    refresh_interests(empty_db)  # newer events move the decay's reference; ratios stay
    assert incremental == {u: _approx(_profile(empty_db, u)) for u in incremental}
    assert incremental[pseudonym("gina")]  # the new user has a profile
