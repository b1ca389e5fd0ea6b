"""`interestgraph segments run`: user segments by community detection, stored in the graph."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from interestgraph.cli.app import app, console, load_settings
from interestgraph.segments.methods import Algorithm, Backend

segments_app = typer.Typer(
    help="User segments: communities of users with shared interests.", no_args_is_help=True
)
app.add_typer(segments_app, name="segments")


@segments_app.command("run")
def segments_run(
    algorithm: Annotated[Algorithm, typer.Option(help="community detection")] = Algorithm.LEIDEN,
    backend: Annotated[
        Backend, typer.Option(help="gds: inside Neo4j; python: igraph/leidenalg; auto: GDS if any")
    ] = Backend.AUTO,
    k: Annotated[int, typer.Option(help="neighbours per user in the similarity projection")] = 15,
    resolution: Annotated[
        float, typer.Option(help="Leiden resolution: larger gives more, smaller segments")
    ] = 1.0,
    min_size: Annotated[int, typer.Option(help="smaller communities are no segment")] = 20,
    seed: Annotated[int, typer.Option(help="random seed (Leiden)")] = 0,
) -> None:
    """Find segments of users with shared interests and store them (replacing the previous
    run's; ids of segments that persist are kept). Builds the interest profiles first when
    there are none: segments are profiled and labelled by them."""
    from interestgraph.cli.commands import build_interest_profiles
    from interestgraph.db.connection import connect
    from interestgraph.interests import profiles_exist
    from interestgraph.segments.run import run_segments

    settings = load_settings()
    with connect(settings) as driver:
        if not profiles_exist(driver):
            console.print("no interest profiles yet: building them first")
            build_interest_profiles(settings, driver, None)
        with console.status("segmenting users"):
            result = run_segments(
                driver,
                algorithm=algorithm,
                backend=backend,
                k=k,
                resolution=resolution,
                min_size=min_size,
                seed=seed,
            )
    table = Table(title=f"segments ({result.stored.run_id})")
    for column in ("id", "label", "users", "share", "activity ×"):
        table.add_column(column, justify="right" if column != "label" else "left")
    for profile in result.profiles:
        table.add_row(
            result.stored.segment_ids[profile.index],
            profile.label,
            f"{profile.size:,}",
            f"{profile.share:.1%}",
            f"{profile.activity_lift:.2f}",
        )
    console.print(table)
    communities = result.communities
    agreement = result.stored.agreement
    console.print(
        f"{communities.algorithm} on {communities.backend}: {len(result.profiles)} segments, "
        f"modularity {communities.modularity:.3f}, "
        f"{len(result.projection.user_ids) - result.unassigned:,} users in segments, "
        f"{result.unassigned:,} in none; projection {len(result.projection.user_ids):,} users, "
        f"{result.projection.num_edges:,} edges; "
        f"{result.stored.kept_ids} ids kept from the previous run"
        + (f", adjusted Rand index with it {agreement:.3f}" if agreement is not None else "")
        + "; seconds "
        + ", ".join(f"{step} {s:.1f}" for step, s in result.seconds.items()),
        highlight=False,
    )


@segments_app.command("report")
def segments_report(
    out: Annotated[
        Path, typer.Option(help="folder for segments.html, segments.md, charts, audiences/")
    ] = Path("segments-report"),
) -> None:
    """Write the current segments as an HTML and a Markdown report with charts, and one CSV
    audience per segment (pseudonymous user ids, key users first)."""
    from interestgraph.db.connection import connect
    from interestgraph.segments.report import write_report

    settings = load_settings()
    with connect(settings) as driver:
        files = write_report(driver, out)
    console.print(
        f"wrote {files.html}, {files.markdown}, {len(files.charts)} charts and "
        f"{len(files.audiences)} audiences under {out / 'audiences'}",
        highlight=False,
    )
