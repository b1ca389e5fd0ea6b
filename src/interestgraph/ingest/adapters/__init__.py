"""Adapters: one function per source layout, each reading its files into a CanonicalSource.

``ADAPTERS`` maps the source names of ``interestgraph ingest <source>`` to them; everything after
the adapter is one code path (:func:`interestgraph.ingest.canonical.ingest_source`).
"""

from collections.abc import Callable
from pathlib import Path

from interestgraph.ingest.adapters.amazon_beauty import read_amazon_beauty
from interestgraph.ingest.adapters.canonical import read_canonical
from interestgraph.ingest.adapters.gowalla import read_gowalla
from interestgraph.ingest.adapters.lcrec import read_lcrec
from interestgraph.ingest.adapters.tmall import read_tmall
from interestgraph.ingest.source import CanonicalSource

ADAPTERS: dict[str, Callable[[Path], CanonicalSource]] = {
    "amazon-beauty": read_amazon_beauty,
    "canonical": read_canonical,
    "gowalla": read_gowalla,
    "lcrec": read_lcrec,
    "tmall": read_tmall,
}

__all__ = [
    "ADAPTERS",
    "read_amazon_beauty",
    "read_canonical",
    "read_gowalla",
    "read_lcrec",
    "read_tmall",
]
