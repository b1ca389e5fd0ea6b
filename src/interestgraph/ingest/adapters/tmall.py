"""Reads the Tmall multi-behaviour dataset (IJCAI-15, MB-CGCN layout) as a canonical source.

Layout: ``{view,cart,buy}_{train,test}.txt``, one line per user, ``user<TAB>item<TAB>item ...``
(spaces are accepted too), ids non-negative integers kept as their decimal strings. Behaviours map
to canonical types: ``view`` → ``view``, ``cart`` → ``add_to_cart``, ``buy`` → ``purchase``.

Decisions:

- **No order.** The files carry no timestamps and no sequence: the order of items on a line is
  not the order of the behaviour, so events have neither ``timestamp`` nor ``seq`` (the
  canonical format allows events without either; their edges then carry counts only).
- **Held-out files are ingested too.** ``*_test.txt`` are real behaviour (one held-out
  interaction per user and behaviour), so the graph holds everything the shop saw: the six
  files in the order train (view, cart, buy) then test (view, cart, buy). The graph does not
  mark which events were held out; an evaluation on the published split reads it from the
  ``*_test.txt`` files themselves, which this adapter never changes.
- **Items are ids only**: the dataset has no item metadata.
- **Streaming**: events leave in chunks of ``chunk_rows`` rows, read line by line; items are the
  distinct ids of a first pass. Bad lines and tokens become rejects (see
  :mod:`interestgraph.ingest.adapters.interaction_lines`).
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

BEHAVIOUR_TYPES = {"view": "view", "cart": "add_to_cart", "buy": "purchase"}
SPLITS = ("train", "test")


def tmall_files(dataset_dir: Path) -> list[InteractionFile]:
    """The six files of the dataset in ingest order, each with its canonical event type.

    Raises:
        BadInput: the folder or one of the files is missing.
    """
    names = [f"{behaviour}_{split}.txt" for split in SPLITS for behaviour in BEHAVIOUR_TYPES]
    types = [BEHAVIOUR_TYPES[name.split("_")[0]] for name in names]
    paths = require_files(dataset_dir, names)
    return [InteractionFile(path, kind) for path, kind in zip(paths, types, strict=True)]


def read_tmall(path: Path, *, chunk_rows: int = 100_000) -> CanonicalSource:
    """The Tmall dataset in ``path`` as canonical chunks (events, id-only items; no users).

    Raises:
        BadInput: the folder or one of its six files is missing.
    """
    files = tmall_files(path)
    rejects: list[Reject] = []
    return CanonicalSource(
        name="tmall",
        items=item_chunks(files, chunk_rows),
        events=event_chunks(files, chunk_rows, rejects),
        users=[],
        follows=[],
        rejects=rejects,
    )
