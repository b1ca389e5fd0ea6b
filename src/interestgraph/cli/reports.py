"""How each long-running command reports what it did: summary tables and one-line totals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

if TYPE_CHECKING:
    from interestgraph.ingest.report import IngestReport
    from interestgraph.interests import InterestReport
    from interestgraph.pipeline import TrainReport
    from interestgraph.semantics import TopicReport

from interestgraph.cli.app import console


def print_ingest_report(report: IngestReport) -> None:
    table = Table(title=f"ingest summary: {report.source}", title_justify="left")
    for column in ("table", "read", "kept", "deduplicated", "already applied", "rejected"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for name, c in report.tables.items():
        counts = (c.read, c.kept, c.deduplicated, c.already_applied, c.rejected)
        table.add_row(name, *(f"{n:,}" for n in counts))
    console.print(table)
    if report.rejected:
        reasons = Table(title="rejected rows by reason", title_justify="left")
        for column in ("table", "reason", "rows"):
            reasons.add_column(column, justify="right" if column == "rows" else "left")
        for (name, reason), n in sorted(report.rejected.items(), key=lambda kv: (kv[0][0], -kv[1])):
            reasons.add_row(name, reason, f"{n:,}")
        console.print(reasons)
        if report.rejects_path is not None:
            console.print(f"rejected rows with their reasons: {report.rejects_path}")
    else:
        console.print("rejected rows: 0")
    if report.cleaned:
        console.print(
            "cleaned values: "
            + ", ".join(f"{what}: {n:,}" for what, n in report.cleaned.most_common())
        )
    created = report.created
    console.print(
        "graph now: "
        + ", ".join(
            f"{kind} {n:,}" + (f" (+{created[kind]:,})" if created.get(kind) else "")
            for kind, n in report.graph_after.items()
            if n
        )
    )
    console.print(
        f"event chunks: {report.chunks_applied:,} applied, {report.chunks_skipped:,} already "
        f"in the ledger; ingest took {report.total_seconds:.1f} s"
    )


def print_interest_report(report: InterestReport) -> None:
    edges = ", ".join(f"{kind} {n:,}" for kind, n in report.edges.items()) or "none"
    console.print(
        f"interest profiles: {report.users:,} users, INTERESTED_IN edges: {edges}; "
        f"{report.seconds:.1f} s ({report.users_per_second:,.0f} users/s)"
    )


def print_train_report(report: TrainReport) -> None:
    result = report.result
    console.print("graph: " + ", ".join(f"{name} {n:,}" for name, n in report.graph_counts.items()))
    console.print("split: " + ", ".join(f"{name} {n:,}" for name, n in report.split_counts.items()))
    table = Table(
        title=f"{result.model} test metrics (full ranking, "
        + (f"best epoch {result.best_epoch})" if result.epoch_seconds else "no epochs)"),
        title_justify="left",
    )
    table.add_column("metric")
    table.add_column("@10", justify="right")
    table.add_column("@20", justify="right")
    for name in ("recall", "ndcg", "hr", "precision", "f1", "coverage"):
        at10 = result.test_metrics.get(f"{name}@10")
        at20 = result.test_metrics.get(f"{name}@20")
        if at10 is not None and at20 is not None:
            table.add_row(name, f"{at10:.4f}", f"{at20:.4f}")
    console.print(table)
    console.print(
        f"device {result.device}, {result.seconds_per_epoch:.2f} s/epoch; "
        + ", ".join(f"{stage} {sec:.1f} s" for stage, sec in report.stage_seconds.items())
    )
    if report.writeback is None:
        console.print(
            f"{result.model} scores are not vector products: no embeddings written, the stored "
            f"ones are kept; run saved to {report.run_path}"
        )
    else:
        console.print(
            f"embeddings written: {report.writeback.users_written:,} users, "
            f"{report.writeback.items_written:,} items (model {report.writeback.model_id}, "
            f"dim {report.writeback.dimension}); run saved to {report.run_path}"
        )


def print_topic_report(report: TopicReport) -> None:
    encoding = report.encoding
    speed = (
        f"; {encoding.items_per_s:,.1f} items/s, model load {encoding.load_seconds:.1f} s"
        if encoding.encoded
        else ""
    )
    console.print(
        f"item text: {encoding.encoded:,} encoded, {encoding.skipped:,} unchanged (skipped), "
        f"{encoding.without_text:,} without text{speed} ({report.model})"
    )
    scores = ", ".join(f"{k}: {s:.4f}" for k, s in sorted(report.silhouette.items()))
    console.print(f"k = {report.k}: {report.criterion}", highlight=False)
    console.print(f"silhouette by k: {scores}", highlight=False)
    table = Table(title=f"topics (run {report.run_id})", title_justify="left")
    for column in ("id", "size", "label", "top-level", "2nd-level", "leaf categories"):
        table.add_column(column, justify="left" if column in ("id", "label") else "right")
    for t in report.topics:
        table.add_row(
            t.id, f"{t.size:,}", t.label, str(t.top_levels), str(t.second_levels), str(t.leaves)
        )
    console.print(table)
    console.print(
        f"clustering {report.cluster_seconds:.1f} s, writing topics {report.write_seconds:.1f} s"
    )
