"""Settings: where credentials come from, and what the defaults mean."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from interestgraph.config import Settings
from interestgraph.errors import BadInput


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "NEO4J_URI",
        "NEO4J_USER",
        "NEO4J_PASSWORD",
        "INTERESTGRAPH_HOME",
        "INTERESTGRAPH_BOLT_PORT",
        "INTERESTGRAPH_DATA",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file


def test_local_server_by_default(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert settings.manages_local_server
    assert settings.bolt_uri == "bolt://127.0.0.1:7687"


def test_neo4j_uri_switches_to_existing_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", "neo4j+s://example.databases.neo4j.io")
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cret")
    settings = Settings()
    assert not settings.manages_local_server
    assert settings.bolt_uri == "neo4j+s://example.databases.neo4j.io"
    assert settings.password() == "s3cret"


def test_ports_and_home_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INTERESTGRAPH_HOME", str(tmp_path / "other"))
    monkeypatch.setenv("INTERESTGRAPH_BOLT_PORT", "17687")
    settings = Settings()
    assert settings.home == tmp_path / "other"
    assert settings.bolt_uri == "bolt://127.0.0.1:17687"


def test_generated_password_is_read_from_home(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    settings.password_file.write_text("generated-pw\n", encoding="utf-8")
    assert settings.password() == "generated-pw"
    assert Settings(home=tmp_path, neo4j_password=SecretStr("explicit")).password() == "explicit"


def test_missing_password_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="interestgraph db start"):
        Settings(home=tmp_path).password()
    with pytest.raises(BadInput, match="NEO4J_PASSWORD is not"):
        Settings(home=tmp_path, neo4j_uri="bolt://db:7687").password()
