"""Pseudonyms: a keyed hash that is stable for one key and unlinkable without it; key handling."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from interestgraph.config import Settings
from interestgraph.errors import BadInput
from interestgraph.privacy import (
    ForgetReport,
    Pseudonymizer,
    create_pseudonymizer,
    load_pseudonym_key,
    remove_lines_naming,
)

KEY = b"0123456789abcdef-unit-test-key"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("INTERESTGRAPH_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("INTERESTGRAPH_HOME", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file


def test_pseudonym_is_the_truncated_hmac_sha256_of_the_id() -> None:
    expected = hmac.new(KEY, b"A1YJEY40YUW4SE", hashlib.sha256).hexdigest()[:32]

    assert Pseudonymizer(KEY).user_id("A1YJEY40YUW4SE") == expected
    assert len(expected) == 32 and int(expected, 16) >= 0


def test_pseudonym_is_deterministic_across_instances() -> None:
    ids = [f"user-{n}" for n in range(200)]

    first = [Pseudonymizer(KEY).user_id(i) for i in ids]
    second = [Pseudonymizer(bytes(KEY)).user_id(i) for i in ids]

    assert first == second
    assert len(set(first)) == len(ids)  # distinct ids, distinct pseudonyms
    assert not set(first) & set(ids)


def test_pseudonym_depends_on_the_key() -> None:
    other = KEY[:-1] + b"!"

    assert Pseudonymizer(KEY).user_id("u1") != Pseudonymizer(other).user_id("u1")


def test_surrounding_whitespace_is_ignored_like_ingest_cleaning() -> None:
    pseudonymizer = Pseudonymizer(KEY)

    assert pseudonymizer.user_id("  u1\t") == pseudonymizer.user_id("u1")
    assert pseudonymizer.user_id("U1") != pseudonymizer.user_id("u1")


def test_unicode_forms_of_one_id_are_one_user_like_ingest_cleaning() -> None:
    """Ingest NFC-normalises ids before hashing them (cleaning.clean_id): an app sending the
    decomposed form of the same id must reach the same user."""
    pseudonymizer = Pseudonymizer(KEY)

    assert pseudonymizer.user_id("Rene\u0301e") == pseudonymizer.user_id("Ren\u00e9e")


def test_blank_id_is_refused() -> None:
    with pytest.raises(BadInput, match="blank"):
        Pseudonymizer(KEY).user_id("   ")


@pytest.mark.parametrize("length", [0, 1, 15])
def test_short_key_is_refused(length: int) -> None:
    with pytest.raises(BadInput, match="at least 16 bytes"):
        Pseudonymizer(b"k" * length)


def test_repr_does_not_show_the_key() -> None:
    assert KEY.decode() not in repr(Pseudonymizer(KEY))


def test_configured_key_is_used_and_no_file_is_written(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", pseudonym_key=SecretStr("configured-key-0123"))

    assert load_pseudonym_key(settings) == b"configured-key-0123"
    assert not settings.pseudonym_key_file.exists()


def test_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INTERESTGRAPH_PSEUDONYM_KEY", "from-the-environment-key")

    settings = Settings(home=tmp_path)

    assert load_pseudonym_key(settings) == b"from-the-environment-key"
    assert "from-the-environment-key" not in repr(settings)


def test_short_configured_key_is_refused(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, pseudonym_key=SecretStr("too-short"))

    with pytest.raises(BadInput, match="INTERESTGRAPH_PSEUDONYM_KEY is 9 bytes"):
        load_pseudonym_key(settings)


def test_key_is_generated_once_with_owner_only_permissions(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "new-home")

    key = load_pseudonym_key(settings)

    path = tmp_path / "new-home" / "pseudonym-key"
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 32
    assert path.read_text(encoding="utf-8").strip().encode() == key
    # reused, not regenerated: the same ids keep their pseudonyms across runs
    assert load_pseudonym_key(settings) == key
    assert load_pseudonym_key(Settings(home=tmp_path / "new-home")) == key
    assert create_pseudonymizer(settings).user_id("u1") == Pseudonymizer(key).user_id("u1")


def test_generated_keys_differ_between_homes(tmp_path: Path) -> None:
    first = load_pseudonym_key(Settings(home=tmp_path / "a"))
    second = load_pseudonym_key(Settings(home=tmp_path / "b"))

    assert first != second


def test_short_key_file_is_refused(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    settings.pseudonym_key_file.write_text("short\n", encoding="utf-8")

    with pytest.raises(BadInput, match="pseudonym-key is 5 bytes"):
        load_pseudonym_key(settings)


def test_forget_report_summary_is_one_line() -> None:
    report = ForgetReport(
        user_id="abc",
        user_removed=True,
        embedding_removed=True,
        relationships={"VIEWED": 2, "FOLLOWS": 3},
        derived_records={"InterestProfile": 1},
        derived_relationships=1,
    )

    assert report.nodes_removed == 2
    assert report.relationships_removed == 6
    assert report.summary() == (
        "forgot user abc: 2 node(s), 6 relationship(s) (3 FOLLOWS, 2 VIEWED), "
        "embedding removed, derived records: 1 InterestProfile, lines in files: 0"
    )


def test_remove_lines_naming_drops_only_the_users_lines(tmp_path: Path) -> None:
    target, other = Pseudonymizer(KEY).user_id("u1"), Pseudonymizer(KEY).user_id("u2")
    path = tmp_path / "rejects.jsonl"
    path.write_text(
        f'{{"user_id": "{target}", "reason": "unknown item"}}\n'
        f'{{"user_id": "{other}", "reason": "bad timestamp"}}\n'
        f'{{"raw": "{target},i9,view", "reason": "malformed"}}\n'
        '{"raw": "<redacted>", "reason": "malformed"}\n',
        encoding="utf-8",
    )
    path.chmod(0o640)

    assert remove_lines_naming(path, target) == 2

    assert path.read_text(encoding="utf-8") == (
        f'{{"user_id": "{other}", "reason": "bad timestamp"}}\n'
        '{"raw": "<redacted>", "reason": "malformed"}\n'
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["rejects.jsonl"]  # no temporary file left


def test_remove_lines_naming_leaves_other_files_untouched(tmp_path: Path) -> None:
    path = tmp_path / "rejects.jsonl"
    path.write_bytes(b'{"user_id": "someone-else"}\n\xff odd bytes\n')
    before = path.stat()

    assert remove_lines_naming(path, Pseudonymizer(KEY).user_id("u1")) == 0
    assert remove_lines_naming(tmp_path / "missing.jsonl", "x" * 32) == 0

    assert path.read_bytes() == b'{"user_id": "someone-else"}\n\xff odd bytes\n'
    assert path.stat().st_ino == before.st_ino
