"""Item enrichment in one call: encode changed item texts, cluster all of them into topics, write.

``enrich_items`` is what `interestgraph topics` and the demo run. It applies the schema first
(the ``item_text_embedding`` vector index and the ``topic_id`` constraint), and reports the
numbers worth printing: items encoded and skipped, the silhouette of each candidate k, and how
many top-level, second-level and leaf categories each topic's items come from (topics are found
from text, not from the category tree, and may cut across it).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from neo4j import Driver
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired
from rich.progress import Progress

from interestgraph.db.schema import apply_schema
from interestgraph.errors import BadInput, DatabaseUnavailable, InterestGraphError
from interestgraph.semantics.item_text import (
    EncodeStats,
    ItemText,
    TextEncoder,
    encode_items,
    model_id,
    read_item_texts,
    read_text_embeddings,
)
from interestgraph.semantics.topics import build_topics, choose_k, fit_topics, replace_topics

AWAIT_TEXT_INDEX_QUERY = "CALL db.awaitIndex('item_text_embedding', $timeout_s)"
DEFAULT_MIN_TOPICS = 5
DEFAULT_MAX_TOPICS = 40


@dataclass(frozen=True)
class TopicSummary:
    """One written topic and the spread of its items over the category tree."""

    id: str
    label: str
    terms: list[str]
    size: int
    top_levels: int
    second_levels: int
    leaves: int


@dataclass(frozen=True)
class TopicReport:
    """What one `enrich_items` run did; ``silhouette`` maps each candidate k to its score."""

    run_id: str
    model: str
    items: int
    encoding: EncodeStats
    k: int
    silhouette: dict[int, float]
    sample_size: int
    cluster_seconds: float
    write_seconds: float
    topics: list[TopicSummary] = field(default_factory=list)

    @property
    def criterion(self) -> str:
        return f"best mean silhouette (cosine) on a seeded sample of {self.sample_size:,} items"


def new_topic_run_id(now: datetime | None = None) -> str:
    """A sortable id such as ``topics-20250101-120000-123``."""
    now = now or datetime.now(UTC)
    return f"topics-{now:%Y%m%d-%H%M%S}-{now.microsecond // 1000:03d}"


def enrich_items(
    driver: Driver,
    *,
    seed: int = 42,
    min_topics: int = DEFAULT_MIN_TOPICS,
    max_topics: int = DEFAULT_MAX_TOPICS,
    device: str | None = None,
    encoder: TextEncoder | None = None,
    progress: Progress | None = None,
    index_timeout_s: float = 300.0,
) -> TopicReport:
    """Encode item texts (cached by hash), cluster them into topics, replace the topics.

    Args:
        driver: an open driver.
        seed: seeds the k-selection sample and k-means; equal inputs give equal topics.
        min_topics, max_topics: the range of k tried (clipped to the distinct texts).
        device: for the encoder when one must be loaded (default CUDA when available).
        encoder: an already loaded encoder (else loaded only if some text changed).

    Raises:
        BadInput: no items in the graph, or too few with text, or a bad range or device.
        DatabaseUnavailable: Neo4j went away.
        InterestGraphError: Neo4j refused a statement.
    """
    if min_topics < 2 or max_topics < min_topics:
        raise BadInput(f"need 2 <= --min-topics <= --max-topics, got {min_topics} and {max_topics}")
    try:
        apply_schema(driver)
        items = read_item_texts(driver)
        if not items:
            raise BadInput("no items in the graph: run `interestgraph ingest` first")
        stats = encode_items(driver, items, encoder, device=device, progress=progress)
        driver.execute_query(AWAIT_TEXT_INDEX_QUERY, {"timeout_s": index_timeout_s})
        model = encoder.model_id if encoder is not None else model_id()
        ids, vectors = read_text_embeddings(driver, model)

        started = time.perf_counter()
        selection = choose_k(
            vectors, min_k=min_topics, max_k=max_topics, seed=seed, progress=progress
        )
        clustering = fit_topics(vectors, selection.k, seed)
        by_id = {item.id: item for item in items}
        texts = [by_id[item_id].text for item_id in ids]
        topics = build_topics(texts, clustering, selection.k)
        cluster_seconds = time.perf_counter() - started

        started = time.perf_counter()
        run_id = new_topic_run_id()
        replace_topics(driver, run=run_id, topics=topics, item_ids=ids, weights=clustering.weights)
        write_seconds = time.perf_counter() - started
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"Neo4j went away while building topics: {e}") from e
    except Neo4jError as e:
        raise InterestGraphError(f"building topics failed: {e.message}") from e
    return TopicReport(
        run_id=run_id,
        model=model,
        items=len(items),
        encoding=stats,
        k=selection.k,
        silhouette=selection.scores,
        sample_size=selection.sample_size,
        cluster_seconds=cluster_seconds,
        write_seconds=write_seconds,
        topics=[
            _summary(t.id, t.label, t.terms, [by_id[ids[row]] for row in t.members]) for t in topics
        ],
    )


def _summary(
    topic_id: str, label: str, terms: list[str], members: Sequence[ItemText]
) -> TopicSummary:
    paths = [path for item in members for path in item.category_paths]
    return TopicSummary(
        id=topic_id,
        label=label,
        terms=terms,
        size=len(members),
        top_levels=len({tuple(p[:1]) for p in paths}),
        second_levels=len({tuple(p[:2]) for p in paths if len(p) >= 2}),
        leaves=len({tuple(p) for p in paths}),
    )
