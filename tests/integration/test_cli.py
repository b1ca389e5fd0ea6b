"""The command line as users run it: a real process against the real test server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from neo4j import Driver

from cli_runner import run_cli
from graph_builder import pseudonym
from interestgraph.config import Settings

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_cypher_prints_rows_as_json_lines(neo4j_settings: Settings, empty_db: Driver) -> None:
    empty_db.execute_query("UNWIND ['b', 'a'] AS id CREATE (:Brand {id: id, name: toUpper(id)})")
    result = run_cli(
        neo4j_settings,
        "cypher",
        "MATCH (b:Brand) WHERE b.id IN $ids RETURN b.id AS id, b.name AS name ORDER BY id",
        "--param",
        'ids=["a", "b"]',
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows == [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]


def test_bad_cypher_is_one_line_error(neo4j_settings: Settings) -> None:
    result = run_cli(neo4j_settings, "cypher", "MATCH (n RETURN n")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: Neo4j rejected the query")


def test_wrong_password_is_one_line_error(neo4j_settings: Settings) -> None:
    result = run_cli(neo4j_settings, "cypher", "RETURN 1", NEO4J_PASSWORD="wrong-password")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "refused user 'neo4j'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_dataset_is_one_line_error(neo4j_settings: Settings, tmp_path: Path) -> None:
    result = run_cli(neo4j_settings, "ingest", "amazon-beauty", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert str(tmp_path / "nowhere") in result.stderr


@pytest.mark.parametrize(
    ("source", "folder"),
    [("tmall", "tmall-multibehavior"), ("lcrec", "amazon-office"), ("gowalla", "gowalla")],
)
def test_ingest_without_path_reads_the_dataset_folder_under_data(
    neo4j_settings: Settings, tmp_path: Path, source: str, folder: str
) -> None:
    result = run_cli(neo4j_settings, "ingest", source, INTERESTGRAPH_DATA=str(tmp_path))
    assert result.returncode == 1
    assert f"dataset folder not found: {tmp_path / folder}" in " ".join(result.stderr.split())


def test_pseudonym_prints_the_graph_ids_of_shop_ids(neo4j_settings: Settings) -> None:
    result = run_cli(neo4j_settings, "pseudonym", "alice@shop", "bob")

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"alice@shop\t{pseudonym('alice@shop')}\nbob\t{pseudonym('bob')}\n"


def test_help_lists_every_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "interestgraph", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, COLUMNS="200"),
    )
    for command in (
        *("db", "cypher", "ingest", "topics", "interests", "train", "serve", "demo"),
        *("pseudonym", "forget", "fold-in", "segments"),
    ):
        assert f" {command} " in result.stdout


def test_ingest_help_documents_sources_and_the_canonical_format() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "interestgraph", "ingest", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, COLUMNS="200"),
    )
    text = " ".join(result.stdout.split())
    for source in ("amazon-beauty", "canonical", "lcrec", "tmall", "gowalla"):
        assert source in text
    for words in ("items.csv", "view|click|add_to_cart|purchase|rate", "follower_id, followee_id"):
        assert words in text
    assert "docs/canonical-format.md" in text


def test_unknown_ingest_source_names_the_known_ones(neo4j_settings: Settings) -> None:
    result = run_cli(neo4j_settings, "ingest", "shopify", "/tmp")
    assert result.returncode == 2
    assert "'shopify' is none of amazon-beauty, canonical" in " ".join(result.stderr.split())


def test_train_picks_the_model_and_writes_back_only_vector_models(
    neo4j_settings: Settings, empty_db: Driver, tmp_path: Path
) -> None:
    ingested = run_cli(neo4j_settings, "ingest", "amazon-beauty", str(FIXTURES / "beauty_tiny"))
    assert ingested.returncode == 0, ingested.stderr

    knn = run_cli(neo4j_settings, "train", "--model", "itemknn")
    assert knn.returncode == 0, knn.stderr
    output = " ".join((knn.stdout + knn.stderr).split())  # the report goes to the console
    assert "itemknn test metrics" in output
    assert "no embeddings written" in output
    stored = empty_db.execute_query(
        "MATCH (u:User) WHERE u.embedding IS NOT NULL RETURN count(u) AS n"
    ).records[0]["n"]
    assert stored == 0

    for model in ("mf-bpr", "sasrec", "hetero-sage"):
        trained = run_cli(
            neo4j_settings,
            *("train", "--model", model, "--epochs", "2"),
            *("--logdir", str(tmp_path / "tb"), "--checkpoints", str(tmp_path / "ckpt")),
        )
        assert trained.returncode == 0, trained.stderr
        output = " ".join((trained.stdout + trained.stderr).split())
        assert f"{model} test metrics" in output
    assert "embeddings written: " in output  # hetero-sage: a vector model
    runs = sorted(neo4j_settings.runs_dir.glob("*.json"))
    models = {json.loads(path.read_text())["model"] for path in runs}
    assert {"itemknn", "mf-bpr", "sasrec", "hetero-sage"} <= models
    for model in ("mf-bpr", "sasrec", "hetero-sage"):
        assert list((tmp_path / "ckpt").glob(f"{model}-*.pt"))
        assert list((tmp_path / "tb").glob(f"{model}-*/events.out.tfevents.*"))


def test_train_unknown_model_is_one_line_error(neo4j_settings: Settings) -> None:
    result = run_cli(neo4j_settings, "train", "--model", "deepfm")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "unknown model 'deepfm'" in result.stderr
