"""`interestgraph segments report`: the current segments as a self-contained HTML page, the same
in Markdown, two charts (matplotlib PNGs: segment sizes, interest lift heat map) and one CSV
audience per segment (pseudonymous user ids, key users first) for ad platforms.

Everything is read back from the graph (segments/store.py wrote it), so a report shows what the
API serves, whenever it is made.
"""

from __future__ import annotations

import base64
import csv
import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt
import numpy as np
from neo4j import Driver, RoutingControl

from interestgraph.errors import NotFound
from interestgraph.serving.records import SegmentRecord
from interestgraph.serving.segments import segment_members

KEY_USERS = 5
HEATMAP_INTERESTS = 2  # per segment, into the heat map's columns

RUN_QUERY = """
MATCH (run:SegmentRun {current: true})
RETURN run {.*} AS run
"""
SEGMENTS_QUERY = """
MATCH (s:Segment)
CALL (s) {
  MATCH (s)<-[m:IN_SEGMENT]-(u:User)
  WITH u, m ORDER BY m.centrality DESC, u.id
  RETURN collect(u.id)[..$key_users] AS key_users
}
RETURN s {.*} AS segment, key_users
ORDER BY s.size DESC, s.id
"""
AUDIENCE_PAGE = 10_000


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    markdown: Path
    charts: list[Path]
    audiences: list[Path]


def write_report(driver: Driver, out_dir: Path) -> ReportFiles:
    """Write the report of the current segmentation run into ``out_dir`` (created), replacing
    the audience CSVs of an earlier report there.

    Raises:
        NotFound: no segmentation run yet (`interestgraph segments run`).
    """
    records, _, _ = driver.execute_query(RUN_QUERY, routing_=RoutingControl.READ)
    if not records:
        raise NotFound("no segments yet: run `interestgraph segments run` first")
    run = records[0]["run"]
    records, _, _ = driver.execute_query(
        SEGMENTS_QUERY, key_users=KEY_USERS, routing_=RoutingControl.READ
    )
    segments = [SegmentRecord.from_properties(r["segment"]) for r in records]
    key_users = {r["segment"]["id"]: r["key_users"] for r in records}
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = [_sizes_chart(segments, out_dir / "segment-sizes.png")]
    heatmap = _lift_chart(segments, out_dir / "interest-lift.png")
    if heatmap is not None:
        charts.append(heatmap)
    folder = out_dir / "audiences"
    # an earlier report's audiences may name segments (and users) that are gone
    for stale in folder.glob("*.csv"):
        stale.unlink()
    audiences = [_audience(driver, segment.id, folder) for segment in segments]
    content = _Content(run, segments, key_users, charts, audiences, out_dir)
    markdown = out_dir / "segments.md"
    markdown.write_text(_markdown(content), encoding="utf-8")
    page = out_dir / "segments.html"
    page.write_text(_html(content), encoding="utf-8")
    return ReportFiles(page, markdown, charts, audiences)


def _sizes_chart(segments: list[SegmentRecord], path: Path) -> Path:
    labels = [f"{s.id} {_short(s.label)}" for s in segments][::-1]
    sizes = [s.size for s in segments][::-1]
    figure, axes = plt.subplots(figsize=(9, 0.4 * len(segments) + 1.2))
    axes.barh(labels, sizes, color="#4c72b0")
    for y, size in enumerate(sizes):
        axes.text(size, y, f" {size:,}", va="center", fontsize=8)
    axes.set_xlabel("users")
    axes.set_title("Segment sizes")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _lift_chart(segments: list[SegmentRecord], path: Path) -> Path | None:
    """Segments × the categories (topics where none) of highest lift; a blank cell: not among
    that segment's top interests (not computed)."""
    kind = "category" if any(s.top["category"] for s in segments) else "topic"
    columns: list[str] = []
    for segment in segments:
        for interest in segment.top[kind][:HEATMAP_INTERESTS]:
            if interest.name not in columns:
                columns.append(interest.name)
    if not columns:
        return None
    lift = np.full((len(segments), len(columns)), np.nan)
    for row, segment in enumerate(segments):
        for interest in segment.top[kind]:
            if interest.name in columns:
                lift[row, columns.index(interest.name)] = interest.lift
    figure, axes = plt.subplots(
        figsize=(min(16, 0.32 * len(columns) + 3), 0.32 * len(segments) + 2.4)
    )
    image = axes.imshow(np.log2(lift), cmap="YlOrRd", aspect="auto")
    axes.set_xticks(
        range(len(columns)), [_short(c, 24) for c in columns], rotation=60, ha="right", fontsize=7
    )
    axes.set_yticks(range(len(segments)), [s.id for s in segments], fontsize=7)
    for (row, column), value in np.ndenumerate(lift):
        if not math.isnan(value):
            axes.text(column, row, f"{value:.0f}", ha="center", va="center", fontsize=6)
    bar = figure.colorbar(image, ax=axes, fraction=0.025, pad=0.01)
    bar.set_label("lift (colour on a log2 scale)")
    ticks = [float(t) for t in bar.get_ticks()]
    bar.set_ticks(ticks, labels=[f"{2**t:.3g}" for t in ticks])
    axes.set_title(
        f"Lift of each segment's top {kind} interests: share in the segment / share of all users"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _audience(driver: Driver, segment_id: str, folder: Path) -> Path:
    """The segment's members, most central first, read in pages as the API reads them."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{segment_id}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "centrality"])
        after = None
        while page := segment_members(driver, segment_id, after, AUDIENCE_PAGE):
            writer.writerows([m.user_id, f"{m.centrality:.4f}"] for m in page)
            after = page[-1]
    return path


KINDS = (("category", "Categories"), ("brand", "Brands"), ("topic", "Topics"), ("item", "Items"))


def _run_line(run: dict[str, Any]) -> str:
    agreement = run.get("agreement")
    return (
        f"Run {run['id']} ({run['at'].iso_format()[:19]} UTC): {run['algorithm']} on "
        f"{run['backend']}, {run['segments']} segments, {run['users']:,} users in segments and "
        f"{run.get('unassigned', 0):,} in none, modularity {run['modularity']:.3f}; "
        f"{run['kept_ids']} segment ids kept from the previous run"
        + (f", adjusted Rand index with it {agreement:.3f}" if agreement is not None else "")
        + "."
    )


@dataclass(frozen=True)
class _Content:
    """What both renderings show; file links relative to ``out_dir``."""

    run: dict[str, Any]
    segments: list[SegmentRecord]
    key_users: dict[str, list[str]]
    charts: list[Path]
    audiences: list[Path]
    out_dir: Path


def _summary(segment: SegmentRecord) -> str:
    return (
        f"{segment.size:,} users ({segment.share:.1%}); {segment.activity:.1f} events per user "
        f"({segment.activity_lift:.2f}× the average). Key users: "
    )


def _markdown(content: _Content) -> str:
    lines = ["# User segments", "", _run_line(content.run), ""]
    lines += [
        f"![{chart.stem}]({chart.relative_to(content.out_dir)})" for chart in content.charts
    ] + [""]
    lines += [
        "| id | label | users | share | activity × | audience |",
        "|---|---|---|---|---|---|",
    ]
    for segment, audience in zip(content.segments, content.audiences, strict=True):
        lines.append(
            f"| {segment.id} | {segment.label} | {segment.size:,} | {segment.share:.1%} | "
            f"{segment.activity_lift:.2f} | [csv]({audience.relative_to(content.out_dir)}) |"
        )
    for segment in content.segments:
        lines += ["", f"## {segment.id} · {segment.label}", ""]
        lines.append(_summary(segment) + ", ".join(content.key_users[segment.id]) + ".")
        for kind, title in KINDS:
            if ranked := segment.top[kind]:
                lines.append("")
                lines.append(
                    f"- {title} by lift: "
                    + "; ".join(f"{i.name} ×{i.lift:.1f} ({i.share:.0%})" for i in ranked)
                )
    return "\n".join(lines) + "\n"


def _html(content: _Content) -> str:
    e = html.escape
    images = "".join(
        f'<img alt="{e(chart.stem)}" src="data:image/png;base64,'
        f'{base64.b64encode(chart.read_bytes()).decode("ascii")}">'
        for chart in content.charts
    )
    rows = "".join(
        f"<tr><td>{e(s.id)}</td><td>{e(s.label)}</td><td>{s.size:,}</td>"
        f"<td>{s.share:.1%}</td><td>{s.activity_lift:.2f}</td>"
        f'<td><a href="{e(str(a.relative_to(content.out_dir)))}">csv</a></td></tr>'
        for s, a in zip(content.segments, content.audiences, strict=True)
    )
    sections = []
    for segment in content.segments:
        interests = "".join(
            f"<h4>{title} by lift</h4><table><tr><th>name</th><th>lift</th><th>share</th></tr>"
            + "".join(
                f"<tr><td>{e(i.name)}</td><td>{i.lift:.2f}</td><td>{i.share:.0%}</td></tr>"
                for i in ranked
            )
            + "</table>"
            for kind, title in KINDS
            if (ranked := segment.top[kind])
        )
        key_users = ", ".join(content.key_users[segment.id])
        sections.append(
            f"<section><h3>{e(segment.id)} · {e(segment.label)}</h3>"
            f"<p>{e(_summary(segment))}<code>{e(key_users)}</code></p>"
            f"{interests}</section>"
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>User segments</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }}
table {{ border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }}
td, th {{ border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; }}
img {{ max-width: 100%; display: block; margin: 1rem 0; }}
section {{ border-top: 1px solid #ddd; margin-top: 1.5rem; }}
h4 {{ margin: .6rem 0 .2rem; }}
</style></head><body>
<h1>User segments</h1>
<p>{e(_run_line(content.run))}</p>
{images}
<table><tr><th>id</th><th>label</th><th>users</th><th>share</th><th>activity ×</th>
<th>audience</th></tr>{rows}</table>
{"".join(sections)}
</body></html>
"""


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
