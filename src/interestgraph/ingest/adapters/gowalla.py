"""Reads Gowalla check-ins in the LightGCN split (``train.txt``, ``test.txt``) as canonical tables.

Layout: one line per user, ``user item item ...`` separated by spaces (tabs accepted), ids
non-negative integers kept as their decimal strings; items are places.

Decisions:

- **A check-in is a ``purchase``.** It records that the user went to the place: a completed,
  deliberate act of consuming the item, the positive signal the LightGCN benchmark predicts, as a
  purchase is on Amazon. ``view`` or ``click`` would class it as browsing, which weights it as a
  weak signal next to purchases; ``rate`` would need a rating. No quantity is given.
- **No order**: no timestamps and no sequence, so events have neither (see the Tmall adapter).
- **Both files are ingested**, ``train.txt`` then ``test.txt``: the test check-ins are real
  behaviour. The graph does not mark them; an evaluation on the published split reads it from
  the files, which this adapter never changes.
- **Items are ids only**, streaming and rejects as in
  :mod:`interestgraph.ingest.adapters.interaction_lines`.
"""

from __future__ import annotations

from pathlib import Path

from interestgraph.ingest.adapters.interaction_lines import (
    InteractionFile,
    event_chunks,
    item_chunks,
    require_files,
)
from interestgraph.ingest.report import Reject
from interestgraph.ingest.source import CanonicalSource

FILES = ("train.txt", "test.txt")
CHECK_IN_TYPE = "purchase"


def read_gowalla(path: Path, *, chunk_rows: int = 100_000) -> CanonicalSource:
    """The Gowalla split in ``path`` as canonical chunks (check-in events, id-only items).

    Raises:
        BadInput: the folder, ``train.txt`` or ``test.txt`` is missing.
    """
    files = [InteractionFile(p, CHECK_IN_TYPE) for p in require_files(path, FILES)]
    rejects: list[Reject] = []
    return CanonicalSource(
        name="gowalla",
        items=item_chunks(files, chunk_rows),
        events=event_chunks(files, chunk_rows, rejects),
        users=[],
        follows=[],
        rejects=rejects,
    )
