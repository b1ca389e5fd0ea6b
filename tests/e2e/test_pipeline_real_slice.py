"""The product as a user runs it, on a slice of the real Amazon Beauty data.

`interestgraph demo --no-serve` (ingest, export, train, write-back) runs as a real process against
the test server, then `interestgraph serve` runs as another and is queried over HTTP.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from neo4j import Driver

from graph_builder import TEST_PSEUDONYM_KEY, pseudonym
from interestgraph.config import Settings
from interestgraph.db.server import find_free_port
from interestgraph.demo import DEMO_QUERY, pick_demo_subjects
from interestgraph.privacy import create_pseudonymizer

pytestmark = pytest.mark.e2e

SLICE_USERS = 400
DATASET = Settings().data_dir / "amazon-beauty"


def _write_slice(target: Path) -> tuple[int, int, int]:
    """The first users of sequences.txt and exactly the items they bought: (users, items, buys)."""
    if not (DATASET / "sequences.txt").is_file():
        pytest.fail(f"real dataset missing at {DATASET}: set INTERESTGRAPH_DATA")
    target.mkdir(parents=True)
    lines = (DATASET / "sequences.txt").read_text(encoding="utf-8").splitlines()[:SLICE_USERS]
    (target / "sequences.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    bought = [line.split()[1:] for line in lines]
    wanted = {item for items in bought for item in items}
    with (DATASET / "items.jsonl").open(encoding="utf-8") as source:
        rows = [row for row in source if json.loads(row)["asin"] in wanted]
    (target / "items.jsonl").write_text("".join(rows), encoding="utf-8")
    return len(lines), len(wanted), sum(len(items) for items in bought)


def _environment(settings: Settings, data_dir: Path, api_port: int) -> dict[str, str]:
    return dict(
        os.environ,
        NEO4J_URI=settings.bolt_uri,
        NEO4J_USER=settings.neo4j_user,
        NEO4J_PASSWORD=settings.password(),
        INTERESTGRAPH_HOME=str(settings.home),
        INTERESTGRAPH_DATA=str(data_dir),
        INTERESTGRAPH_API_PORT=str(api_port),
        INTERESTGRAPH_PSEUDONYM_KEY=TEST_PSEUDONYM_KEY,
        COLUMNS="160",
    )


@pytest.fixture(scope="module")
def trained_slice(
    neo4j_settings: Settings, neo4j_driver: Driver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, str], tuple[int, int, int], str]]:
    with neo4j_driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS").consume()
    data_dir = tmp_path_factory.mktemp("data")
    expected = _write_slice(data_dir / "amazon-beauty")
    env = _environment(neo4j_settings, data_dir, find_free_port())
    demo = subprocess.run(
        [sys.executable, "-m", "interestgraph", "demo", "--epochs", "3", "--no-serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    yield env, expected, demo.stderr


def test_demo_loads_the_slice_exactly_and_records_a_run(
    trained_slice: tuple[dict[str, str], tuple[int, int, int], str],
    neo4j_driver: Driver,
    neo4j_settings: Settings,
) -> None:
    _, (users, items, purchases), output = trained_slice
    records, _, _ = neo4j_driver.execute_query(
        "RETURN COUNT { (:User) } AS users, COUNT { (:Item) } AS items, "
        "COUNT { ()-[:PURCHASED]->() } AS purchases, "
        "COUNT { (i:Item) WHERE i.embedding IS NOT NULL } AS embedded, "
        "COUNT { (i:Item) WHERE size(i.text_embedding) = 384 } AS text_embedded, "
        "COUNT { (i:Item) WHERE COUNT { (i)-[:HAS_TOPIC]->(:Topic) } = 1 } AS one_topic, "
        "COUNT { (u:User) WHERE EXISTS { (u)-[:INTERESTED_IN]->(:Topic) } "
        "                  AND EXISTS { (u)-[:INTERESTED_IN]->(:Category) } } AS profiled, "
        "COUNT { (u:User) WHERE EXISTS { (u)-[:INTERESTED_IN]->(:Brand) } } AS brand_profiled, "
        "COUNT { (u:User) WHERE EXISTS { (u)-[:PURCHASED]->(:Item)-[:MADE_BY]->(:Brand) } } "
        "  AS bought_a_brand"
    )
    counts = dict(records[0])
    # some items have no brand: a user who bought only those has no brand interest
    assert counts.pop("brand_profiled") == counts.pop("bought_a_brand") > 0
    assert counts == {
        "users": users,
        "items": items,
        "purchases": purchases,
        "embedded": items,
        "text_embedded": items,  # Beauty has no titles: brand + category paths are the text
        "one_topic": items,
        "profiled": users,
    }
    topics, _, _ = neo4j_driver.execute_query("MATCH (t:Topic) RETURN t.label AS label")
    assert len(topics) >= 5
    assert all(" · " in r["label"] for r in topics), topics
    runs = sorted((neo4j_settings.home / "runs").glob("lightgcn-*.json"))
    assert runs, output
    run = json.loads(runs[-1].read_text(encoding="utf-8"))
    for key in ("recall@10", "recall@20", "ndcg@10", "ndcg@20", "hr@10", "hr@20"):
        assert 0.0 <= run["metrics"]["test"][key] <= 1.0
    assert run["dataset"]["users"] == users
    assert "hr" in output and "ndcg" in output


def test_graph_holds_no_raw_user_ids(
    trained_slice: tuple[dict[str, str], tuple[int, int, int], str], neo4j_driver: Driver
) -> None:
    env, (users, _, _), _ = trained_slice
    raw_ids = [row[0] for row in _slice_rows(env)]

    records, _, _ = neo4j_driver.execute_query(
        "MATCH (u:User) RETURN count(u) AS users, "
        "count(CASE WHEN u.id IN $raw_ids THEN 1 END) AS raw, "
        "count(CASE WHEN u.id IN $pseudonyms THEN 1 END) AS pseudonymised",
        raw_ids=raw_ids,
        pseudonyms=[pseudonym(raw) for raw in raw_ids],
    )

    assert dict(records[0]) == {"users": users, "raw": 0, "pseudonymised": users}


def _slice_rows(env: dict[str, str]) -> list[list[str]]:
    """The slice's sequences.txt as rows: shop user id, then the items in order."""
    sequences = Path(env["INTERESTGRAPH_DATA"]) / "amazon-beauty" / "sequences.txt"
    return [line.split() for line in sequences.read_text(encoding="utf-8").splitlines()]


def test_graphql_over_http_serves_the_trained_graph(
    trained_slice: tuple[dict[str, str], tuple[int, int, int], str],
    neo4j_driver: Driver,
    neo4j_settings: Settings,
) -> None:
    env, _, _ = trained_slice
    rows = _slice_rows(env)
    # The demo's subject: the shop's id of the longest history (every user got an embedding).
    subjects = pick_demo_subjects(
        neo4j_driver,
        Path(env["INTERESTGRAPH_DATA"]) / "amazon-beauty",
        create_pseudonymizer(neo4j_settings),
    )
    longest = min(rows, key=lambda row: (-len(row), row[0]))
    assert subjects == {"user": longest[0], "item": longest[-1]}
    user, item, bought = subjects["user"], subjects["item"], set(longest[1:])
    url = f"http://127.0.0.1:{env['INTERESTGRAPH_API_PORT']}"
    server = subprocess.Popen(
        [sys.executable, "-m", "interestgraph", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            assert time.monotonic() < deadline, "API did not come up"
            time.sleep(0.3)
        response = httpx.post(
            f"{url}/graphql",
            json={"query": DEMO_QUERY, "variables": {"user": user, "item": item}},
            timeout=30,
        ).json()
        assert "errors" not in response, response
        assert response["data"]["user"]["id"] == user
        recommended = [r["item"]["id"] for r in response["data"]["user"]["recommendations"]]
        assert len(recommended) == 5
        assert not set(recommended) & bought
        scores = [r["score"] for r in response["data"]["user"]["recommendations"]]
        assert scores == sorted(scores, reverse=True)
        interests = response["data"]["user"]["interests"]
        assert interests and all(0 < i["score"] <= 1 for i in interests)
        assert interests[0]["score"] == 1.0 and all(i["evidence"] >= 1 for i in interests)
        for recommendation in response["data"]["user"]["recommendations"]:
            path = recommendation["path"]
            assert recommendation["reason"], recommendation
            assert path[0] == {"kind": "USER", "name": user}
            assert path[-1]["kind"] == "ITEM" and len(path) in (3, 4)
        similar = [s["item"]["id"] for s in response["data"]["item"]["similar"]]
        assert len(similar) == 3 and item not in similar

        unknown = httpx.post(
            f"{url}/graphql",
            json={"query": '{ user(id: "no-such-user") { id } }'},
            timeout=30,
        ).json()
        assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert "Traceback" not in json.dumps(unknown)
    finally:
        server.terminate()
        server.wait(timeout=30)
