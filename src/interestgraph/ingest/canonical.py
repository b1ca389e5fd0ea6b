"""The one ingest path: a :class:`CanonicalSource` cleaned, validated, pseudonymised and written.

Tables stream through in chunks, in the order items, users, events, follows, so memory holds a
chunk (plus the catalogue's ids and brand spellings), never the events. Every refused row goes to
the rejects file with its reason, user ids replaced by pseudonyms.

Exactly once: nodes and catalogue edges are MERGEd, so writing them again is a no-op. Events are
cut into deterministic chunks of ``batch_size`` kept events; a chunk is applied in one
transaction that records ``(:IngestChunk {id})`` (a hash of its events), and every event's key is
kept on its edge. A re-run skips the chunks in the ledger; a run killed half-way (the process or
Neo4j) and started again re-reads its input and applies only what the ledger lacks; a file of
newer events adds its own chunks; an event already on its edge (however it was chunked before)
is counted as a duplicate, never twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from neo4j import Driver
from rich.progress import Progress, TaskID

from interestgraph.db.schema import apply_schema
from interestgraph.errors import BadInput
from interestgraph.ingest import writer
from interestgraph.ingest.events import EventChunk, EventChunker, EventCleaner
from interestgraph.ingest.items import ItemCleaner
from interestgraph.ingest.report import (
    UNATTRIBUTED,
    IngestReport,
    Reject,
    RejectsFile,
    safe_raw,
    table_of,
)
from interestgraph.ingest.source import CanonicalSource
from interestgraph.ingest.users import FollowCleaner, UserCleaner
from interestgraph.privacy import Pseudonymizer


class _Run:
    """State of one ingest run: the report, the rejects file, progress and adapter rejects."""

    def __init__(
        self,
        driver: Driver,
        source: CanonicalSource,
        pseudonymizer: Pseudonymizer,
        batch_size: int,
        rejects: RejectsFile,
        progress: Progress | None,
    ) -> None:
        self.driver = driver
        self.source = source
        self.pseudonym: Callable[[str], str] = pseudonymizer.user_id
        self.batch_size = batch_size
        self.rejects = rejects
        self.progress = progress
        self.report = IngestReport(source=source.name, rejects_path=rejects.path)
        self._adapter_rejects = 0

    def refuse(self, rejects: list[Reject]) -> None:
        """Count and write rejects of the ingest path (their ``raw`` is already safe)."""
        for reject in rejects:
            self.report.reject(reject.table or UNATTRIBUTED, reject.reason)
        self.rejects.write(rejects)

    def drain_adapter_rejects(self) -> None:
        """Count and write the rejects the adapter appended since the last call."""
        new = self.source.rejects[self._adapter_rejects :]
        self._adapter_rejects += len(new)
        shown = [
            Reject(r.source, r.line, r.reason, safe_raw(r, self.pseudonym), table_of(r))
            for r in new
        ]
        for reject in shown:  # rows the adapter read but could not hand on
            self.report.table(reject.table or UNATTRIBUTED).read += 1
        self.refuse(shown)

    def chunks(self, table: str, frames: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        """The table's chunks, with progress and adapter rejects drained after each."""
        task: TaskID | None = None
        if self.progress is not None:
            task = self.progress.add_task(f"ingest {table}", total=None)
        rows = 0
        for frame in frames:
            self.report.table(table).read += len(frame)
            yield frame
            self.drain_adapter_rejects()
            rows += len(frame)
            if self.progress is not None and task is not None:
                self.progress.update(task, completed=rows)
        self.drain_adapter_rejects()
        if self.progress is not None and task is not None:
            self.progress.update(task, completed=rows, total=rows)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.report.seconds[name] = time.perf_counter() - start


def ingest_source(
    driver: Driver,
    source: CanonicalSource,
    *,
    pseudonymizer: Pseudonymizer,
    batch_size: int = writer.DEFAULT_BATCH_SIZE,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Load ``source`` into the graph of docs/graph-model.md, exactly once (see the module doc).

    Args:
        driver: an open driver.
        source: the adapter's canonical tables.
        pseudonymizer: turns shop user ids into the ids the graph holds.
        batch_size: rows per write transaction, and events per ledger chunk: keep it the same
            when resuming, so the ledger skips whole chunks (a different size is still exact,
            only slower, as event keys catch what was applied).
        rejects_path: where refused rows go as JSON lines (replaced on every run).
        progress: a rich display to show rows read per table on.

    Raises:
        BadInput: ``batch_size`` < 1, or the adapter found its input unusable.
        DatabaseUnavailable: Neo4j went away; run again to resume.
    """
    if batch_size < 1:
        raise BadInput(f"batch size must be at least 1, got {batch_size}")
    with RejectsFile(rejects_path) as rejects:
        run = _Run(driver, source, pseudonymizer, batch_size, rejects, progress)
        with run.stage("schema"):
            apply_schema(driver)
            run.report.graph_before = writer.graph_counts(driver)
        with run.stage("items"):
            _ingest_items(run)
        with run.stage("users"):
            _ingest_users(run)
        with run.stage("events"):
            _ingest_events(run)
        with run.stage("follows"):
            _ingest_follows(run)
        run.drain_adapter_rejects()
        run.report.graph_after = writer.graph_counts(driver)
    run.report.tables = {name: c for name, c in run.report.tables.items() if c.read}
    return run.report


def _ingest_items(run: _Run) -> None:
    cleaner = ItemCleaner(run.report.cleaned)
    counts = run.report.table("items")
    for frame in run.chunks("items", run.source.items):
        rows = cleaner.clean(frame)
        run.refuse(rows.rejects)
        writer.write_rows(run.driver, writer.CATEGORIES_QUERY, rows.categories, run.batch_size)
        children = [c for c in rows.categories if c["parent"] is not None]
        writer.write_rows(run.driver, writer.SUBCATEGORY_OF_QUERY, children, run.batch_size)
        writer.write_rows(run.driver, writer.BRANDS_QUERY, rows.brands, run.batch_size)
        writer.write_rows(run.driver, writer.ITEMS_QUERY, rows.items, run.batch_size)
        counts.kept += len(rows.items)
    writer.write_rows(run.driver, writer.BRAND_NAMES_QUERY, cleaner.brand_names(), run.batch_size)


def _ingest_users(run: _Run) -> None:
    cleaner = UserCleaner(run.pseudonym, run.report.cleaned, datetime.now(UTC).date())
    counts = run.report.table("users")
    for frame in run.chunks("users", run.source.users):
        rows = cleaner.clean(frame)
        run.refuse(rows.rejects)
        writer.write_rows(run.driver, writer.USERS_QUERY, rows.users, run.batch_size)
        counts.kept += len(rows.users)


def _ingest_events(run: _Run) -> None:
    cleaner = EventCleaner(run.pseudonym, lambda ids: writer.known_items(run.driver, ids))
    chunker = EventChunker(run.batch_size)
    for frame in run.chunks("events", run.source.events):
        kept, rejects = cleaner.clean(frame)
        run.refuse(rejects)
        for chunk in chunker.add(kept):
            _apply(run, chunk)
    for chunk in chunker.flush():
        _apply(run, chunk)


def _apply(run: _Run, chunk: EventChunk) -> None:
    counts = run.report.table("events")
    result = writer.apply_event_chunk(run.driver, chunk, source=run.source.name)
    counts.deduplicated += chunk.duplicates
    if result.skipped:
        run.report.chunks_skipped += 1
        counts.already_applied += chunk.events
    else:
        run.report.chunks_applied += 1
        run.report.touched_users |= result.touched
        counts.kept += result.applied
        counts.deduplicated += result.duplicates


def _ingest_follows(run: _Run) -> None:
    cleaner = FollowCleaner(run.pseudonym)
    counts = run.report.table("follows")
    for frame in run.chunks("follows", run.source.follows):
        rows = cleaner.clean(frame)
        run.refuse(rows.rejects)
        before = writer.graph_counts(run.driver).get("FOLLOWS", 0)
        writer.write_follows(run.driver, rows.follows, run.batch_size)
        created = writer.graph_counts(run.driver).get("FOLLOWS", 0) - before
        counts.kept += created
        counts.deduplicated += rows.duplicates + len(rows.follows) - created
