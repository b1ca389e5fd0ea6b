"""Segments on a hand-made shop with two clear groups of users, against the real server: both
backends (GDS inside Neo4j, igraph/leidenalg in Python), both algorithms."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from neo4j import Driver
from sklearn.metrics import adjusted_rand_score

from cli_runner import run_cli
from graph_builder import TEST_PSEUDONYMIZER, pseudonym
from interestgraph.api.context import make_context
from interestgraph.api.schema import build_schema
from interestgraph.config import Settings
from interestgraph.errors import BadInput
from interestgraph.interests import refresh_interests
from interestgraph.segments.detect import gds_available
from interestgraph.segments.methods import Algorithm, Backend
from interestgraph.segments.run import run_segments

pytestmark = pytest.mark.integration

# Nail people buy the nail items (brands OPI, Essie), eye people the eye items (NYX, Maybelline):
# two groups no detection can miss (Leiden splits groups with any inner structure, rightly);
# every user also bought the one best-seller, which must name neither segment.
NAIL_ITEMS = [f"nail{i}" for i in range(4)]
EYE_ITEMS = [f"eye{i}" for i in range(4)]
BRANDS = {"opi": "OPI", "essie": "Essie", "nyx": "NYX", "mayb": "Maybelline"}


def _shop(nail_users: int, eye_users: int, prefix: str = "") -> dict[str, list[str]]:
    purchases = {}
    for n in range(nail_users):
        purchases[f"{prefix}n{n}"] = [*NAIL_ITEMS, "bestseller"]
    for n in range(eye_users):
        purchases[f"{prefix}e{n}"] = [*EYE_ITEMS, "bestseller"]
    return purchases


WRITE_SHOP_QUERY = """
MERGE (root:Category {id: 'Makeup'}) SET root.name = 'Makeup'
MERGE (nails:Category {id: 'Makeup > Nails'}) SET nails.name = 'Nails'
MERGE (eyes:Category {id: 'Makeup > Eyes'}) SET eyes.name = 'Eyes'
MERGE (nails)-[:SUBCATEGORY_OF]->(root)
MERGE (eyes)-[:SUBCATEGORY_OF]->(root)
WITH nails, eyes
UNWIND $brands AS b
MERGE (brand:Brand {id: b[0]}) SET brand.name = b[1]
WITH DISTINCT nails, eyes
UNWIND $items AS it
MERGE (i:Item {id: it[0]}) SET i.title = it[0]
WITH nails, eyes, i, it
CALL (nails, eyes, i, it) {
  WITH * WHERE it[1] = 'nails' MERGE (i)-[:IN_CATEGORY]->(nails)
}
CALL (nails, eyes, i, it) {
  WITH * WHERE it[1] = 'eyes' MERGE (i)-[:IN_CATEGORY]->(eyes)
}
CALL (i, it) {
  WITH * WHERE it[2] IS NOT NULL MATCH (b:Brand {id: it[2]}) MERGE (i)-[:MADE_BY]->(b)
}
WITH count(*) AS _
UNWIND $purchases AS p
MERGE (u:User {id: p[0]})
WITH u, p
MATCH (i:Item {id: p[1]})
MERGE (u)-[r:PURCHASED]->(i) SET r.count = 1, r.last_seq = 0
"""


def _write(driver: Driver, purchases: dict[str, list[str]]) -> None:
    items = [[item, "nails", "opi" if k % 2 else "essie"] for k, item in enumerate(NAIL_ITEMS)]
    items += [[item, "eyes", "nyx" if k % 2 else "mayb"] for k, item in enumerate(EYE_ITEMS)]
    items.append(["bestseller", "none", None])
    driver.execute_query(
        WRITE_SHOP_QUERY,
        brands=[list(b) for b in BRANDS.items()],
        items=items,
        purchases=[[u, i] for u, bought in purchases.items() for i in bought],
    )
    refresh_interests(driver)


def _assignment(driver: Driver) -> dict[str, str]:
    records = driver.execute_query(
        "MATCH (u:User)-[:IN_SEGMENT]->(s:Segment) RETURN u.id AS user, s.id AS segment, "
        "u.segment AS property"
    ).records
    assert all(r["segment"] == r["property"] for r in records)
    return {r["user"]: r["segment"] for r in records}


def _truth(users: list[str]) -> list[int]:
    return [0 if u.lstrip("x").startswith("n") else 1 for u in users]


@pytest.fixture
def shop(empty_db: Driver) -> Driver:
    _write(empty_db, _shop(30, 25))
    return empty_db


@pytest.mark.parametrize(
    ("algorithm", "backend"),
    [
        (Algorithm.LEIDEN, Backend.PYTHON),
        (Algorithm.LOUVAIN, Backend.PYTHON),
        (Algorithm.LEIDEN, Backend.GDS),
        (Algorithm.LOUVAIN, Backend.GDS),
        (Algorithm.BIPARTITE_LEIDEN, Backend.PYTHON),
    ],
)
def test_two_groups_become_two_labelled_segments(
    shop: Driver, algorithm: Algorithm, backend: Backend
) -> None:
    result = run_segments(shop, algorithm=algorithm, backend=backend, min_size=5)

    assert result.communities.backend is backend
    assignment = _assignment(shop)
    users = sorted(assignment)
    assert len(users) == 55
    assert adjusted_rand_score(_truth(users), [assignment[u] for u in users]) == 1.0
    labels = {p.size: p.label for p in result.profiles}
    # The root category and the best-seller are everyone's: lift 1, in no label.
    assert labels[30] in {"Nails · Essie, OPI", "Nails · OPI, Essie"}
    assert labels[25] in {"Eyes · Maybelline, NYX", "Eyes · NYX, Maybelline"}
    assert result.communities.modularity > 0.3
    segments = shop.execute_query(
        "MATCH (s:Segment) RETURN s.id AS id, s.size AS size, s.label AS label, s.run AS run, "
        "COUNT { (s)<-[:IN_SEGMENT]-() } AS members ORDER BY size DESC"
    ).records
    assert [(r["size"], r["members"]) for r in segments] == [(30, 30), (25, 25)]
    assert {r["run"] for r in segments} == {result.stored.run_id}


def test_gds_and_python_give_the_same_segments(shop: Driver) -> None:
    python = run_segments(shop, backend=Backend.PYTHON, min_size=5)
    gds = run_segments(shop, backend=Backend.GDS, min_size=5)

    assert np.array_equal(python.membership, gds.membership)
    assert gds.communities.modularity == pytest.approx(python.communities.modularity)
    assert gds.stored.agreement == 1.0
    assert gds.stored.segment_ids == python.stored.segment_ids


def test_a_rerun_with_new_users_keeps_the_segment_ids(shop: Driver) -> None:
    first = run_segments(shop, backend=Backend.PYTHON, min_size=5)
    before = _assignment(shop)
    _write(shop, _shop(10, 10, prefix="x"))

    second = run_segments(shop, backend=Backend.PYTHON, min_size=5)

    after = _assignment(shop)
    assert sorted(second.stored.segment_ids) == sorted(first.stored.segment_ids)
    assert second.stored.kept_ids == 2
    assert second.stored.agreement == 1.0
    assert all(after[user] == segment for user, segment in before.items())
    assert len(after) == 75
    runs = shop.execute_query(
        "MATCH (r:SegmentRun) RETURN r.current AS current, r.kept_ids AS kept ORDER BY r.at"
    ).records
    assert [(r["current"], r["kept"]) for r in runs] == [(False, 0), (True, 2)]


def test_a_new_group_gets_a_new_id_and_a_vanished_one_goes(shop: Driver) -> None:
    first = run_segments(shop, backend=Backend.PYTHON, min_size=5)
    eye_segment = first.stored.segment_ids[1]
    shop.execute_query("MATCH (u:User) WHERE u.id STARTS WITH 'e' DETACH DELETE u")
    _write(shop, {f"b{n}": ["bestseller"] for n in range(12)})

    second = run_segments(shop, backend=Backend.PYTHON, min_size=5)

    ids = second.stored.segment_ids
    assert first.stored.segment_ids[0] in ids
    assert eye_segment not in ids
    assert "seg-0003" in ids  # numbered on: seg-0002 is never given again
    remaining = shop.execute_query("MATCH (s:Segment) RETURN collect(s.id) AS ids").records
    assert sorted(remaining[0]["ids"]) == sorted(ids)


def test_small_communities_are_no_segment(shop: Driver) -> None:
    result = run_segments(shop, backend=Backend.PYTHON, min_size=26)

    assert [p.size for p in result.profiles] == [30]
    assert result.unassigned == 25
    assert len(_assignment(shop)) == 30


def test_gds_on_a_server_with_it_is_detected(shop: Driver) -> None:
    assert gds_available(shop)


def test_bad_settings_are_bad_input(shop: Driver) -> None:
    with pytest.raises(BadInput, match="resolution"):
        run_segments(shop, resolution=0)
    with pytest.raises(BadInput, match="Louvain"):
        run_segments(shop, algorithm=Algorithm.LOUVAIN, resolution=2.0)
    with pytest.raises(BadInput, match="min_size"):
        run_segments(shop, min_size=0)
    with pytest.raises(BadInput, match="bipartite Leiden runs in Python only"):
        run_segments(shop, algorithm=Algorithm.BIPARTITE_LEIDEN, backend=Backend.GDS)


def test_bipartite_leiden_on_auto_runs_in_python(shop: Driver) -> None:
    result = run_segments(shop, algorithm=Algorithm.BIPARTITE_LEIDEN, min_size=5)
    assert result.communities.backend is Backend.PYTHON
    assert sorted(p.size for p in result.profiles) == [25, 30]


def test_cli_runs_segments_and_writes_the_report(
    neo4j_settings: Settings, shop: Driver, tmp_path: Path
) -> None:
    ran = run_cli(neo4j_settings, "segments", "run", "--backend", "python", "--min-size", "5")
    assert ran.returncode == 0, ran.stderr
    assert "2 segments" in ran.stderr and "55 users in segments" in ran.stderr

    out = tmp_path / "report"
    (out / "audiences").mkdir(parents=True)
    (out / "audiences" / "seg-0099.csv").write_text("user_id\nold-run-user\n", encoding="utf-8")
    reported = run_cli(neo4j_settings, "segments", "report", "--out", str(out))
    assert reported.returncode == 0, reported.stderr

    assignment = _assignment(shop)
    audiences = sorted((out / "audiences").glob("*.csv"))
    # an earlier report's audience (segment gone, maybe forgotten users) does not survive
    assert [a.stem for a in audiences] == sorted(set(assignment.values()))
    for audience in audiences:
        with audience.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert {row["user_id"] for row in rows} == {
            user for user, segment in assignment.items() if segment == audience.stem
        }
    page = (out / "segments.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 2  # sizes and the lift heat map
    assert "Nails" in page and "Eyes" in page
    markdown = (out / "segments.md").read_text(encoding="utf-8")
    assert "modularity" in markdown and "Categories by lift: Nails" in markdown


def test_report_before_any_run_is_a_clear_error(
    neo4j_settings: Settings, empty_db: Driver, tmp_path: Path
) -> None:
    result = run_cli(neo4j_settings, "segments", "report", "--out", str(tmp_path))
    assert result.returncode == 1
    assert "segments run" in result.stderr and "Traceback" not in result.stderr


def _graphql(driver: Driver, query: str, **variables: Any) -> tuple[Any, list[Any]]:
    context = make_context(driver, TEST_PSEUDONYMIZER)
    result = asyncio.run(build_schema().execute(query, variables, context_value=context))
    return result.data, [(e.message, (e.extensions or {}).get("code")) for e in result.errors or []]


SEGMENTS_PAGE = """
query ($after: String) {
  segments(first: 1, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id label size share profile { categories { name lift share } } } }
  }
}
"""
MEMBERS_PAGE = """
query ($id: ID!, $after: String) {
  segment(id: $id) {
    size
    members(first: 7, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { userPseudonym centrality } }
    }
  }
}
"""


def test_graphql_pages_through_segments_and_members(shop: Driver) -> None:
    _write(shop, {pseudonym("shopper"): [*NAIL_ITEMS, "bestseller"]})
    run_segments(shop, backend=Backend.PYTHON, min_size=5)
    assignment = _assignment(shop)

    first, errors = _graphql(shop, SEGMENTS_PAGE)
    assert errors == []
    page = first["segments"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"]
    nails = page["edges"][0]["node"]
    assert (nails["size"], nails["profile"]["categories"][0]["name"]) == (31, "Nails")
    second, _ = _graphql(shop, SEGMENTS_PAGE, after=page["pageInfo"]["endCursor"])
    assert not second["segments"]["pageInfo"]["hasNextPage"]
    assert second["segments"]["edges"][0]["node"]["label"].startswith("Eyes · ")

    members: list[str] = []
    centralities: list[float] = []
    after = None
    while True:
        data, errors = _graphql(shop, MEMBERS_PAGE, id=nails["id"], after=after)
        assert errors == []
        connection = data["segment"]["members"]
        members += [e["node"]["userPseudonym"] for e in connection["edges"]]
        centralities += [e["node"]["centrality"] for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert sorted(members) == sorted(u for u, s in assignment.items() if s == nails["id"])
    assert len(set(members)) == len(members) == connection["totalCount"] == 31
    assert centralities == sorted(centralities, reverse=True)

    data, errors = _graphql(shop, '{ user(id: "shopper") { segment { id label } } }')
    assert errors == [] and data["user"]["segment"]["id"] == nails["id"]


def test_graphql_unknown_segment_and_bad_cursors_are_typed_errors(shop: Driver) -> None:
    run_segments(shop, backend=Backend.PYTHON, min_size=5)

    _, errors = _graphql(shop, '{ segment(id: "seg-9999") { id } }')
    assert errors == [("no segment with id 'seg-9999'", "NOT_FOUND")]
    for cursor in ("garbage", "WyJtZW1iZXIiLCBbMSwgInUiXV0="):  # the second: a member cursor
        _, errors = _graphql(shop, SEGMENTS_PAGE, after=cursor)
        assert [code for _, code in errors] == ["BAD_INPUT"]
    _, errors = _graphql(shop, "{ segments(first: 0) { totalCount } }")
    assert [code for _, code in errors] == ["BAD_INPUT"]


def test_a_segments_cursor_of_an_earlier_run_is_bad_input(shop: Driver) -> None:
    run_segments(shop, backend=Backend.PYTHON, min_size=5)
    data, _ = _graphql(shop, SEGMENTS_PAGE)
    cursor = data["segments"]["pageInfo"]["endCursor"]
    run_segments(shop, backend=Backend.PYTHON, min_size=5)

    _, errors = _graphql(shop, SEGMENTS_PAGE, after=cursor)

    assert errors == [
        ("the segments were recomputed since this cursor: start from the first", "BAD_INPUT")
    ]
