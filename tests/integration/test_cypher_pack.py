"""The Cypher exploration pack (cypher/explore/) against a small hand-built graph in a real Neo4j.

Every file runs with the parameters of its own `:param` line, numbers sent as floats the way
Neo4j Browser sends them, so the documented parameters are proven to work as pasted. The fixture
graph holds every label and relationship the pack reads, including the issue 4 interest semantics
(Topic, HAS_TOPIC, INTERESTED_IN), built by hand here, and exact vector indexes.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver, RoutingControl

pytestmark = pytest.mark.integration

PACK = Path(__file__).resolve().parents[2] / "cypher" / "explore"
FILES = sorted(PACK.glob("*.cypher"))

ALICE = "a11ce000000000000000000000000001"
BOB = "b0b00000000000000000000000000002"
CAROL = "ca201000000000000000000000000003"
DAVE = "da7e0000000000000000000000000004"

# 4-d vectors keep the arithmetic checkable by hand: for ALICE = (1, 0, 0, 0) an item's inner
# product is its first coordinate, and ALICE bought the best (SKIN01) and the fourth best (NAIL01).
ITEM_VECTORS: dict[str, tuple[float, ...] | None] = {
    "B000NAIL01": (0.7, 0.1, 0.0, 0.0),
    "B000NAIL02": (0.9, 0.2, 0.0, 0.0),
    "B000NAIL03": (0.8, -0.1, 0.0, 0.0),
    "B000FACE01": (0.5, 0.5, 0.0, 0.0),
    "B000MAKEUP": (0.3, 0.6, 0.0, 0.0),
    "B000SKIN01": (1.2, 0.0, 0.0, 0.0),
    "B000SKIN02": (0.1, 0.9, 0.0, 0.0),
    "B000ORPHAN": None,  # no category, brand, behaviour or embedding: the data-quality cases
}
USER_VECTORS = {
    ALICE: (1.0, 0.0, 0.0, 0.0),
    BOB: (0.8, 0.6, 0.0, 0.0),
    CAROL: (0.6, 0.8, 0.0, 0.0),
    DAVE: (0.0, 1.0, 0.0, 0.0),
}
DIM = 4
# Text vectors have the text model's 384 dimensions (docs/graph-model.md); these are padded.
TEXT_DIM = 384
TEXT_VECTORS = {
    "B000NAIL01": (1.0, 0.0, 0.0),
    "B000NAIL02": (0.9, 0.1, 0.0),
    "B000NAIL03": (0.8, 0.3, 0.0),
    "B000FACE01": (0.1, 1.0, 0.0),
    "B000MAKEUP": (0.5, 0.5, 0.0),
    "B000SKIN01": (0.0, 1.0, 0.2),
    "B000SKIN02": (0.1, 0.9, 0.1),
}
CATEGORIES = [
    ("Makeup", "Makeup", 0, None),
    ("Makeup > Nails", "Nails", 1, "Makeup"),
    ("Makeup > Face", "Face", 1, "Makeup"),
    ("Skin Care", "Skin Care", 0, None),
    ("Skin Care > Face", "Face", 1, "Skin Care"),
]
BRANDS = {"essie": "Essie", "opi": "OPI", "olay": "Olay", "loreal": "L'Oreal"}
ITEMS = {  # id: (category, brand)
    "B000NAIL01": ("Makeup > Nails", "essie"),
    "B000NAIL02": ("Makeup > Nails", "opi"),
    "B000NAIL03": ("Makeup > Nails", "essie"),
    "B000FACE01": ("Makeup > Face", "loreal"),
    "B000MAKEUP": ("Makeup", "loreal"),
    "B000SKIN01": ("Skin Care > Face", "olay"),
    "B000SKIN02": ("Skin Care > Face", "olay"),
}


def _at(day: int) -> str:
    return f"2026-01-{day:02d}T12:00:00Z"


# (user, type, item, properties): ALICE's edges carry times, the others sequence numbers.
BEHAVIOURS: list[tuple[str, str, str, dict[str, Any]]] = [
    (ALICE, "PURCHASED", "B000NAIL01", {"count": 2, "quantity": 2, "first": 1, "last": 5}),
    (ALICE, "PURCHASED", "B000SKIN01", {"count": 1, "quantity": 1, "first": 3, "last": 3}),
    (ALICE, "VIEWED", "B000NAIL02", {"count": 3, "first": 2, "last": 6}),
    (ALICE, "CLICKED", "B000NAIL02", {"count": 1, "first": 6, "last": 6}),
    (ALICE, "ADDED_TO_CART", "B000NAIL02", {"count": 1, "quantity": 1, "first": 6, "last": 6}),
    (ALICE, "RATED", "B000NAIL01", {"count": 1, "rating": 5, "first": 7, "last": 7}),
    (BOB, "PURCHASED", "B000NAIL01", {"count": 1, "quantity": 1, "seq": 0}),
    (BOB, "PURCHASED", "B000NAIL02", {"count": 1, "quantity": 1, "seq": 1}),
    (BOB, "PURCHASED", "B000SKIN01", {"count": 1, "quantity": 1, "seq": 2}),
    (BOB, "VIEWED", "B000FACE01", {"count": 1, "seq": 3}),
    (CAROL, "PURCHASED", "B000NAIL02", {"count": 1, "quantity": 1, "seq": 0}),
    (CAROL, "PURCHASED", "B000MAKEUP", {"count": 1, "quantity": 1, "seq": 1}),
    (CAROL, "VIEWED", "B000SKIN02", {"count": 1, "seq": 2}),
    (DAVE, "VIEWED", "B000FACE01", {"count": 1, "seq": 0}),
]
TOPICS = {
    "topic-0": (
        "nail · polish · lacquer",
        {"B000NAIL01": 0.9, "B000NAIL02": 0.8, "B000NAIL03": 0.6},
    ),
    "topic-1": ("face · moisturizer", {"B000SKIN01": 1.0, "B000SKIN02": 0.7, "B000FACE01": 0.4}),
}
# (user, label, target id, score, evidence)
INTERESTS = [
    (ALICE, "Category", "Makeup > Nails", 1.0, 8),
    (ALICE, "Category", "Makeup", 0.9, 8),
    (ALICE, "Category", "Skin Care > Face", 0.2, 1),
    (ALICE, "Category", "Skin Care", 0.15, 1),
    (ALICE, "Brand", "essie", 1.0, 3),
    (ALICE, "Brand", "opi", 0.6, 5),
    (ALICE, "Topic", "topic-0", 1.0, 8),
    (ALICE, "Topic", "topic-1", 0.2, 1),
    (BOB, "Category", "Makeup > Nails", 1.0, 2),
    (BOB, "Topic", "topic-1", 0.7, 2),
    (CAROL, "Category", "Makeup > Nails", 0.4, 1),
    (CAROL, "Topic", "topic-0", 0.5, 1),
]

# Exact (unquantised) indexes, as cypher/schema.cypher makes them, at the fixture's dimension.
INDEXES = {
    "item_embedding": ("Item", "embedding", DIM, "cosine"),
    "user_embedding": ("User", "embedding", DIM, "cosine"),
    "item_text_embedding": ("Item", "text_embedding", TEXT_DIM, "cosine"),
}


def _norm(v: tuple[float, ...]) -> float:
    return math.sqrt(sum(x * x for x in v))


def _cosine(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / (_norm(a) * _norm(b))


def _write_fixture(driver: Driver) -> None:
    with driver.session() as session:  # CALL ... IN TRANSACTIONS needs an implicit transaction
        session.run(
            "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
        ).consume()
    driver.execute_query(
        """
        UNWIND $categories AS c
        CREATE (:Category {id: c[0], name: c[1], level: c[2], path: split(c[0], ' > ')})
        WITH c WHERE c[3] IS NOT NULL
        MATCH (child:Category {id: c[0]}), (parent:Category {id: c[3]})
        CREATE (child)-[:SUBCATEGORY_OF]->(parent)
        """,
        categories=[list(c) for c in CATEGORIES],
    )
    driver.execute_query(
        "UNWIND $brands AS b CREATE (:Brand {id: b[0], name: b[1]})",
        brands=list(BRANDS.items()),
    )
    driver.execute_query(
        """
        UNWIND $items AS row
        CREATE (i:Item {id: row.id})
        SET i.embedding = row.embedding, i.text_embedding = row.text_embedding
        WITH i, row WHERE row.category IS NOT NULL
        MATCH (c:Category {id: row.category}), (b:Brand {id: row.brand})
        SET i.brand = b.name
        CREATE (i)-[:IN_CATEGORY]->(c), (i)-[:MADE_BY]->(b)
        """,
        items=[
            {
                "id": item,
                "embedding": list(v) if v else None,
                "text_embedding": (
                    [*TEXT_VECTORS[item], *([0.0] * (TEXT_DIM - 3))]
                    if item in TEXT_VECTORS
                    else None
                ),
                "category": ITEMS.get(item, (None, None))[0],
                "brand": ITEMS.get(item, (None, None))[1],
            }
            for item, v in ITEM_VECTORS.items()
        ],
    )
    driver.execute_query(
        "UNWIND $users AS u CREATE (:User {id: u.id, embedding: u.embedding})",
        users=[{"id": user, "embedding": list(v)} for user, v in USER_VECTORS.items()],
    )
    for behaviour in {b[1] for b in BEHAVIOURS}:
        rows = [
            {
                "user": user,
                "item": item,
                "count": p["count"],
                "quantity": p.get("quantity"),
                "rating": p.get("rating"),
                "first_at": _at(p["first"]) if "first" in p else None,
                "last_at": _at(p["last"]) if "last" in p else None,
                "seq": p.get("seq"),
            }
            for user, kind, item, p in BEHAVIOURS
            if kind == behaviour
        ]
        # The type is one of BEHAVIOURS' constants; Cypher takes no relationship type parameter.
        driver.execute_query(
            f"""
            UNWIND $rows AS row
            MATCH (u:User {{id: row.user}}), (i:Item {{id: row.item}})
            CREATE (u)-[r:{behaviour}]->(i)
            SET r.count = row.count, r.quantity = row.quantity, r.rating = row.rating,
                r.first_at = datetime(row.first_at), r.last_at = datetime(row.last_at),
                r.first_seq = row.seq, r.last_seq = row.seq
            """,
            rows=rows,
        )
    driver.execute_query(
        """
        UNWIND $topics AS t
        CREATE (topic:Topic {id: t.id, label: t.label, terms: split(t.label, ' · '),
                             size: size(t.members), run: 'fixture-run'})
        WITH topic, t
        UNWIND t.members AS m
        MATCH (i:Item {id: m[0]})
        CREATE (i)-[:HAS_TOPIC {weight: m[1]}]->(topic)
        """,
        topics=[
            {"id": k, "label": label, "members": [[i, w] for i, w in members.items()]}
            for k, (label, members) in TOPICS.items()
        ],
    )
    driver.execute_query(
        """
        UNWIND $interests AS row
        MATCH (u:User {id: row.user}), (t {id: row.target})
        WHERE row.label IN labels(t)
        CREATE (u)-[:INTERESTED_IN {score: row.score, evidence: row.evidence,
                                    last_at: datetime('2026-01-07T12:00:00Z')}]->(t)
        """,
        interests=[
            {"user": u, "label": label, "target": t, "score": s, "evidence": e}
            for u, label, t, s, e in INTERESTS
        ],
    )


def _create_segments(driver: Driver) -> None:
    """Two segments as `interestgraph segments run` stores them (segments/store.py)."""
    driver.execute_query(
        """
        CREATE (:SegmentRun {id: 'segments-test', current: true, algorithm: 'leiden',
                             backend: 'python', modularity: 0.41})
        CREATE (nails:Segment {id: 'seg-0001', label: 'Nails · OPI', size: 2, share: 0.5,
                               run: 'segments-test', top_category: ['Nails'],
                               top_category_lift: [2.0], top_brand: ['OPI']})
        CREATE (skin:Segment {id: 'seg-0002', label: 'Skin', size: 2, share: 0.5,
                              run: 'segments-test', top_category: ['Skin'],
                              top_category_lift: [1.5]})
        WITH nails, skin
        UNWIND $members AS member
        MATCH (u:User {id: member[0]}), (s:Segment {id: member[1]})
        CREATE (u)-[:IN_SEGMENT {centrality: member[2]}]->(s)
        SET u.segment = s.id
        WITH count(*) AS _
        UNWIND $similar AS pair
        MATCH (a:User {id: pair[0]}), (b:User {id: pair[1]})
        CREATE (a)-[:SIMILAR_TO {weight: pair[2]}]->(b)
        """,
        members=[
            [ALICE, "seg-0001", 0.8],
            [BOB, "seg-0001", 0.8],
            [CAROL, "seg-0002", 0.7],
            [DAVE, "seg-0002", 0.7],
        ],
        similar=[[ALICE, BOB, 0.8], [CAROL, DAVE, 0.7], [BOB, CAROL, 0.2]],
    )


def _create_indexes(driver: Driver, timeout_s: float = 60.0) -> None:
    for name, (label, prop, dims, similarity) in INDEXES.items():
        driver.execute_query("DROP INDEX $name IF EXISTS", name=name)
        # Index names, labels and properties are the fixed constants above.
        driver.execute_query(
            f"""
            CREATE VECTOR INDEX {name} FOR (n:{label}) ON n.{prop}
            OPTIONS {{indexConfig: {{`vector.dimensions`: $dims,
                                     `vector.similarity_function`: $similarity,
                                     `vector.quantization.enabled`: false}}}}
            """,
            dims=dims,
            similarity=similarity,
        )
    deadline = time.monotonic() + timeout_s
    while True:
        records, _, _ = driver.execute_query(
            "SHOW VECTOR INDEXES YIELD name, state WHERE name IN $names RETURN state",
            names=list(INDEXES),
        )
        if len(records) == len(INDEXES) and all(r["state"] == "ONLINE" for r in records):
            return
        assert time.monotonic() < deadline, "vector indexes not ONLINE in time"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def graph(neo4j_driver: Driver) -> Iterator[Driver]:
    """The fixture graph with ONLINE vector indexes; indexes dropped afterwards so a later
    ``apply_schema`` creates the product's own configuration."""
    _create_indexes(neo4j_driver)
    _write_fixture(neo4j_driver)
    _create_segments(neo4j_driver)
    try:
        yield neo4j_driver
    finally:
        for name in INDEXES:
            neo4j_driver.execute_query("DROP INDEX $name IF EXISTS", name=name)


# -- reading the pack ---------------------------------------------------------------------------

PARAM_LINE = re.compile(r"^// :param (\{.*\})\s*$", re.MULTILINE)


def _header(text: str) -> list[str]:
    lines = text.splitlines()
    return lines[: next(i for i, line in enumerate(lines) if not line.startswith("//"))]


def _body(text: str) -> str:
    """The query without comments (none of the pack's strings hold `//`)."""
    return "\n".join(line.split("//", 1)[0] for line in text.splitlines())


def browser_params(text: str) -> dict[str, Any]:
    """The file's `:param {...}` map as Neo4j Browser sends it: keys may be bare, numbers are
    JavaScript numbers and so arrive as floats."""
    match = PARAM_LINE.search(text)
    assert match, "no `// :param {...}` line"
    quoted = re.sub(r"([{,]\s*)([A-Za-z_]\w*)\s*:", r'\1"\2":', match.group(1))
    params: dict[str, Any] = json.loads(quoted)
    return {k: float(v) if isinstance(v, int) else v for k, v in params.items()}


def run_file(driver: Driver, name: str) -> list[dict[str, Any]]:
    text = (PACK / name).read_text(encoding="utf-8")
    records, _, _ = driver.execute_query(text, browser_params(text), routing_=RoutingControl.READ)
    return [r.data() for r in records]


def _ids(path: Path) -> str:
    return path.name


def test_pack_has_the_required_queries() -> None:
    assert len(FILES) >= 12
    assert all(re.fullmatch(r"\d\d-[a-z0-9-]+\.cypher", f.name) for f in FILES)
    assert len({f.name[:2] for f in FILES}) == len(FILES), "two files share a number"


@pytest.mark.parametrize("path", FILES, ids=_ids)
def test_file_header_documents_its_parameters(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    header = _header(text)
    assert re.fullmatch(rf"// {path.name[:2]} \S.*", header[0]), "first line: // NN Title"
    assert any(line.startswith("// Answers: ") for line in header)
    assert any(line.startswith("// Parameters:") for line in header)
    assert any(PARAM_LINE.match(line) for line in header), "`:param` line in the header"
    documented = set(browser_params(text))
    used = set(re.findall(r"\$(\w+)", _body(text)))
    assert used == documented, "the `:param` line sets exactly the parameters the query uses"
    described = {m for line in header for m in re.findall(r"^//\s+\$(\w+)\s", line)}
    assert described == documented, "each parameter is described under Parameters:"


@pytest.mark.parametrize("path", FILES, ids=_ids)
def test_file_takes_input_only_as_parameters(path: Path) -> None:
    body = _body(path.read_text(encoding="utf-8"))
    body = re.sub(r"reduce\(\s*\w+\s*=", "reduce(", body)  # an accumulator's start is no input
    # A literal in a property map or a comparison is where pasted-in user input would sit.
    assert not re.search(r"\{\s*\w+\s*:\s*['\"]", body), "literal in a property map"
    assert not re.search(
        r"(=|<>|<|>|\bIN|STARTS WITH|ENDS WITH|CONTAINS)\s*['\"]", body, re.IGNORECASE
    ), "literal compared with a value"
    assert not re.search(r"['\"]\s*\+\s*\$|\$\w+\s*\+\s*['\"]", body), "string building"


@pytest.mark.parametrize("path", FILES, ids=_ids)
def test_file_runs_with_its_documented_params(graph: Driver, path: Path) -> None:
    assert run_file(graph, path.name), "no rows on the fixture graph"


# -- the right rows, computed by hand from the fixture ------------------------------------------


def test_overview_counts_labels_and_types(graph: Driver) -> None:
    rows = {(r["kind"], r["name"]): r["count"] for r in run_file(graph, "01-graph-overview.cypher")}

    assert rows == {
        ("node", "User"): 4,
        ("node", "Item"): 8,
        ("node", "Category"): 5,
        ("node", "Brand"): 4,
        ("node", "Topic"): 2,
        ("relationship", "SUBCATEGORY_OF"): 3,
        ("relationship", "IN_CATEGORY"): 7,
        ("relationship", "MADE_BY"): 7,
        ("relationship", "PURCHASED"): 7,
        ("relationship", "VIEWED"): 4,
        ("relationship", "CLICKED"): 1,
        ("relationship", "ADDED_TO_CART"): 1,
        ("relationship", "RATED"): 1,
        ("relationship", "HAS_TOPIC"): 6,
        ("relationship", "INTERESTED_IN"): 12,
        ("node", "Segment"): 2,
        ("node", "SegmentRun"): 1,
        ("relationship", "IN_SEGMENT"): 4,
        ("relationship", "SIMILAR_TO"): 3,
    }


def test_overview_leaves_out_labels_only_the_schema_names(graph: Driver) -> None:
    # An index (or constraint) keeps its label in db.labels() with no node left: the ingest
    # ledger's IngestChunk in a graph whose ingest chunks were all deleted.
    graph.execute_query("CREATE INDEX ghost_name IF NOT EXISTS FOR (g:Ghost) ON (g.name)")
    try:
        rows = {(r["kind"], r["name"]) for r in run_file(graph, "01-graph-overview.cypher")}
    finally:
        graph.execute_query("DROP INDEX ghost_name IF EXISTS")

    assert ("node", "Ghost") not in rows
    assert ("node", "User") in rows


def test_interest_profile_groups_by_kind_strongest_first(graph: Driver) -> None:
    rows = run_file(graph, "02-user-interest-profile.cypher")

    assert [(r["kind"], r["id"], r["name"], r["score"], r["evidence"]) for r in rows] == [
        ("brand", "essie", "Essie", 1.0, 3),
        ("brand", "opi", "OPI", 0.6, 5),
        ("category", "Makeup > Nails", "Nails", 1.0, 8),
        ("category", "Makeup", "Makeup", 0.9, 8),
        ("category", "Skin Care > Face", "Face", 0.2, 1),
        ("category", "Skin Care", "Skin Care", 0.15, 1),
        ("topic", "topic-0", "nail · polish · lacquer", 1.0, 8),
        ("topic", "topic-1", "face · moisturizer", 0.2, 1),
    ]


def test_behaviour_history_counts_items_and_events_per_type(graph: Driver) -> None:
    rows = run_file(graph, "03-user-behaviour-history.cypher")

    assert [(r["behaviour"], r["items"], r["events"], r["item"]) for r in rows] == [
        ("ADDED_TO_CART", 1, 1, "B000NAIL02"),
        ("CLICKED", 1, 1, "B000NAIL02"),
        ("PURCHASED", 2, 3, "B000NAIL01"),  # last bought on the 5th
        ("PURCHASED", 2, 3, "B000SKIN01"),  # on the 3rd
        ("RATED", 1, 1, "B000NAIL01"),
        ("VIEWED", 1, 3, "B000NAIL02"),
    ]
    assert rows[4]["rating"] == 5


def test_similar_users_by_cosine_with_shared_purchases(graph: Driver) -> None:
    rows = run_file(graph, "04-similar-users.cypher")

    assert [r["user"] for r in rows] == [BOB, CAROL, DAVE]
    for row in rows:
        expected = _cosine(USER_VECTORS[ALICE], USER_VECTORS[row["user"]])
        assert row["cosine"] == pytest.approx(expected, abs=1e-6)
    assert [r["shared_purchases"] for r in rows] == [2, 0, 0]  # BOB also bought NAIL01, SKIN01


def test_recommendation_paths_skip_purchases_and_find_shortest_paths(graph: Driver) -> None:
    rows = run_file(graph, "05-recommendation-paths.cypher")

    # By ALICE's inner product (the first coordinate), SKIN01 and NAIL01 bought.
    assert [(r["item"], r["hops"]) for r in rows] == [
        ("B000NAIL02", 1),  # viewed, clicked, put in the cart
        ("B000NAIL03", 2),  # e.g. through her interest in Makeup > Nails
        ("B000FACE01", 2),  # through topic-1
        ("B000MAKEUP", 2),  # through her interest in Makeup
        ("B000SKIN02", 2),
    ]
    assert [r["score"] for r in rows] == pytest.approx([0.9, 0.8, 0.5, 0.3, 0.1])
    assert rows[0]["steps"] == [f"User {ALICE}", "Item B000NAIL02"]
    assert rows[1]["steps"][0] == f"User {ALICE}" and rows[1]["steps"][-1] == "Item B000NAIL03"


def test_category_tree_counts_direct_and_subtree_items(graph: Driver) -> None:
    rows = run_file(graph, "06-category-tree.cypher")

    assert [(r["id"], r["direct_items"], r["subtree_items"], r["subcategories"]) for r in rows] == [
        ("Makeup", 1, 5, 2),
        ("Makeup > Face", 1, 1, 0),
        ("Makeup > Nails", 3, 3, 0),
    ]
    assert rows[2]["tree"] == "    Nails"


def test_top_items_in_category_subtree_by_buyers(graph: Driver) -> None:
    rows = run_file(graph, "07-top-items-in-category.cypher")

    assert [(r["item"], r["buyers"]) for r in rows] == [
        ("B000NAIL01", 2),
        ("B000NAIL02", 2),
        ("B000MAKEUP", 1),
        ("B000FACE01", 0),
        ("B000NAIL03", 0),
    ]


def test_topic_spreads_over_categories_with_lift(graph: Driver) -> None:
    rows = run_file(graph, "09-topic-categories.cypher")

    # topic-0's three items all sit in Makeup > Nails (3 of 8 items) under Makeup (5 of 8).
    assert [(r["category"], r["items"], r["share"]) for r in rows] == [
        ("Makeup", 3, 1.0),
        ("Makeup > Nails", 3, 1.0),
    ]
    assert [r["weight"] for r in rows] == pytest.approx([2.3, 2.3])
    assert [r["lift"] for r in rows] == pytest.approx([8 / 5, 8 / 3])


def test_audience_above_min_score(graph: Driver) -> None:
    rows = run_file(graph, "10-audience.cypher")

    # CAROL's 0.4 is under the 0.5 threshold; equal scores rank by evidence.
    assert [(r["user"], r["score"], r["audience"], r["kind"]) for r in rows] == [
        (ALICE, 1.0, 2, "category"),
        (BOB, 1.0, 2, "category"),
    ]


def test_bought_together_with_confidence_and_lift(graph: Driver) -> None:
    rows = run_file(graph, "11-bought-together.cypher")

    # NAIL01's buyers: ALICE, BOB; 3 users bought anything; SKIN01 2 buyers, NAIL02 2.
    assert [(r["item"], r["together"]) for r in rows] == [("B000SKIN01", 2), ("B000NAIL02", 1)]
    assert [r["confidence"] for r in rows] == pytest.approx([1.0, 0.5])
    assert [r["lift"] for r in rows] == pytest.approx([2 * 3 / (2 * 2), 1 * 3 / (2 * 2)])


def test_brand_cooccurrence_ranks_by_lift(graph: Driver) -> None:
    rows = run_file(graph, "12-brand-cooccurrence.cypher")

    # Baskets: ALICE {Essie, Olay}, BOB {Essie, OPI, Olay}, CAROL {OPI, L'Oreal}.
    assert [(r["brand_a"], r["brand_b"], r["together"], r["lift"]) for r in rows] == [
        ("Essie", "Olay", 2, pytest.approx(2 * 3 / (2 * 2))),
        ("L'Oreal", "OPI", 1, pytest.approx(1 * 3 / (1 * 2))),
        ("Essie", "OPI", 1, pytest.approx(1 * 3 / (2 * 2))),
        ("Olay", "OPI", 1, pytest.approx(1 * 3 / (2 * 2))),
    ]


def test_similar_items_by_cosine(graph: Driver) -> None:
    rows = run_file(graph, "13-similar-items.cypher")

    anchor = ITEM_VECTORS["B000NAIL01"]
    assert anchor is not None
    cosines = {
        item: _cosine(anchor, v)
        for item, v in ITEM_VECTORS.items()
        if v is not None and item != "B000NAIL01"
    }
    assert [r["item"] for r in rows] == sorted(cosines, key=lambda i: -cosines[i])
    for row in rows:
        assert row["cosine"] == pytest.approx(cosines[row["item"]], abs=1e-6)


def test_similar_items_by_text_flag_shared_topic_and_brand(graph: Driver) -> None:
    rows = run_file(graph, "15-similar-items-by-text.cypher")

    anchor = TEXT_VECTORS["B000NAIL01"]
    cosines = {i: _cosine(anchor, v) for i, v in TEXT_VECTORS.items() if i != "B000NAIL01"}
    assert [r["item"] for r in rows] == sorted(cosines, key=lambda i: -cosines[i])
    assert [r["cosine"] for r in rows] == pytest.approx(sorted(cosines.values(), reverse=True))
    nail03 = next(r for r in rows if r["item"] == "B000NAIL03")
    assert (nail03["same_topic"], nail03["same_brand"], nail03["shared_buyers"]) == (True, True, 0)
    nail02 = next(r for r in rows if r["item"] == "B000NAIL02")
    assert (nail02["same_topic"], nail02["same_brand"], nail02["shared_buyers"]) == (True, False, 1)


def test_data_quality_finds_incomplete_nodes(graph: Driver) -> None:
    rows = {
        r["check"]: (r["count"], r["examples"]) for r in run_file(graph, "14-data-quality.cypher")
    }

    assert rows == {
        "items without brand": (1, ["B000ORPHAN"]),
        "items without category": (1, ["B000ORPHAN"]),
        "items without behaviour": (2, ["B000NAIL03", "B000ORPHAN"]),
        "items without embedding": (1, ["B000ORPHAN"]),
        "users with one event": (1, [DAVE]),
        "users without embedding": (0, []),  # a passing check still shows
    }


def test_segments_list_labels_lifts_and_key_users(graph: Driver) -> None:
    rows = run_file(graph, "16-segments.cypher")
    assert [(r["segment"], r["users"], r["categories"], r["key_users"]) for r in rows] == [
        ("seg-0001", 2, ["Nails ×2.0"], [ALICE, BOB]),
        ("seg-0002", 2, ["Skin ×1.5"], [CAROL, DAVE]),
    ]
    assert rows[0]["method"] == "leiden on python"


def test_segment_members_with_their_similar_fellow_members(graph: Driver) -> None:
    rows = run_file(graph, "17-segment-members.cypher")
    # BOB is also similar to CAROL, who is in the other segment: not a fellow member.
    assert [(r["user"], r["most_similar_members"]) for r in rows] == [
        (ALICE, [BOB]),
        (BOB, [ALICE]),
    ]
