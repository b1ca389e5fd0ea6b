"""Small helpers the table cleaners share: where a row came from, and how a refused row reads."""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

import pandas as pd

from interestgraph.ingest.cleaning import is_missing
from interestgraph.ingest.source import LINE_COLUMN, SOURCE_COLUMN

T = TypeVar("T")
REDACTED_USER = "[unreadable user id]"


def records(frame: pd.DataFrame, columns: Iterable[str]) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts of plain values over ``columns`` (absent ones None)."""
    present = [c for c in columns if c in frame.columns]
    rows: list[dict[str, Any]] = frame[present].to_dict("records")  # type: ignore[assignment]
    missing = [c for c in columns if c not in frame.columns]
    for row in rows:
        for column in missing:
            row[column] = None
    return rows


class RowLocator:
    """Source file and line of each row, from the adapter's ``_source``/``_line`` columns, else
    the table name and the row's number in the stream of that table (from 1)."""

    def __init__(self, table: str) -> None:
        self.table = table
        self._rows = 0

    def locate(self, frame: pd.DataFrame) -> list[tuple[str, int]]:
        n = len(frame)
        start, self._rows = self._rows, self._rows + n
        sources = frame[SOURCE_COLUMN].tolist() if SOURCE_COLUMN in frame else [self.table] * n
        lines = (
            frame[LINE_COLUMN].tolist()
            if LINE_COLUMN in frame
            else list(range(start + 1, start + n + 1))
        )
        return [
            (str(s) if not is_missing(s) else self.table, int(line) if not is_missing(line) else i)
            for i, (s, line) in enumerate(zip(sources, lines, strict=True), start=start + 1)
        ]


def raw_row(row: dict[str, Any]) -> str:
    """A refused row as JSON text for the rejects file (values the JSON encoder cannot write
    shown as text)."""
    shown = {k: (None if _scalar_missing(v) else v) for k, v in row.items()}
    return json.dumps(shown, ensure_ascii=False, default=str)


def _scalar_missing(value: object) -> bool:
    return not isinstance(value, list | tuple | dict) and is_missing(value) and value != ""


def shown_user(raw: object, pseudonym: Callable[[str], str]) -> str | None:
    """What a refused row may show for a raw user id: its pseudonym, or a marker."""
    if is_missing(raw):
        return None
    if isinstance(raw, str | int) and not isinstance(raw, bool):
        return pseudonym(str(raw))
    return REDACTED_USER


def map_values(values: list[Any], function: Callable[[Any], T]) -> list[T]:
    """``function`` of each value, computed once per distinct hashable value."""
    cache: dict[tuple[type, Hashable], T] = {}
    out: list[T] = []
    for value in values:
        if isinstance(value, Hashable) and not isinstance(value, float):
            key = (type(value), value)  # 1, 1.0 and True are equal keys but different ids
            if key not in cache:
                cache[key] = function(value)
            out.append(cache[key])
        else:
            out.append(function(value))
    return out
