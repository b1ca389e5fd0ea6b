"""Reads a folder of canonical tables, the format any shop can produce (docs/canonical-format.md).

The folder holds ``items``, ``events``, ``users`` and ``follows`` tables, any of them optional,
each as one ``.csv``, ``.jsonl`` or ``.parquet`` file (``events.csv``, ``items.jsonl``, ...).
Files are read in chunks of ``chunk_rows`` records. Lines that cannot be read (wrong encoding,
malformed CSV, unparseable JSON) become rejects here; everything else, including values that are
present but wrong, goes on to the one ingest path, which cleans, validates and refuses rows.

CSV values are text: ``categories`` are written ``"Office > Pens | Office > Paper"``,
``attributes`` as a JSON object, and any further item column is an extra attribute.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from interestgraph.errors import BadInput
from interestgraph.ingest.adapters.files import (
    Record,
    csv_header,
    csv_records,
    json_records,
    parquet_columns,
    parquet_records,
)
from interestgraph.ingest.report import TABLES, Reject
from interestgraph.ingest.source import (
    EVENT_COLUMNS,
    FOLLOW_COLUMNS,
    ITEM_COLUMNS,
    LINE_COLUMN,
    SOURCE_COLUMN,
    USER_COLUMNS,
    CanonicalSource,
    require_dataset_folder,
)

FORMATS = (".csv", ".jsonl", ".parquet")
COLUMNS = {
    "items": ITEM_COLUMNS,
    "events": EVENT_COLUMNS,
    "users": USER_COLUMNS,
    "follows": FOLLOW_COLUMNS,
}
REQUIRED = {
    "items": ("id",),
    "events": ("user_id", "item_id", "type"),
    "users": ("id",),
    "follows": ("follower_id", "followee_id"),
}


def table_files(folder: Path) -> dict[str, Path]:
    """The file of each canonical table present in ``folder``.

    Raises:
        BadInput: the folder is missing, holds none of the tables, holds one table in two
            formats, or a CSV/Parquet file lacks a required column.
    """
    require_dataset_folder(folder)
    files: dict[str, Path] = {}
    for table in TABLES:
        found = [
            folder / f"{table}{ext}" for ext in FORMATS if (folder / f"{table}{ext}").is_file()
        ]
        if len(found) > 1:
            names = ", ".join(p.name for p in found)
            raise BadInput(f"{folder} holds the {table} table twice ({names}): keep one")
        if found:
            files[table] = found[0]
    if not files:
        raise BadInput(
            f"{folder} holds no canonical table: expected items, events, users or follows "
            f"as {', '.join(FORMATS)} (see docs/canonical-format.md)"
        )
    for table, path in files.items():
        _check_columns(table, path)
    return files


def _check_columns(table: str, path: Path) -> None:
    if path.suffix == ".jsonl":
        return  # no header: a record without a required key is refused on its own
    columns = csv_header(path) if path.suffix == ".csv" else parquet_columns(path)
    missing = [c for c in REQUIRED[table] if c not in columns]
    if missing:
        raise BadInput(f"{path} has no column {', '.join(missing)} (columns: {columns})")


def _records(
    path: Path, table: str, chunk_rows: int, rejects: list[Reject]
) -> Iterator[tuple[int, Record]]:
    if path.suffix == ".csv":
        return csv_records(path, rejects, table)
    if path.suffix == ".jsonl":
        return json_records(path, rejects, table)
    return parquet_records(path, chunk_rows)


def _frame(rows: list[Record], table: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype=object)
    for column in COLUMNS[table]:
        if column not in frame.columns:
            frame[column] = None
    return frame


def _item_record(record: Record, from_csv: bool) -> Record:
    """An item's row with columns beyond the canonical ones folded into ``attributes``.

    CSV has no nested values: there ``attributes`` is a JSON object written as text. When
    ``attributes`` is not an object, it is left for the ingest path to drop and count, and the
    extra columns go with it.
    """
    row = {k: v for k, v in record.items() if k in ITEM_COLUMNS}
    attributes = row.get("attributes")
    if from_csv and isinstance(attributes, str):
        with contextlib.suppress(json.JSONDecodeError):
            attributes = json.loads(attributes)
    extra = {k: v for k, v in record.items() if k not in ITEM_COLUMNS and v is not None}
    if attributes is None or isinstance(attributes, dict):
        attributes = {**extra, **(attributes or {})} or None
    row["attributes"] = attributes
    return row


def _chunks(
    path: Path, table: str, chunk_rows: int, rejects: list[Reject]
) -> Iterator[pd.DataFrame]:
    rows: list[Record] = []
    for line, record in _records(path, table, chunk_rows, rejects):
        row = _item_record(record, path.suffix == ".csv") if table == "items" else record
        row[SOURCE_COLUMN] = path.name
        row[LINE_COLUMN] = line
        rows.append(row)
        if len(rows) == chunk_rows:
            yield _frame(rows, table)
            rows = []
    if rows:
        yield _frame(rows, table)


def read_canonical(path: Path, *, chunk_rows: int = 100_000) -> CanonicalSource:
    """The canonical tables in folder ``path`` as chunks of at most ``chunk_rows`` rows.

    Raises:
        BadInput: as :func:`table_files`, or ``chunk_rows`` < 1; later, while iterating, a
            Parquet file that cannot be read.
    """
    if chunk_rows < 1:
        raise BadInput(f"chunk_rows must be at least 1, got {chunk_rows}")
    files = table_files(path)
    rejects: list[Reject] = []

    def chunks(table: str) -> Iterator[pd.DataFrame]:
        if table in files:
            yield from _chunks(files[table], table, chunk_rows, rejects)

    return CanonicalSource(
        name="canonical",
        items=chunks("items"),
        events=chunks("events"),
        users=chunks("users"),
        follows=chunks("follows"),
        rejects=rejects,
    )
