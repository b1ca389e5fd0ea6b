"""A one-line description of the machine a benchmark ran on, for the `machine` entry, and the
merge of one dataset's results into a results file shared by several datasets."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

import torch


def describe_machine() -> str:
    """CPU count, memory, Python, torch and the accelerator used, e.g. for README tables."""
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (
        f"{os.cpu_count()} CPU cores {platform.machine()}, {pages / 2**30:.0f} GiB, "
        f"{device}, Python {platform.python_version()}, torch {torch.__version__}"
    )


def store_results(path: Path, prefix: str, results: dict[str, float | int | str]) -> None:
    """Replace the ``<prefix>.`` keys of the JSON at ``path`` by ``results``, keep the others
    (other datasets' runs), stamp the machine and print what this run measured."""
    stored = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    stored = {key: value for key, value in stored.items() if not key.startswith(f"{prefix}.")}
    stored.update(results)
    stored["machine"] = describe_machine()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, sort_keys=True))
