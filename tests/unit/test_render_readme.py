"""The README's quality tables are rendered from the results files, never typed by hand."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "render_readme.py"


@pytest.fixture(scope="module")
def render_readme() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_readme", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["render_readme"] = module
    spec.loader.exec_module(module)
    return module


def _model(dataset: str, model: str, value: float, epochs: int = 0) -> dict[str, float | str]:
    metrics = ("recall", "ndcg", "hr", "precision", "f1", "coverage")
    row: dict[str, float | str] = {
        f"{dataset}.{model}.{metric}@{k}": value for metric in metrics for k in (10, 20)
    }
    return row | {
        f"{dataset}.{model}.epochs": epochs,
        f"{dataset}.{model}.seconds_per_epoch": 1.5 if epochs else 0.0,
        f"{dataset}.{model}.stopped_by_budget": 1 if epochs else 0,
    }


def test_quality_rows_are_ranked_by_ndcg_with_published_rows_last(
    render_readme: ModuleType,
) -> None:
    results = (
        _model("gowalla", "most-popular", 0.04)
        | _model("gowalla", "bspm", 0.19)
        | _model("gowalla", "lightgcn", 0.15, epochs=30)
        | {"gowalla.data.users": 29858, "machine": "test box"}
    )
    table = render_readme.render_quality("gowalla", results).splitlines()
    models = [line.split("|")[1].strip() for line in table if line.startswith("| ")][1:]
    assert models[:3] == ["bspm", "lightgcn", "most-popular"]
    assert models[3].startswith("*LightGCN")
    lightgcn = next(line for line in table if line.startswith("| lightgcn "))
    assert "0.1500" in lightgcn and "30 (budget)" in lightgcn and "| 1.5 |" in lightgcn
    assert "users 29,858" in table[0] and "test box" in table[0]


def test_behaviour_table_sets_each_model_beside_its_purchase_only_twin(
    render_readme: ModuleType,
) -> None:
    with_aux = _model("tmall", "lightgcn", 0.06) | _model("tmall", "itemknn", 0.02)
    buy_only = _model("tmall-buy", "lightgcn", 0.02) | _model("tmall-buy", "mf-bpr", 0.01)
    table = render_readme.render_behaviours(with_aux, buy_only).splitlines()
    rows = [line for line in table if line.startswith("| ") and "model" not in line]
    assert rows == ["| lightgcn | 0.0200 | 0.0600 | 3.00× | 0.0200 | 0.0600 | 3.00× |"]


def test_targets_name_the_deciding_model_and_say_plainly_when_one_is_missed(
    render_readme: ModuleType,
) -> None:
    quality = {
        "gowalla": _model("gowalla", "lightgcn", 0.1600, epochs=40)
        | _model("gowalla", "bspm", 0.1900)
        | _model("gowalla", "bspm-paper", 0.1950)
        | {"gowalla.lightgcn.fit_seconds": 600.0, "gowalla.bspm.fit_seconds": 300.0},
        "tmall": _model("tmall", "itemknn", 0.05),
        "tmall-buy": _model("tmall-buy", "itemknn", 0.04),
    }
    lines = render_readme.render_targets(quality).splitlines()
    lightgcn = next(line for line in lines if line.startswith("| our LightGCN"))
    assert "| lightgcn | recall@20 0.1600" in lightgcn and lightgcn.endswith("| no |")
    ultra = next(line for line in lines if "UltraGCN" in line)
    assert "| bspm |" in ultra and ultra.endswith("| yes |")
    beauty = next(line for line in lines if "S3-Rec" in line)
    assert "not run" in beauty and beauty.endswith("| no |")
    tmall = next(line for line in lines if "purchases only" in line)
    assert "hr@10 1.25× buy-only" in tmall and tmall.endswith("| yes |")
    assert "15 minutes" in lines[-1]


def test_datapath_table_puts_datasets_side_by_side_and_checks_targets(
    render_readme: ModuleType,
) -> None:
    results: dict[str, float | str] = {
        "tmall.export.ours.edges_per_s": 1_200_000.0,
        "gowalla.export.ours.edges_per_s": 900_000.0,
        "tmall.fold_in.p99_ms": 12.0,
        "gowalla.fold_in.p99_ms": 30.0,
        "machine": "2 CPU cores",
    }

    table = render_readme.render_datapath(results)

    assert "| | tmall | gowalla | target | met |" in table
    assert "| export, ours: edges/s (median round) | 1,200,000 | 900,000 | ≥ 1,000,000 | no |" in (
        table
    )
    assert "| fold-in p99 (ms) | 12 | 30 | ≤ 100 | yes |" in table
    assert "write-back" not in table  # not measured: no row
    assert "2 CPU cores" in table


def test_segments_table_rows_per_algorithm_and_backend(render_readme: ModuleType) -> None:
    results: dict[str, float | str] = {"machine": "2 CPU cores"}
    for algorithm, backend, modularity in (("leiden", "gds", 0.65), ("louvain", "python", 0.6)):
        key = f"office.{algorithm}.{backend}"
        results |= {
            f"{key}.modularity": modularity,
            f"{key}.segments": 12,
            f"{key}.users_in_segments": 4905,
            f"{key}.detection.seconds": 0.5,
            f"{key}.run.seconds": 6.25,
        }
    results |= {
        "office.projection.users": 4905,
        "office.projection.edges": 60521,
        "office.projection.seconds": 2.5,
        "office.leiden.gds_vs_python.ari": 0.8,
        "office.rerun.ari": 0.72,
        "office.rerun.kept_ids": 11,
        "office.rerun.segments": 12,
    }

    table = render_readme.render_segments(results)

    assert "| office | louvain | python | 0.6000 | 12 | 4,905 | 0.5000 | 6.25 |" in table
    assert "| office | leiden | gds | 0.6500 | 12 | 4,905 | 0.5000 | 6.25 |" in table
    assert table.index("louvain | python") < table.index("leiden | gds")
    assert "| office | 4,905 | 60,521 | 2.50 | 0.8000 | 0.7200 | 11 of 12 |" in table
