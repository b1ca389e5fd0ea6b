"""Ingest: datasets read, cleaned and written into the interest graph."""

from interestgraph.ingest.amazon_beauty import BeautyTables, read_amazon_beauty
from interestgraph.ingest.pipeline import ingest_amazon_beauty
from interestgraph.ingest.report import IngestReport, Reject

__all__ = ["BeautyTables", "IngestReport", "Reject", "ingest_amazon_beauty", "read_amazon_beauty"]
