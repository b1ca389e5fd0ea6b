"""Streams the "one line per user" layout of benchmark datasets into canonical event chunks.

Graph-recommender benchmarks (Tmall multi-behaviour, Gowalla in the LightGCN split) store each
file as lines ``user item item ...``, ids being non-negative integers, separated by tabs or
spaces. Neither timestamps nor positions are given, and no item metadata. Files are read line by
line and events leave in chunks of ``chunk_rows`` rows, so memory is bounded by a chunk and the
set of distinct item ids, never by the number of events.

A line that cannot be used becomes a :class:`Reject` and the run goes on: ``not utf-8``,
``blank line``, ``non-numeric user id`` (the whole line), ``no items``; a bad token only rejects
itself (``non-numeric item id``) and the rest of its line is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from interestgraph.errors import BadInput
from interestgraph.ingest.report import Reject
from interestgraph.ingest.source import (
    EVENT_COLUMNS,
    ITEM_COLUMNS,
    LINE_COLUMN,
    SOURCE_COLUMN,
    require_dataset_folder,
)

# events also say where they were read, so that rows the ingest path refuses can be found
LOCATED_EVENT_COLUMNS = [*EVENT_COLUMNS, SOURCE_COLUMN, LINE_COLUMN]
_NUMERIC_ID = re.compile(r"[0-9]{1,32}")


@dataclass(frozen=True)
class InteractionFile:
    """One file of the layout and the canonical event type of every interaction in it."""

    path: Path
    type: str


def numeric_id(token: str) -> str | None:
    """The id of a token that is a non-negative integer, in plain decimal; None otherwise.

    >>> numeric_id("0042"), numeric_id("7"), numeric_id("7a"), numeric_id("-1")
    ('42', '7', None, None)
    """
    if not _NUMERIC_ID.fullmatch(token):
        return None
    return token.lstrip("0") or "0"


def require_files(folder: Path, names: Sequence[str]) -> list[Path]:
    """The paths of ``names`` in ``folder``.

    Raises:
        BadInput: the folder or one of the files is missing.
    """
    require_dataset_folder(folder)
    paths = [folder / name for name in names]
    for path in paths:
        if not path.is_file():
            raise BadInput(f"dataset file not found: {path}")
    return paths


def read_interactions(
    path: Path, rejects: list[Reject] | None
) -> Iterator[tuple[int, str, list[str]]]:
    """``(line number, user id, item ids)`` of each usable line of ``path``, in file order.

    Args:
        path: a file of the layout.
        rejects: where unusable lines and tokens go (table ``events``, with the line's raw user
            token so the rejects file can show its pseudonym); None to skip them silently, for
            a second pass over a file whose rejects are recorded by the first.

    Raises:
        BadInput: the file cannot be opened or read.
    """

    def reject(number: int, reason: str, raw: str, user: str | None) -> None:
        if rejects is not None:
            rejects.append(Reject(path.name, number, reason, raw, "events", user))

    try:
        with path.open("rb") as lines:
            for number, raw in enumerate(lines, start=1):
                try:
                    text = raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError:
                    text = raw.decode("utf-8", "replace").rstrip("\r\n")
                    reject(number, "not utf-8", text, next(iter(text.split()), None))
                    continue
                tokens = text.split()
                if not tokens:
                    reject(number, "blank line", text, None)
                    continue
                user = numeric_id(tokens[0])
                if user is None:
                    reject(number, "non-numeric user id", text, tokens[0])
                    continue
                if len(tokens) == 1:
                    reject(number, "no items", text, tokens[0])
                    continue
                items: list[str] = []
                for token in tokens[1:]:
                    item = numeric_id(token)
                    if item is None:
                        reject(number, "non-numeric item id", token, tokens[0])
                    else:
                        items.append(item)
                if items:
                    yield number, user, items
    except OSError as e:
        raise BadInput(f"cannot read {path}: {e.strerror or e}") from e


class _EventBuffer:
    """Columns of the events read and not yet handed out."""

    def __init__(self) -> None:
        self.columns: dict[str, list[object]] = {
            name: [] for name in ("user_id", "item_id", "type", SOURCE_COLUMN, LINE_COLUMN)
        }

    def __len__(self) -> int:
        return len(self.columns["user_id"])

    def add_line(self, user: str, items: list[str], kind: str, source: str, line: int) -> None:
        """The events of one line: each item with the line's user, type and location."""
        n = len(items)
        self.columns["item_id"].extend(items)
        for name, value in (("user_id", user), ("type", kind), (SOURCE_COLUMN, source)):
            self.columns[name].extend([value] * n)
        self.columns[LINE_COLUMN].extend([line] * n)

    def take(self, rows: int) -> pd.DataFrame:
        """The first ``rows`` buffered events as one canonical frame, removed from the buffer."""
        frame = pd.DataFrame({name: values[:rows] for name, values in self.columns.items()})
        for values in self.columns.values():
            del values[:rows]
        for column in ("event_id", "timestamp", "seq", "value"):
            frame[column] = None
        return frame[LOCATED_EVENT_COLUMNS]


def event_chunks(
    files: Sequence[InteractionFile], chunk_rows: int, rejects: list[Reject]
) -> Iterator[pd.DataFrame]:
    """Canonical event frames of exactly ``chunk_rows`` rows (the last one shorter), files in
    the given order, lines and tokens in file order; no timestamp, seq, value or event id."""
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    buffer = _EventBuffer()
    for file in files:
        for number, user, items in read_interactions(file.path, rejects):
            buffer.add_line(user, items, file.type, file.path.name, number)
            while len(buffer) >= chunk_rows:
                yield buffer.take(chunk_rows)
    if len(buffer):
        yield buffer.take(len(buffer))


def item_chunks(files: Sequence[InteractionFile], chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Canonical item frames holding only ids: every item some usable line names, by number.

    Reads the files once more without recording rejects (the event pass records them); holds
    the set of distinct item ids, not the events.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    ids: set[str] = set()
    for file in files:
        for _, _, tokens in read_interactions(file.path, None):
            ids.update(tokens)
    ordered = sorted(ids, key=int)
    for start in range(0, len(ordered), chunk_rows):
        frame = pd.DataFrame({"id": ordered[start : start + chunk_rows]}, dtype=object)
        for column in ITEM_COLUMNS[1:]:
            frame[column] = None
        yield frame[list(ITEM_COLUMNS)]
