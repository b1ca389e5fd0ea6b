"""Ingest: any source read by an adapter into canonical tables, then one path into the graph."""

from interestgraph.ingest.adapters import ADAPTERS
from interestgraph.ingest.canonical import ingest_source
from interestgraph.ingest.report import IngestReport, Reject, TableCounts
from interestgraph.ingest.source import CanonicalSource

__all__ = ["ADAPTERS", "CanonicalSource", "IngestReport", "Reject", "TableCounts", "ingest_source"]
