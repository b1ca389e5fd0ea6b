"""Reads the Amazon Beauty dataset (S3-Rec layout) as a canonical source.

Layout: ``items.jsonl``, one object per item with ``asin``, ``brand`` and ``categories`` (a list
of paths); ``sequences.txt``, one line per user, ``reviewerID ASIN ASIN ...`` in time order. A
review stands for a purchase, so each ASIN of a line is a ``purchase`` event whose ``seq`` is its
position on the line (from 0); there are no timestamps, prices or ratings.

The adapter only maps the layout: lines it cannot map (wrong encoding, unparseable JSON, a line
without a user or without items, a second line for the same user) become rejects here; ids,
names and unknown items are checked by the one ingest path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from interestgraph.errors import BadInput
from interestgraph.ingest.adapters.files import json_records, numbered_lines
from interestgraph.ingest.report import Reject
from interestgraph.ingest.source import (
    EVENT_COLUMNS,
    ITEM_COLUMNS,
    LINE_COLUMN,
    SOURCE_COLUMN,
    CanonicalSource,
    require_dataset_folder,
)

ITEMS_FILE = "items.jsonl"
SEQUENCES_FILE = "sequences.txt"
PURCHASE = "purchase"


def _require_files(dataset_dir: Path) -> tuple[Path, Path]:
    require_dataset_folder(dataset_dir)
    paths = (dataset_dir / ITEMS_FILE, dataset_dir / SEQUENCES_FILE)
    for path in paths:
        if not path.is_file():
            raise BadInput(f"dataset file not found: {path}")
    return paths


def _item_chunks(path: Path, chunk_rows: int, rejects: list[Reject]) -> Iterator[pd.DataFrame]:
    rows: list[dict[str, object]] = []
    for line, record in json_records(path, rejects, "items"):
        rows.append(
            {
                "id": record.get("asin"),
                "brand": record.get("brand"),
                "categories": record.get("categories"),
                SOURCE_COLUMN: path.name,
                LINE_COLUMN: line,
            }
        )
        if len(rows) == chunk_rows:
            yield _frame(rows, ITEM_COLUMNS)
            rows = []
    if rows:
        yield _frame(rows, ITEM_COLUMNS)


def _event_chunks(path: Path, chunk_rows: int, rejects: list[Reject]) -> Iterator[pd.DataFrame]:
    rows: list[dict[str, object]] = []
    users: set[str] = set()
    for line, text in numbered_lines(path, rejects, "events"):
        tokens = text.split()

        def reject(reason: str, user: str | None, line: int = line, text: str = text) -> None:
            rejects.append(Reject(path.name, line, reason, text, "events", user))

        if not tokens:
            reject("blank line", None)
            continue
        if text[0].isspace():
            reject("missing user id", None)
            continue
        user, items = tokens[0], tokens[1:]
        if not items:
            reject("no items", user)
            continue
        if user in users:
            reject("second line for the user", user)
            continue
        users.add(user)
        for seq, item in enumerate(items):
            rows.append(
                {
                    "user_id": user,
                    "item_id": item,
                    "type": PURCHASE,
                    "seq": seq,
                    SOURCE_COLUMN: path.name,
                    LINE_COLUMN: line,
                }
            )
            if len(rows) == chunk_rows:
                yield _frame(rows, EVENT_COLUMNS)
                rows = []
    if rows:
        yield _frame(rows, EVENT_COLUMNS)


def _frame(rows: list[dict[str, object]], columns: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype=object)
    for column in columns:
        if column not in frame.columns:
            frame[column] = None
    return frame


def read_amazon_beauty(path: Path, *, chunk_rows: int = 100_000) -> CanonicalSource:
    """The dataset in folder ``path`` as canonical chunks: id/brand/category items and
    ``purchase`` events with ``seq``; no users table, no follows.

    Raises:
        BadInput: the folder or one of its two files is missing; ``chunk_rows`` < 1.
    """
    if chunk_rows < 1:
        raise BadInput(f"chunk_rows must be at least 1, got {chunk_rows}")
    items_path, sequences_path = _require_files(path)
    rejects: list[Reject] = []
    return CanonicalSource(
        name="amazon-beauty",
        items=_item_chunks(items_path, chunk_rows, rejects),
        events=_event_chunks(sequences_path, chunk_rows, rejects),
        rejects=rejects,
    )
