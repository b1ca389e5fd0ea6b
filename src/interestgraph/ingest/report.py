"""What an ingest read, kept and refused, so that no input row disappears without a trace."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

RAW_LIMIT = 2000
TABLES = ("items", "users", "events", "follows")
# Adapter rejects that name no table: counted on a row of their own in the summary.
UNATTRIBUTED = "source"
REDACTED = "[redacted: this row may hold a shop user id; find it by source and line]"


@dataclass(frozen=True)
class Reject:
    """One input row (or one token of a row) that could not go into the graph, and why.

    Attributes:
        source: the input file (or table) it came from.
        line: its line or row number there (from 1).
        reason: why it was refused, e.g. ``"unknown item"``.
        raw: the row as read.
        table: the canonical table it belongs to (``items``, ``users``, ``events``,
            ``follows``), when known.
        user_id: the raw shop user id the row names, when the adapter could tell: the rejects
            file shows its pseudonym instead. A row of a user-bearing table (or of an unknown
            table) whose user id is unknown has its ``raw`` redacted, as it may hold one.
    """

    source: str
    line: int
    reason: str
    raw: str
    table: str | None = None
    user_id: str | None = None


@dataclass
class TableCounts:
    """Rows of one canonical table: ``read == kept + deduplicated + already_applied + rejected``.

    ``kept`` rows went into the graph in this run; ``deduplicated`` rows were exact duplicates of
    a row read before or already in the graph; ``already_applied`` events belong to chunks an
    earlier (possibly interrupted) run applied, per the chunk ledger.
    """

    read: int = 0
    kept: int = 0
    deduplicated: int = 0
    already_applied: int = 0
    rejected: int = 0


@dataclass
class IngestReport:
    """Counts of one ingest run.

    Attributes:
        source: the adapter's name.
        tables: rows per canonical table (and :data:`UNATTRIBUTED` adapter rejects).
        rejected: refused rows by (table, reason); each is a line of the rejects file.
        cleaned: values repaired or dropped rather than refused (decoded entities, merged brand
            spellings, personal user columns dropped, ...).
        graph_before, graph_after: nodes per label and relationships per type around the run.
        chunks_applied, chunks_skipped: event chunks written now, and found in the ledger.
        seconds: wall time per stage.
        rejects_path: where the refused rows were written, if anywhere.
        touched_users: pseudonyms of the users this run applied new events to, so derived
            per-user data (interest profiles) can be refreshed for exactly them.
    """

    source: str = ""
    tables: dict[str, TableCounts] = field(default_factory=dict)
    rejected: Counter[tuple[str, str]] = field(default_factory=Counter)
    cleaned: Counter[str] = field(default_factory=Counter)
    graph_before: dict[str, int] = field(default_factory=dict)
    graph_after: dict[str, int] = field(default_factory=dict)
    chunks_applied: int = 0
    chunks_skipped: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    rejects_path: Path | None = None
    touched_users: set[str] = field(default_factory=set)

    def table(self, name: str) -> TableCounts:
        """The counts of table ``name``, created empty on first use."""
        return self.tables.setdefault(name, TableCounts())

    def reject(self, table: str, reason: str, n: int = 1) -> None:
        """Count ``n`` rows of ``table`` refused for ``reason``."""
        self.table(table).rejected += n
        self.rejected[(table, reason)] += n

    @property
    def rejected_by_reason(self) -> Counter[str]:
        """Refused rows by reason, over all tables."""
        totals: Counter[str] = Counter()
        for (_, reason), n in self.rejected.items():
            totals[reason] += n
        return totals

    @property
    def created(self) -> dict[str, int]:
        """Nodes per label and relationships per type that this run added."""
        kinds = sorted(self.graph_before.keys() | self.graph_after.keys())
        return {k: self.graph_after.get(k, 0) - self.graph_before.get(k, 0) for k in kinds}

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def table_of(reject: Reject) -> str:
    """The canonical table of an adapter reject: its own, else its file's stem when that names
    a table (``events.csv``), else :data:`UNATTRIBUTED`."""
    if reject.table in TABLES:
        return reject.table
    stem = reject.source.split(".", 1)[0]
    return stem if stem in TABLES else UNATTRIBUTED


def safe_raw(reject: Reject, pseudonym: Callable[[str], str]) -> str:
    """The ``raw`` of an adapter reject as the rejects file may show it: no shop user ids."""
    raw = reject.raw
    if reject.user_id and reject.user_id.strip():
        shop_id = reject.user_id.strip()
        token = re.compile(rf"(?<![\w-]){re.escape(shop_id)}(?![\w-])")
        return token.sub(lambda _: pseudonym(shop_id), raw)
    if table_of(reject) == "items" or not raw.strip():
        return raw
    return REDACTED


class RejectsFile:
    """The rejects file of one run, one JSON object per refused row, written as rows come.

    The file of an earlier run is replaced; with no path, rejects are only counted.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._out: IO[str] | None = None

    def __enter__(self) -> RejectsFile:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._out = self.path.open("w", encoding="utf-8")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def write(self, rows: Iterable[Reject]) -> None:
        """Append rows whose ``raw`` is already safe to show (no shop user ids)."""
        if self._out is None:
            return
        for reject in rows:
            row = {
                "source": reject.source,
                "line": reject.line,
                "table": reject.table,
                "reason": reject.reason,
                "raw": reject.raw[:RAW_LIMIT],
            }
            self._out.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._out.flush()
