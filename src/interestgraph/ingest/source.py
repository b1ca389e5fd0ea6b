"""What every adapter hands the one ingest path: the canonical tables, as chunks of DataFrames.

docs/canonical-format.md describes the tables. An adapter maps its source's layout onto these
columns and nothing more: cleaning, validation, pseudonymisation and writing happen once, in
:func:`interestgraph.ingest.canonical.ingest_source`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from interestgraph.errors import BadInput
from interestgraph.ingest.report import Reject

if TYPE_CHECKING:
    import pandas as pd

ITEM_COLUMNS = (
    "id",
    "title",
    "description",
    "brand",
    "price",
    "currency",
    "categories",
    "attributes",
)
EVENT_COLUMNS = ("event_id", "user_id", "item_id", "type", "timestamp", "seq", "value")
USER_COLUMNS = ("id", "age_band", "gender", "region")
FOLLOW_COLUMNS = ("follower_id", "followee_id")
EVENT_TYPES = ("view", "click", "add_to_cart", "purchase", "rate")

# Optional columns locating a row in its input, for the rejects file: the file name and the line
# (or row) number. Rows without them are located by table name and row number in the stream.
SOURCE_COLUMN = "_source"
LINE_COLUMN = "_line"


@dataclass
class CanonicalSource:
    """What an adapter hands the one ingest path: canonical tables as chunks of DataFrames.

    Every iterable is consumed once, in the order items, users, events, follows; chunks should be
    bounded (``chunk_rows``), so memory does not grow with the input.

    Attributes:
        name: the source's name, e.g. ``"tmall"``; recorded with each applied event chunk.
        items: columns :data:`ITEM_COLUMNS`: ``categories`` a list of paths (each a list of
            names, top level first), ``attributes`` a dict of scalars or None.
        events: columns :data:`EVENT_COLUMNS` (absent values None/NaN), in a deterministic order.
        users: columns :data:`USER_COLUMNS` plus any raw personal columns (``birth_date``,
            ``email``, ...), which the ingest path converts to coarse values or drops and counts.
        follows: columns :data:`FOLLOW_COLUMNS` (user → user).
        rejects: rows the adapter itself could not map (malformed lines, unparseable JSON, wrong
            encoding); appended while the tables are iterated.
    """

    name: str
    items: Iterable[pd.DataFrame] = ()
    events: Iterable[pd.DataFrame] = ()
    users: Iterable[pd.DataFrame] = ()
    follows: Iterable[pd.DataFrame] = ()
    rejects: list[Reject] = field(default_factory=list)


def require_dataset_folder(folder: Path, hint: str = "") -> None:
    """Refuse a dataset path that is missing or is a file, saying which (``hint`` is appended).

    Raises:
        BadInput: ``folder`` does not exist or is not a directory.
    """
    suffix = f" ({hint})" if hint else ""
    if not folder.exists():
        raise BadInput(f"dataset folder not found: {folder}{suffix}")
    if not folder.is_dir():
        raise BadInput(f"dataset path is a file, not a folder: {folder}{suffix}")
