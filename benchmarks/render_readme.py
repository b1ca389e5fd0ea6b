"""Rewrite the README's measured-results section from benchmarks/results/*.json.

The README never carries a hand-typed number: run a benchmark, then this script.

    .venv/bin/python benchmarks/render_readme.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RESULTS = ROOT / "benchmarks" / "results"
START, END = "<!-- results:start -->", "<!-- results:end -->"


def _format(value: float | str) -> str:
    if isinstance(value, str):
        return value
    if float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"


def render_table(name: str, results: dict[str, float | str]) -> str:
    """One markdown table per results file: metric, value; the machine line under it."""
    rows = [f"| `{key}` | {_format(value)} |" for key, value in results.items() if key != "machine"]
    machine = results.get("machine", "unknown machine")
    return "\n".join(
        [
            f"**{name}** (`benchmarks/results/{name}.json`; {machine})",
            "",
            "| metric | value |",
            "|---|---|",
            *rows,
        ]
    )


def main() -> None:
    tables = [
        render_table(path.stem, json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(RESULTS.glob("*.json"))
    ]
    block = "\n\n".join([START, *tables, END])
    text = README.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{README} has no {START} ... {END} section")
    README.write_text(pattern.sub(lambda _: block, text), encoding="utf-8")


if __name__ == "__main__":
    main()
