"""What an ingest read, wrote and refused, so that no input row disappears without a trace."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

RAW_LIMIT = 2000


@dataclass(frozen=True)
class Reject:
    """One input row (or one token of a row) that could not go into the graph, and why."""

    source: str
    line: int
    reason: str
    raw: str


@dataclass
class IngestReport:
    """Counts per kind and per stage of one ingest run.

    Attributes:
        read: what the input held per kind: lines for ``items`` and ``users``, item tokens of
            usable lines for ``purchases``, distinct raw spellings for ``brands``, distinct
            paths for ``categories``.
        written: rows MERGEd into Neo4j per node or relationship kind.
        created: nodes or relationships that did not exist before (0 everywhere on a re-run).
        rejected: rows refused, by reason; each is a line of the rejects file.
        cleaned: values repaired rather than refused (decoded entities, merged brand
            spellings, blank brands read as unknown).
        seconds: wall time per stage.
        rejects_path: where the refused rows were written, if anywhere.
    """

    read: dict[str, int] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    rejected: Counter[str] = field(default_factory=Counter)
    cleaned: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    rejects_path: Path | None = None

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def write_rejects(rejects: Iterable[Reject], path: Path) -> None:
    """Write one JSON object per refused row, replacing the file of an earlier run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for reject in rejects:
            row = asdict(reject)
            row["raw"] = reject.raw[:RAW_LIMIT]
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
