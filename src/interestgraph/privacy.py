"""Pseudonymous user ids and the right to be forgotten.

The graph never holds a shop's own user ids: ingest stores ``Pseudonymizer.user_id(shop_id)``, a
keyed hash (HMAC-SHA256, first 32 hex characters), and the API and CLI hash the ids apps send the
same way. Without the key a pseudonym cannot be linked back to the shop's id; with it the same id
always gives the same pseudonym, so re-ingest, incremental ingest and queries agree.

``forget_user`` removes everything the graph holds about one user in one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from neo4j import Driver, ManagedTransaction

from interestgraph.config import Settings
from interestgraph.errors import BadInput, NotFound

PSEUDONYM_HEX_CHARS = 32
MIN_KEY_BYTES = 16
GENERATED_KEY_BYTES = 32
REJECTS_DIR_NAME = "rejects"  # <home>/rejects/: ingest's refused rows, users shown by pseudonym

# Property by which a node other than the (:User) names the user it was derived from (per-user
# records kept apart from the user node, e.g. a stored interest profile). `forget_user` deletes
# every such node; modules that keep per-user records elsewhere must use it.
DERIVED_USER_PROPERTY = "user_id"

USER_FOOTPRINT_QUERY = """
MATCH (u:User {id: $user_id})
OPTIONAL MATCH (u)-[r]-()
WITH u, type(r) AS rel_type, count(DISTINCT r) AS n
RETURN u.embedding IS NOT NULL AS has_embedding,
       collect(CASE WHEN rel_type IS NULL THEN NULL ELSE [rel_type, n] END) AS relationships
"""

DERIVED_RECORDS_QUERY = f"""
MATCH (n)
WHERE n.{DERIVED_USER_PROPERTY} = $user_id AND NOT n:User
WITH n, labels(n) AS labels
OPTIONAL MATCH (n)-[r]-()
WITH n, labels, count(DISTINCT r) AS rels
DETACH DELETE n
RETURN labels, rels
"""

DELETE_USER_QUERY = """
MATCH (u:User {id: $user_id})
DETACH DELETE u
RETURN count(*) AS deleted
"""


@dataclass(frozen=True)
class ForgetReport:
    """What ``forget_user`` removed for one pseudonym."""

    user_id: str
    user_removed: bool
    embedding_removed: bool
    relationships: dict[str, int] = field(default_factory=dict)
    derived_records: dict[str, int] = field(default_factory=dict)
    derived_relationships: int = 0
    file_lines: int = 0

    @property
    def relationships_removed(self) -> int:
        """Every relationship deleted: the user's own and those of its derived records."""
        return sum(self.relationships.values()) + self.derived_relationships

    @property
    def nodes_removed(self) -> int:
        return int(self.user_removed) + sum(self.derived_records.values())

    def summary(self) -> str:
        """One line for the CLI."""
        rels = ", ".join(f"{n} {t}" for t, n in sorted(self.relationships.items())) or "none"
        derived = (
            ", ".join(f"{n} {label}" for label, n in sorted(self.derived_records.items())) or "none"
        )
        return (
            f"forgot user {self.user_id}: {self.nodes_removed} node(s), "
            f"{self.relationships_removed} relationship(s) ({rels}), "
            f"embedding {'removed' if self.embedding_removed else 'absent'}, "
            f"derived records: {derived}, lines in files: {self.file_lines}"
        )


class Pseudonymizer:
    """Maps a shop's user id to its pseudonym: HMAC-SHA256(key, id), first 32 hex characters.

    Surrounding whitespace is ignored and the id NFC-normalised, as ingest cleaning does, so the
    API and CLI give the same pseudonym for the ids apps send in any Unicode form.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise BadInput(
                f"the pseudonym key must be at least {MIN_KEY_BYTES} bytes long, got {len(key)}"
            )
        self._key = key

    def user_id(self, shop_user_id: str) -> str:
        """The pseudonym stored in the graph for ``shop_user_id``."""
        value = unicodedata.normalize("NFC", shop_user_id.strip())
        if not value:
            raise BadInput("a user id must not be blank")
        digest = hmac.new(self._key, value.encode("utf-8"), hashlib.sha256).hexdigest()
        return digest[:PSEUDONYM_HEX_CHARS]

    def __repr__(self) -> str:  # never show the key
        return f"{type(self).__name__}(key=<{len(self._key)} bytes>)"


def load_pseudonym_key(settings: Settings) -> bytes:
    """The pseudonym key: ``INTERESTGRAPH_PSEUDONYM_KEY``, else the one generated under ``home``.

    The generated key (64 hex characters from ``secrets``) is written once to
    ``<home>/pseudonym-key`` with mode 600 and reused afterwards; keys shorter than 16 bytes are
    refused, as they could be brute-forced.
    """
    if settings.pseudonym_key is not None:
        key = settings.pseudonym_key.get_secret_value().encode("utf-8")
        source = "INTERESTGRAPH_PSEUDONYM_KEY"
    else:
        path = settings.pseudonym_key_file
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            generated = secrets.token_hex(GENERATED_KEY_BYTES)
            try:
                # O_EXCL: two processes starting at once must not each write their own key.
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(generated + "\n")
        key = path.read_text(encoding="utf-8").strip().encode("utf-8")
        source = str(path)
    if len(key) < MIN_KEY_BYTES:
        raise BadInput(
            f"the pseudonym key from {source} is {len(key)} bytes; it must be at least "
            f"{MIN_KEY_BYTES}"
        )
    return key


def user_record_files(settings: Settings) -> list[Path]:
    """Files outside the graph that may name users by pseudonym: the ingest rejects files."""
    rejects = settings.home / REJECTS_DIR_NAME
    return sorted(p for p in rejects.rglob("*") if p.is_file()) if rejects.is_dir() else []


def create_pseudonymizer(settings: Settings) -> Pseudonymizer:
    """The pseudonymizer for the configured key."""
    return Pseudonymizer(load_pseudonym_key(settings))


def forget_user(driver: Driver, pseudonym: str, *, files: Iterable[Path] = ()) -> ForgetReport:
    """Delete the user ``pseudonym`` and everything derived from it.

    In one transaction: the (:User) node with its embedding and every relationship touching it,
    of any type (behaviours, FOLLOWS both ways, INTERESTED_IN, IN_SEGMENT, ...), and every other
    node that names the user in its ``user_id`` property (with its relationships). Then, once
    that is committed, every line naming the pseudonym in ``files`` (JSON-lines records kept
    outside the graph, such as ingest rejects files; see :func:`remove_lines_naming`).

    Raises:
        NotFound: neither the graph nor ``files`` hold anything of this user.
    """
    with driver.session() as session:
        report = session.execute_write(_forget, pseudonym)
    lines = sum(remove_lines_naming(path, pseudonym) for path in files)
    if report is None:
        if not lines:
            raise NotFound(f"no user {pseudonym} in the graph")
        report = ForgetReport(user_id=pseudonym, user_removed=False, embedding_removed=False)
    return replace(report, file_lines=lines)


def remove_lines_naming(path: Path, pseudonym: str) -> int:
    """Drop every line of the text file ``path`` that contains ``pseudonym``; the count dropped.

    A 32-hex-character pseudonym does not occur by chance, so a substring match finds the
    user's records whatever their layout. The file is rewritten next to itself and swapped in
    atomically, with its permissions, only when something was dropped.
    """
    if not path.is_file():
        return 0
    removed = 0
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with (
            path.open(encoding="utf-8", errors="surrogateescape", newline="") as source,
            os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape", newline="") as out,
        ):
            for line in source:
                if pseudonym in line:
                    removed += 1
                else:
                    out.write(line)
        if removed:
            tmp.chmod(stat.S_IMODE(path.stat().st_mode))
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return removed


def _forget(tx: ManagedTransaction, pseudonym: str) -> ForgetReport | None:
    params: dict[str, Any] = {"user_id": pseudonym}
    footprint = tx.run(USER_FOOTPRINT_QUERY, params).single()
    user_removed = False
    if footprint is not None:
        deleted = tx.run(DELETE_USER_QUERY, params).single()
        user_removed = deleted is not None and deleted["deleted"] > 0
    # After the user node: a derived record's edge to the user is counted once, as the user's.
    derived_records: dict[str, int] = {}
    derived_relationships = 0
    for record in tx.run(DERIVED_RECORDS_QUERY, params):
        label = ":".join(sorted(record["labels"])) or "(no label)"
        derived_records[label] = derived_records.get(label, 0) + 1
        derived_relationships += record["rels"]
    if footprint is None and not derived_records:
        return None
    return ForgetReport(
        user_id=pseudonym,
        user_removed=user_removed,
        embedding_removed=bool(footprint and footprint["has_embedding"]),
        relationships=(
            {rel_type: n for rel_type, n in footprint["relationships"]} if footprint else {}
        ),
        derived_records=derived_records,
        derived_relationships=derived_relationships,
    )
