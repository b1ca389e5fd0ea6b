"""The quality benchmark's quick variant runs every model on real data and records each one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from interestgraph.recommenders import MODELS

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "quality.py"


def test_quick_benchmark_scores_every_model_and_skips_sequences_without_order(
    tmp_path: Path,
) -> None:
    out = tmp_path / "results"
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--quick",
            "--datasets",
            "amazon-beauty,tmall",
            "--out",
            str(out),
            "--checkpoints",
            str(tmp_path / "checkpoints"),
            "--logdir",
            str(tmp_path / "tensorboard"),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    beauty = json.loads((out / "quality-amazon-beauty.json").read_text())
    tmall = json.loads((out / "quality-tmall.json").read_text())
    for model in MODELS:
        assert 0.0 <= beauty[f"amazon-beauty.{model}.ndcg@20"] <= 1.0
    assert beauty["amazon-beauty.data.users"] == 600
    assert "tmall.sasrec.ndcg@20" not in tmall  # Tmall has no order: no sequence model
    assert tmall["tmall.data.aux_edges"] > 0
    # a model that learns beats chance by far even on the quick run: 20 of ~2,000 items
    assert beauty["amazon-beauty.itemknn.hr@20"] > 3 * 20 / beauty["amazon-beauty.data.items"]
    assert "machine" in beauty
    assert list((tmp_path / "tensorboard").rglob("events.out.tfevents.*"))
