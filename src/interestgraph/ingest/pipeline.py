"""Runs one ingest end to end: read and clean, apply the schema, write stage by stage, report."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from neo4j import Driver
from rich.progress import Progress

from interestgraph.db.schema import apply_schema
from interestgraph.errors import BadInput
from interestgraph.ingest import writer
from interestgraph.ingest.amazon_beauty import read_amazon_beauty
from interestgraph.ingest.report import IngestReport, write_rejects
from interestgraph.ingest.writer import DEFAULT_BATCH_SIZE, Advance, WriteResult

Writer = Callable[..., WriteResult]


def _advance(progress: Progress | None, description: str, total: int) -> Advance | None:
    """A callback moving a new progress bar for one stage, or None without a display."""
    if progress is None:
        return None
    task = progress.add_task(description, total=total)
    return lambda n: progress.advance(task, n)


def ingest_amazon_beauty(
    driver: Driver,
    dataset_dir: Path,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Load Amazon Beauty into the graph of docs/graph-model.md; running it again is a no-op.

    Nodes come first so that every relationship finds both ends by a constrained id. Refused
    rows are counted in the report and, when ``rejects_path`` is given, written there as JSON
    lines (the file is replaced on every run).

    Raises:
        BadInput: ``batch_size`` < 1, or the dataset folder or one of its files is missing.
        DatabaseUnavailable: Neo4j went away during the run.
    """
    if batch_size < 1:
        raise BadInput(f"batch size must be at least 1, got {batch_size}")
    report = IngestReport(rejects_path=rejects_path)

    start = time.perf_counter()
    reading = _advance(progress, f"read {dataset_dir.name}", 1)
    tables = read_amazon_beauty(dataset_dir)
    if rejects_path is not None:
        write_rejects(tables.rejects, rejects_path)
    if reading is not None:
        reading(1)
    report.read = dict(tables.read)
    report.cleaned = Counter(tables.cleaned)
    report.rejected = Counter(r.reason for r in tables.rejects)
    report.seconds["read"] = time.perf_counter() - start

    start = time.perf_counter()
    apply_schema(driver)
    report.seconds["schema"] = time.perf_counter() - start

    stages: list[tuple[str, Writer, pd.DataFrame]] = [
        ("brands", writer.write_brands, tables.brands),
        ("categories", writer.write_categories, tables.categories),
        ("items", writer.write_items, tables.items),
        ("users", writer.write_users, tables.users),
        ("subcategory_of", writer.write_subcategories, tables.categories.dropna(subset="parent")),
        ("in_category", writer.write_item_categories, tables.item_categories),
        ("made_by", writer.write_item_brands, tables.item_brands),
        ("purchased", writer.write_purchases, tables.purchases),
    ]
    for kind, write, frame in stages:
        start = time.perf_counter()
        result = write(
            driver,
            frame,
            batch_size=batch_size,
            advance=_advance(progress, f"write {kind}", len(frame)),
        )
        report.written[kind] = result.written
        report.created[kind] = result.created
        report.seconds[kind] = time.perf_counter() - start
    return report
