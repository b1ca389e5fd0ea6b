"""Reads the LC-Rec JSON layout (the Amazon Office set and its siblings) as a canonical source.

Layout: a folder holding ``<Name>.inter.json``, ``{user_index: [item_index, ...]}`` with each
list in time order (oldest first), and ``<Name>.item.json``, ``{item_index: {title, description,
brand, categories}}`` where ``categories`` is one path joined with ", ".

Decisions:

- Every interaction is a ``purchase`` (the set is built from reviews of bought products) with
  ``seq`` = its position in the user's list; there are no timestamps, ratings or prices.
- Category paths are split by :func:`split_category_paths` (names may contain ", "), after
  entities and whitespace are normalised so that equal names compare equal.
- Titles, descriptions and brands are handed on as written: the ingest path cleans them once
  for every source (entities decoded, whitespace collapsed, case kept, so descriptions that
  shout in capitals still do; empty text absent). Keys other than the four known ones are
  handed on as item ``attributes`` (the ingest path keeps the scalar ones).
- Ids are the dataset's indices as decimal strings.
- Both files are JSON documents, read whole (they have no line structure to stream; the Office
  set is 3 MB); events still leave in chunks of ``chunk_rows``. A file that is not valid JSON
  is refused as a whole (:class:`BadInput`); a bad entry only rejects itself, its ``line``
  being its position among the document's entries (from 1). Reasons: ``not utf-8``,
  ``non-numeric item id`` / ``non-numeric user id``, ``duplicate item id`` / ``duplicate user
  id`` (a JSON object with a repeated key), ``not a json object`` (an item), ``not a json
  array`` (a user's list), ``no items``. A category path with a blank name is the ingest
  path's to drop and count (the item is kept).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from interestgraph.errors import BadInput
from interestgraph.ingest.adapters.category_paths import split_category_paths
from interestgraph.ingest.adapters.interaction_lines import LOCATED_EVENT_COLUMNS, numeric_id
from interestgraph.ingest.cleaning import clean_name
from interestgraph.ingest.report import Reject
from interestgraph.ingest.source import (
    ITEM_COLUMNS,
    LINE_COLUMN,
    SOURCE_COLUMN,
    CanonicalSource,
    require_dataset_folder,
)

INTER_SUFFIX = ".inter.json"
ITEM_SUFFIX = ".item.json"
LOCATED_ITEM_COLUMNS = [*ITEM_COLUMNS, SOURCE_COLUMN, LINE_COLUMN]
TEXT_FIELDS = ("title", "description", "brand")
EVENT_TYPE = "purchase"
# what decoding with "surrogateescape" makes of a byte that is not UTF-8
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


class _Pairs(list[tuple[str, Any]]):
    """A JSON object kept as its key/value pairs, so that a repeated key is seen, not lost."""


def _plain(value: Any) -> Any:
    if isinstance(value, _Pairs):
        return {key: _plain(v) for key, v in value}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _text(value: str) -> str:
    """``value`` with the bytes that were not UTF-8 shown as U+FFFD."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _raw(key: str, value: Any) -> str:
    """The entry as JSON text for the rejects file."""
    return _text(json.dumps({key: _plain(value)}, ensure_ascii=False))


def _has_bad_bytes(value: Any) -> bool:
    """Whether a decoded JSON value holds bytes that were not UTF-8 (escaped surrogates)."""
    if isinstance(value, str):
        return _ESCAPED_BYTE.search(value) is not None
    if isinstance(value, list):  # also _Pairs, whose items are (key, value) tuples
        return any(_has_bad_bytes(v) for v in value)
    if isinstance(value, tuple):
        return any(_has_bad_bytes(v) for v in value)
    return False


def find_files(folder: Path) -> tuple[Path, Path]:
    """The ``(<Name>.item.json, <Name>.inter.json)`` pair of an LC-Rec folder.

    Raises:
        BadInput: the folder is missing, or does not hold exactly one such pair.
    """
    require_dataset_folder(folder)
    inters = sorted(folder.glob(f"*{INTER_SUFFIX}"))
    if len(inters) != 1:
        raise BadInput(f"expected one *{INTER_SUFFIX} in {folder}, found {len(inters)}")
    items = inters[0].with_name(inters[0].name.removesuffix(INTER_SUFFIX) + ITEM_SUFFIX)
    if not items.is_file():
        raise BadInput(f"dataset file not found: {items}")
    return items, inters[0]


def _load_entries(path: Path) -> list[tuple[str, Any]]:
    """The top-level ``(key, value)`` entries of a JSON object file, in file order."""
    try:
        text = path.read_bytes().decode("utf-8", "surrogateescape")
    except OSError as e:
        raise BadInput(f"cannot read {path}: {e.strerror or e}") from e
    try:
        document = json.loads(text, object_pairs_hook=_Pairs)
    except json.JSONDecodeError as e:
        raise BadInput(f"{path}: invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}") from e
    if not isinstance(document, _Pairs):
        raise BadInput(f"{path}: expected a JSON object at the top level")
    return list(document)


def _item_entry(key: str, value: Any, seen: set[str]) -> tuple[str, _Pairs] | str:
    """The item id and fields of an item entry, or why the entry is refused."""
    item = numeric_id(key.strip())
    if _has_bad_bytes((key, value)):
        return "not utf-8"
    if item is None:
        return "non-numeric item id"
    if item in seen:
        return "duplicate item id"
    if not isinstance(value, _Pairs):
        return "not a json object"
    return item, value


def _read_items(path: Path, rejects: list[Reject]) -> list[dict[str, Any]]:
    """Canonical item rows (categories still as written), located in the file."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, (key, value) in enumerate(_load_entries(path), start=1):
        entry = _item_entry(key, value, seen)
        if isinstance(entry, str):
            rejects.append(Reject(path.name, number, entry, _raw(key, value), "items"))
            continue
        item, pairs = entry
        seen.add(item)
        fields = {name: _plain(field) for name, field in pairs}
        row = {name: fields.pop(name, None) for name in (*TEXT_FIELDS, "categories")}
        row.update(
            {
                "id": item,
                "price": None,
                "currency": None,
                "attributes": fields or None,
                SOURCE_COLUMN: path.name,
                LINE_COLUMN: number,
            }
        )
        rows.append(row)
    return rows


def _split_categories(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The item frame with each ", "-joined ``categories`` string as a list of one path."""
    joined = {
        row["categories"]: clean_name(row["categories"])
        for row in rows
        if isinstance(row["categories"], str) and row["categories"].strip()
    }
    split = split_category_paths(joined.values())
    for row in rows:
        text = row["categories"]
        if text in joined:
            row["categories"] = [list(split[joined[text]])]
        elif isinstance(text, str):
            row["categories"] = []
        # anything else goes on as it is: the ingest path drops and counts what it cannot use
    frame = pd.DataFrame(rows, columns=LOCATED_ITEM_COLUMNS, dtype=object)
    frame[LINE_COLUMN] = frame[LINE_COLUMN].astype("int64")
    return frame


def _events_frame(
    users: list[str], items: list[str], seqs: list[int], lines: list[int], source: str
) -> pd.DataFrame:
    frame = pd.DataFrame({"user_id": users, "item_id": items, "seq": seqs, LINE_COLUMN: lines})
    frame["type"] = EVENT_TYPE
    frame[SOURCE_COLUMN] = source
    for column in ("event_id", "timestamp", "value"):
        frame[column] = None
    return frame[LOCATED_EVENT_COLUMNS]


def _item_token(token: Any) -> str | None:
    if isinstance(token, bool):
        return None
    if isinstance(token, int):
        return str(token) if token >= 0 else None
    return numeric_id(token.strip()) if isinstance(token, str) else None


def _user_entry(key: str, value: Any, seen: set[str]) -> tuple[str, list[Any]] | str:
    """The user id and item tokens of an interaction entry, or why the entry is refused."""
    user = numeric_id(key.strip())
    if _has_bad_bytes((key, value)):
        return "not utf-8"
    if user is None:
        return "non-numeric user id"
    if user in seen:
        return "duplicate user id"
    if isinstance(value, _Pairs) or not isinstance(value, list):
        return "not a json array"
    if not value:
        return "no items"
    return user, value


def _event_chunks(
    entries: list[tuple[str, Any]], path: Path, chunk_rows: int, rejects: list[Reject]
) -> Iterator[pd.DataFrame]:
    """Purchase frames of ``chunk_rows`` rows, users in file order, each list in its order."""
    users: list[str] = []
    items: list[str] = []
    seqs: list[int] = []
    lines: list[int] = []
    seen: set[str] = set()
    for number, (key, value) in enumerate(entries, start=1):
        entry = _user_entry(key, value, seen)
        if isinstance(entry, str):
            rejects.append(Reject(path.name, number, entry, _raw(key, value), "events", _text(key)))
            continue
        user, tokens = entry
        seen.add(user)
        for seq, token in enumerate(tokens):
            item = _item_token(token)
            if item is None:
                raw = _raw(key, token)
                reject = Reject(path.name, number, "non-numeric item id", raw, "events", key)
                rejects.append(reject)
                continue
            users.append(user)
            items.append(item)
            seqs.append(seq)
            lines.append(number)
            if len(users) == chunk_rows:
                yield _events_frame(users, items, seqs, lines, path.name)
                users, items, seqs, lines = [], [], [], []
    if users:
        yield _events_frame(users, items, seqs, lines, path.name)


def _item_chunks(items: pd.DataFrame, chunk_rows: int) -> Iterator[pd.DataFrame]:
    for start in range(0, len(items), chunk_rows):
        yield items.iloc[start : start + chunk_rows].reset_index(drop=True)


def read_lcrec(path: Path, *, chunk_rows: int = 100_000) -> CanonicalSource:
    """The LC-Rec dataset in folder ``path`` as canonical chunks (items, purchases; no users).

    Both files are parsed here, so a broken file fails before anything is written; item
    rejects are recorded at once, event rejects while the events are iterated.

    Raises:
        BadInput: a file is missing, unreadable, not JSON or not a JSON object.
        ValueError: ``chunk_rows`` is below 1.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    item_path, inter_path = find_files(path)
    rejects: list[Reject] = []
    items = _split_categories(_read_items(item_path, rejects))
    entries = _load_entries(inter_path)
    return CanonicalSource(
        name="lcrec",
        items=_item_chunks(items, chunk_rows),
        events=_event_chunks(entries, inter_path, chunk_rows, rejects),
        users=[],
        follows=[],
        rejects=rejects,
    )
