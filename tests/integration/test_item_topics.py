"""Item text embeddings and topics on the real Neo4j: hash caching, labels, atomic replacement."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from neo4j import Driver

from cli_runner import run_cli
from interestgraph.config import Settings
from interestgraph.errors import BadInput
from interestgraph.interests import refresh_interests
from interestgraph.semantics import TextEncoder, enrich_items
from interestgraph.semantics.item_text import DIMENSION, text_hash

pytestmark = pytest.mark.integration

# Three themes that share no words; each spreads over two category branches, so a topic can
# only be found from the text.
THEMES = {
    "pen": [
        "Lamy Safari fountain pen, medium nib, blue ink",
        "Pilot Metropolitan fountain pen with ink converter",
        "Fountain pen ink cartridges, royal blue, pack of five",
        "Refillable fountain pen with a fine steel nib",
    ],
    "coffee": [
        "Espresso coffee beans, dark roast, one kilo",
        "Whole bean coffee, medium roast arabica",
        "Ground coffee for espresso machines, intense roast",
        "Decaf coffee beans, smooth roast",
    ],
    "chair": [
        "Ergonomic office chair with lumbar support",
        "Mesh desk chair, adjustable armrests and height",
        "Executive leather office chair, high back",
        "Swivel task chair with padded seat",
    ],
}
CATEGORIES = [["Office", "Writing"], ["Office", "Furniture"], ["Kitchen", "Drinks"]]


def _item_id(theme: str, n: int) -> str:
    return f"{theme}-{n}"


def _write_catalogue(driver: Driver) -> None:
    rows = [
        {
            "id": _item_id(theme, n),
            "title": title,
            "brand": f"Brand {n % 2}",
            "category": " > ".join(CATEGORIES[n % 2 if theme != "coffee" else 2 - n % 2]),
        }
        for theme, titles in THEMES.items()
        for n, title in enumerate(titles)
    ]
    driver.execute_query(
        """
        UNWIND $paths AS path
        MERGE (c:Category {id: path[0] + ' > ' + path[1]})
        SET c.name = path[1], c.path = path, c.level = 1
        MERGE (top:Category {id: path[0]})
        SET top.name = path[0], top.path = [path[0]], top.level = 0
        MERGE (c)-[:SUBCATEGORY_OF]->(top)
        """,
        paths=CATEGORIES,
    )
    driver.execute_query(
        """
        UNWIND $rows AS row
        CREATE (i:Item {id: row.id, title: row.title, brand: row.brand})
        WITH i, row
        MATCH (c:Category {id: row.category})
        CREATE (i)-[:IN_CATEGORY]->(c)
        """,
        rows=rows,
    )


@pytest.fixture(scope="module")
def encoder() -> Iterator[TextEncoder]:
    """One real encoder for the module (loading it is the slow part)."""
    yield TextEncoder("cpu")


@pytest.fixture
def catalogue(empty_db: Driver) -> Driver:
    _write_catalogue(empty_db)
    return empty_db


def _topics(driver: Driver) -> list[dict[str, object]]:
    records, _, _ = driver.execute_query(
        """
        MATCH (t:Topic)
        OPTIONAL MATCH (i:Item)-[r:HAS_TOPIC]->(t)
        RETURN t.id AS id, t.label AS label, t.terms AS terms, t.size AS size, t.run AS run,
               collect(i.id) AS items, collect(r.weight) AS weights
        ORDER BY id
        """
    )
    return [record.data() for record in records]


def test_topics_follow_the_themes_and_reruns_reuse_the_cache(
    catalogue: Driver, encoder: TextEncoder
) -> None:
    first = enrich_items(catalogue, seed=42, min_topics=2, max_topics=6, encoder=encoder)
    assert (first.encoding.encoded, first.encoding.skipped) == (12, 0)
    assert first.k == 3
    topics = _topics(catalogue)
    assert [t["id"] for t in topics] == ["topic-0", "topic-1", "topic-2"]
    for theme, titles in THEMES.items():
        ids = {_item_id(theme, n) for n in range(len(titles))}
        (topic,) = [t for t in topics if set(t["items"]) == ids]  # type: ignore[call-overload]
        assert theme in str(topic["label"]), topic
        assert topic["size"] == 4
        assert topic["run"] == first.run_id
        assert all(0 < w <= 1 for w in topic["weights"])  # type: ignore[attr-defined]
    # the report sees each topic spread over two category branches
    assert {t.leaves for t in first.topics} == {2}

    records, _, _ = catalogue.execute_query(
        "MATCH (i:Item {id: 'pen-0'}) RETURN i.text_embedding AS v, i.text_hash AS h, "
        "i.text_model AS m, COUNT { (i)-[:HAS_TOPIC]->() } AS topics"
    )
    (pen,) = records
    assert len(pen["v"]) == DIMENSION
    assert pen["h"] == text_hash(
        "Lamy Safari fountain pen, medium nib, blue ink. Brand 0. Office > Writing"
    )
    assert pen["m"] == encoder.model_id
    assert pen["topics"] == 1

    second = enrich_items(catalogue, seed=42, min_topics=2, max_topics=6, encoder=encoder)
    assert (second.encoding.encoded, second.encoding.skipped) == (0, 12)
    assert second.run_id != first.run_id
    rerun = _topics(catalogue)
    assert len(rerun) == 3  # replaced, not added
    assert {t["run"] for t in rerun} == {second.run_id}
    assert [sorted(t["items"]) for t in rerun] == [sorted(t["items"]) for t in topics]  # type: ignore[type-var]

    catalogue.execute_query(
        "MATCH (i:Item {id: 'chair-3'}) SET i.title = 'Swivel task chair, black fabric'"
    )
    third = enrich_items(catalogue, seed=42, min_topics=2, max_topics=6, encoder=encoder)
    assert (third.encoding.encoded, third.encoding.skipped) == (1, 11)
    records, _, _ = catalogue.execute_query(
        "MATCH (i:Item)-[r:HAS_TOPIC]->(:Topic) RETURN i.id AS id, count(r) AS n"
    )
    assert len(records) == 12 and all(r["n"] == 1 for r in records)


def test_vector_index_and_topic_constraint_exist(catalogue: Driver, encoder: TextEncoder) -> None:
    enrich_items(catalogue, seed=1, min_topics=2, max_topics=4, encoder=encoder)
    records, _, _ = catalogue.execute_query(
        "SHOW INDEXES YIELD name, type, state, options WHERE name = 'item_text_embedding' "
        "RETURN type, state, options"
    )
    (index,) = records
    config = index["options"]["indexConfig"]
    assert (index["type"], index["state"]) == ("VECTOR", "ONLINE")
    assert config["vector.dimensions"] == DIMENSION
    assert config["vector.similarity_function"].lower() == "cosine"
    assert config["vector.quantization.enabled"] is False
    records, _, _ = catalogue.execute_query(
        "CALL db.index.vector.queryNodes('item_text_embedding', 3, $v) YIELD node "
        "RETURN node.id AS id",
        v=encoder.encode(["coffee beans for espresso"])[0].tolist(),
    )
    assert all(r["id"].startswith("coffee-") for r in records)
    records, _, _ = catalogue.execute_query(
        "SHOW CONSTRAINTS YIELD name WHERE name = 'topic_id' RETURN name"
    )
    assert len(records) == 1


def test_no_items_is_bad_input(empty_db: Driver) -> None:
    with pytest.raises(BadInput, match="no items in the graph"):
        enrich_items(empty_db, min_topics=2, max_topics=4)


def test_cli_topics_on_an_encoded_graph_prints_the_summary(
    neo4j_settings: Settings, catalogue: Driver, encoder: TextEncoder
) -> None:
    enrich_items(catalogue, seed=42, min_topics=2, max_topics=6, encoder=encoder)
    catalogue.execute_query(
        "MATCH (i:Item) WITH i ORDER BY i.id LIMIT 2 MERGE (u:User {id: 'buyer'}) "
        "CREATE (u)-[:PURCHASED {count: 1, first_seq: 0, last_seq: 0}]->(i)"
    )
    refresh_interests(catalogue)
    topic_interests = (
        "MATCH (:User {id: 'buyer'})-[:INTERESTED_IN]->(t:Topic) RETURN collect(t.run) AS runs"
    )
    before, _, _ = catalogue.execute_query(topic_interests)
    assert before[0]["runs"]
    args = ["topics", "--min-topics", "2", "--max-topics", "6", "--device", "cpu"]
    result = run_cli(neo4j_settings, *args)
    assert result.returncode == 0, result.stderr
    assert "0 encoded, 12 unchanged" in result.stderr
    assert "k = 3" in result.stderr
    assert "topic-2" in result.stderr
    # the new run replaced the topics, and with them the buyer's topic interests: rebuilt
    assert "interest profiles: 1 users" in result.stderr
    after, _, _ = catalogue.execute_query(topic_interests)
    assert after[0]["runs"] and not set(after[0]["runs"]) & set(before[0]["runs"])
    bad = run_cli(neo4j_settings, "topics", "--min-topics", "6", "--max-topics", "3")
    assert bad.returncode == 1
    assert bad.stderr == "error: --min-topics 6 is above --max-topics 3\n"
