"""The pipeline commands: ingest, topics, interests, train, pseudonym, forget, serve, demo."""

from __future__ import annotations

import socket
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from neo4j import Driver

from interestgraph.config import Settings
from interestgraph.errors import BadInput, NotFound
from interestgraph.ingest.adapters import ADAPTERS
from interestgraph.ingest.source import require_dataset_folder

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from interestgraph.ingest.report import IngestReport
    from interestgraph.interests import InterestReport
    from interestgraph.pipeline import TrainReport
    from interestgraph.semantics import TopicReport
    from interestgraph.training.run import TrainingConfig

from interestgraph.cli.app import (
    DATASET_FOLDERS,
    DEMO_SOURCE,
    app,
    console,
    load_settings,
    progress_display,
)
from interestgraph.cli.reports import (
    print_ingest_report,
    print_interest_report,
    print_topic_report,
    print_train_report,
)


def _run_ingest(settings: Settings, driver: Driver, source: str, dataset_dir: Path) -> IngestReport:
    from interestgraph.ingest.canonical import ingest_source
    from interestgraph.privacy import create_pseudonymizer

    pseudonymizer = create_pseudonymizer(settings)
    canonical = ADAPTERS[source](dataset_dir)
    with progress_display() as progress:
        return ingest_source(
            driver,
            canonical,
            pseudonymizer=pseudonymizer,
            batch_size=settings.batch_size,
            rejects_path=settings.home / "rejects" / f"{source}-{dataset_dir.name}.jsonl",
            progress=progress,
        )


def _known_source(source: str) -> str:
    if source not in ADAPTERS:
        raise typer.BadParameter(f"{source!r} is none of {', '.join(sorted(ADAPTERS))}")
    return source


@app.command("ingest")
def ingest(
    source: Annotated[
        str,
        typer.Argument(
            callback=_known_source,
            metavar="SOURCE",
            help="dataset layout: " + ", ".join(sorted(ADAPTERS)) + " (canonical: see below)",
            show_default=False,
        ),
    ],
    path: Annotated[
        Path | None,
        typer.Argument(
            help="dataset folder (default: $INTERESTGRAPH_DATA/<source>; "
            "amazon-office for lcrec, tmall-multibehavior for tmall)"
        ),
    ] = None,
) -> None:
    """Load a dataset into Neo4j exactly once: re-runs change nothing, a killed run resumes.

    `canonical` reads a folder holding items, events and optionally users and follows tables,
    each as .csv, .jsonl or .parquet (items.csv, events.jsonl, ...):

    \b
    items   id, title, description, brand, price, currency,
            categories ("Office > Pens | Office > Paper" in CSV), attributes
    events  event_id?, user_id, item_id, type (view|click|add_to_cart|purchase|rate),
            timestamp (ISO 8601 or epoch s) or seq, value (rating 1-5, or quantity)
    users   id, age_band, gender, region (birth dates become age bands; names,
            e-mails, phones, addresses, zip codes are dropped)
    follows follower_id, followee_id

    User ids are pseudonymised with a keyed hash. Unusable rows go to
    $INTERESTGRAPH_HOME/rejects/ with their reason. Full format: docs/canonical-format.md.
    """
    from interestgraph.db.connection import connect

    settings = load_settings()
    dataset_dir = path or settings.data_dir / DATASET_FOLDERS.get(source, source)
    require_dataset_folder(dataset_dir, "set INTERESTGRAPH_DATA or pass PATH")
    with connect(settings) as driver:
        report = _run_ingest(settings, driver, source, dataset_dir)
        print_ingest_report(report)
        _refresh_touched_interests(settings, driver, report)


def build_interest_profiles(
    settings: Settings, driver: Driver, user_ids: Collection[str] | None
) -> InterestReport:
    """Refresh the interest profiles of ``user_ids`` (None: every user), with a progress bar."""
    from interestgraph.interests import InterestConfig, refresh_interests

    with progress_display() as progress:
        task = progress.add_task("interest profiles", total=None)
        return refresh_interests(
            driver,
            user_ids,
            config=InterestConfig.from_settings(settings),
            on_batch=lambda done, total: progress.update(task, completed=done, total=total),
        )


def _refresh_touched_interests(settings: Settings, driver: Driver, report: IngestReport) -> None:
    """Keep built interest profiles current: refresh the users this ingest gave new events.

    Nothing happens before the first `interestgraph interests` builds them.
    """
    from interestgraph.interests import profiles_exist

    if report.touched_users and profiles_exist(driver):
        print_interest_report(build_interest_profiles(settings, driver, report.touched_users))


@app.command("interests")
def interests(
    user: Annotated[
        list[str] | None,
        typer.Option("--user", help="the shop's own user id (repeatable); default: every user"),
    ] = None,
) -> None:
    """Build the interest profiles (INTERESTED_IN to categories, brands, topics) of every user,
    or of the users given; each user's earlier profile is replaced. Weights, time decay and
    category damping come from the INTERESTGRAPH_INTEREST_* settings."""
    from interestgraph.db.connection import connect
    from interestgraph.privacy import create_pseudonymizer

    settings = load_settings()
    targets = None
    if user:
        pseudonymizer = create_pseudonymizer(settings)
        targets = {pseudonymizer.user_id(u) for u in user}
    with connect(settings) as driver:
        report = build_interest_profiles(settings, driver, targets)
    print_interest_report(report)
    if targets is not None and report.users < len(targets):
        raise NotFound(
            f"{len(targets) - report.users} of the {len(targets)} users given are not in the "
            "graph (the others were refreshed)"
        )


def _run_training(
    settings: Settings,
    driver: Driver,
    config: TrainingConfig,
    device: str | None,
    model: str = "lightgcn",
    logdir: Path | None = None,
    checkpoints: Path | None = None,
) -> TrainReport:
    from interestgraph.pipeline import train_and_publish

    with progress_display() as progress:
        return train_and_publish(
            driver,
            settings,
            config,
            model=model,
            device=device,
            progress=progress,
            logdir=logdir,
            checkpoint_dir=checkpoints,
        )


EpochsOption = Annotated[int, typer.Option(min=1, help="training epochs")]
DeviceOption = Annotated[
    str | None, typer.Option(help="cpu, cuda, cuda:1 ... (default: CUDA when available)")
]


@app.command("train")
def train(
    model: Annotated[
        str,
        typer.Option(
            help="most-popular, itemknn, mf-bpr, lightgcn, gcn, gat, "
            "hetero-sage, gf-cf, bspm, bspm-paper, sasrec"
        ),
    ] = "lightgcn",
    epochs: EpochsOption = 30,
    dim: Annotated[int, typer.Option(min=1, help="embedding dimension")] = 64,
    layers: Annotated[int, typer.Option(min=0, help="graph (or transformer) layers")] = 3,
    lr: Annotated[float, typer.Option(min=0.0, help="Adam learning rate")] = 0.01,
    seed: Annotated[int, typer.Option(help="random seed")] = 42,
    device: DeviceOption = None,
    logdir: Annotated[
        Path | None, typer.Option(help="write TensorBoard training curves under this folder")
    ] = None,
    checkpoints: Annotated[
        Path | None,
        typer.Option(help="checkpoint after each evaluation here; a rerun resumes from it"),
    ] = None,
) -> None:
    """Export the graph, train a model (LightGCN by default), print metrics, write vectors back."""
    from interestgraph.db.connection import connect
    from interestgraph.recommenders import build_recommender
    from interestgraph.training.run import TrainingConfig

    config = TrainingConfig(epochs=epochs, embedding_dim=dim, num_layers=layers, lr=lr, seed=seed)
    build_recommender(model, config)  # an unknown name fails before connecting
    with connect(load_settings()) as driver:
        report = _run_training(load_settings(), driver, config, device, model, logdir, checkpoints)
    print_train_report(report)


@app.command("topics")
def topics(
    seed: Annotated[int, typer.Option(help="seed of the k-selection sample and k-means")] = 42,
    min_topics: Annotated[int, typer.Option(min=2, help="fewest topics tried")] = 5,
    max_topics: Annotated[int, typer.Option(min=2, help="most topics tried")] = 40,
    device: DeviceOption = None,
) -> None:
    """Encode item text (only what changed), cluster it into labelled topics, replace the topics
    (and rebuild the interest profiles, when built, for the new topics).

    k is the number of topics in [--min-topics, --max-topics] with the best mean silhouette on a
    seeded sample; labels are each topic's most distinctive terms (class-based TF-IDF).
    """
    from interestgraph.db.connection import connect
    from interestgraph.interests import profiles_exist

    if min_topics > max_topics:
        raise BadInput(f"--min-topics {min_topics} is above --max-topics {max_topics}")
    settings = load_settings()
    with connect(settings) as driver:
        report = _run_topics(
            driver, seed=seed, min_topics=min_topics, max_topics=max_topics, device=device
        )
        print_topic_report(report)
        if profiles_exist(driver):  # the swap took their topic interests with the old topics
            print_interest_report(build_interest_profiles(settings, driver, None))


def _run_topics(
    driver: Driver,
    *,
    device: str | None,
    seed: int = 42,
    min_topics: int = 5,
    max_topics: int = 40,
) -> TopicReport:
    from interestgraph.semantics import enrich_items

    with progress_display() as progress:
        return enrich_items(
            driver,
            seed=seed,
            min_topics=min_topics,
            max_topics=max_topics,
            device=device,
            progress=progress,
        )


@app.command("pseudonym")
def pseudonym(
    user_ids: Annotated[list[str], typer.Argument(help="the shop's own user ids")],
) -> None:
    """Print the graph id (pseudonym) of each shop user id, as `shop id<TAB>graph id` lines:
    the `$user` the Cypher pack in cypher/explore/ asks for."""
    from interestgraph.privacy import create_pseudonymizer

    pseudonymizer = create_pseudonymizer(load_settings())
    for user_id in user_ids:
        typer.echo(f"{user_id}\t{pseudonymizer.user_id(user_id)}")


@app.command("forget")
def forget(
    user_id: Annotated[str, typer.Argument(help="the shop's own user id (as in its data)")],
    pseudonym: Annotated[
        bool, typer.Option("--pseudonym", help="USER_ID is already the pseudonym the graph holds")
    ] = False,
) -> None:
    """Remove a user and everything derived from it: edges, embedding, interests, segments,
    and the lines naming it in the rejects files under INTERESTGRAPH_HOME."""
    from interestgraph.db.connection import connect
    from interestgraph.privacy import create_pseudonymizer, forget_user, user_record_files

    settings = load_settings()
    target = user_id.strip() if pseudonym else create_pseudonymizer(settings).user_id(user_id)
    if not target:
        raise BadInput("a user id must not be blank")
    with connect(settings) as driver:
        try:
            report = forget_user(driver, target, files=user_record_files(settings))
        except NotFound as e:
            shown = f"pseudonym {target}" if pseudonym else f"id '{user_id}' (pseudonym {target})"
            raise NotFound(f"no user with {shown} in the graph: nothing forgotten") from e
    console.print(report.summary(), highlight=False)


@app.command("fold-in")
def fold_in(
    user_ids: Annotated[
        list[str] | None, typer.Argument(help="the shop's own user ids (as in its data)")
    ] = None,
    changed: Annotated[
        bool,
        typer.Option(
            "--changed",
            help="every user with behaviour newer than the active model, or without a vector",
        ),
    ] = False,
    pseudonym: Annotated[
        bool, typer.Option("--pseudonym", help="USER_IDS are already the graph's pseudonyms")
    ] = False,
) -> None:
    """Embed new or changed users from their items' vectors now, without retraining, so their
    next recommendations reflect their latest events."""
    from interestgraph.db.connection import connect
    from interestgraph.privacy import create_pseudonymizer
    from interestgraph.serving.fold_in import changed_users, fold_in_users

    settings = load_settings()
    if not user_ids and not changed:
        raise BadInput("name the users to fold in, or pass --changed")
    pseudonymizer = create_pseudonymizer(settings)
    targets = [u.strip() if pseudonym else pseudonymizer.user_id(u) for u in user_ids or []]
    with connect(settings) as driver:
        if changed:
            targets = list(dict.fromkeys([*targets, *changed_users(driver)]))
        summary = fold_in_users(driver, targets)
    per_user = 1000 * summary.seconds / max(len(targets), 1)
    console.print(
        f"folded in {len(summary.folded)} users, skipped {len(summary.skipped)} without "
        f"embedded items, in {summary.seconds:.2f} s ({per_user:.1f} ms per user)",
        highlight=False,
    )


# uvicorn's own logging off: its errors go through the JSON lines `configure_logging` sets up,
# and the API logs every request itself (no access log).
UVICORN_LOGGING: dict[str, Any] = {"log_level": "warning", "log_config": None, "access_log": False}


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="default INTERESTGRAPH_API_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default INTERESTGRAPH_API_PORT")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="server processes, each with its own Neo4j driver and copy of the item vectors",
        ),
    ] = 1,
) -> None:
    """Serve the GraphQL API (GraphiQL at /graphql) until Ctrl-C."""
    import uvicorn

    from interestgraph.api.app import create_app
    from interestgraph.api.logs import configure_logging
    from interestgraph.db.connection import connect

    settings = load_settings()
    connect(settings).close()  # fail with one clear line before uvicorn starts
    if host is not None:
        settings = settings.model_copy(update={"api_host": host})
    if port is not None:
        settings = settings.model_copy(update={"api_port": port})
    api = create_app(settings)  # bad keys or settings fail here, before anything is announced
    _require_free_port(settings.api_host, settings.api_port)
    url = f"http://{settings.api_host}:{settings.api_port}/graphql"
    processes = f", {workers} worker processes" if workers > 1 else ""
    console.print(f"GraphQL at {url} (Ctrl-C stops{processes})")
    configure_logging()
    if workers == 1:
        uvicorn.run(api, host=settings.api_host, port=settings.api_port, **UVICORN_LOGGING)
    else:
        uvicorn.run(
            f"{__name__}:{worker_app.__name__}",
            factory=True,
            workers=workers,
            host=settings.api_host,
            port=settings.api_port,
            **UVICORN_LOGGING,
        )
    console.print("GraphQL server stopped")


def worker_app() -> Starlette:
    """The app of one `serve --workers N` process: uvicorn starts workers from an import string,
    so each builds its settings from the environment it inherits, as `serve` did."""
    from interestgraph.api.app import create_app
    from interestgraph.api.logs import configure_logging

    configure_logging()
    return create_app(load_settings())


def _require_free_port(host: str, port: int) -> None:
    """Refuse to start the API on a taken port with one clear line (not uvicorn's log).

    The probe binds as uvicorn will, with SO_REUSEADDR: a port whose last server just stopped
    still holds connections in TIME_WAIT, which uvicorn's bind ignores and a plain bind does not
    (a restart right after Ctrl-C was refused for a minute).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            raise BadInput(
                f"cannot serve on {host}:{port} ({e.strerror}): stop what uses it or set "
                "INTERESTGRAPH_API_PORT / --port"
            ) from e


@app.command("demo")
def demo(
    epochs: EpochsOption = 30,
    device: DeviceOption = None,
    serve_api: Annotated[
        bool, typer.Option("--serve/--no-serve", help="keep serving GraphQL at the end")
    ] = True,
) -> None:
    """The main job: start Neo4j, ingest Amazon Beauty, topics and interests, train, write
    back, serve GraphQL."""
    import uvicorn

    from interestgraph.api.app import create_app
    from interestgraph.api.logs import configure_logging
    from interestgraph.db.connection import connect
    from interestgraph.db.server import LocalNeo4jServer
    from interestgraph.demo import pick_demo_subjects, show_when_serving
    from interestgraph.privacy import create_pseudonymizer
    from interestgraph.training.run import TrainingConfig

    settings = load_settings()
    dataset_dir = settings.data_dir / DEMO_SOURCE
    require_dataset_folder(
        dataset_dir, "set INTERESTGRAPH_DATA to the folder holding amazon-beauty/"
    )
    config = TrainingConfig(epochs=epochs)
    if settings.manages_local_server:
        console.rule("1. Neo4j")
        status = LocalNeo4jServer(settings).start()
        console.print(
            f"Neo4j running (pid {status.pid}): Bolt {status.bolt_uri}, "
            f"Browser {status.http_url}/browser/ (user {settings.neo4j_user}, "
            f"password in {settings.password_file})"
        )
    with connect(settings) as driver:
        console.rule("2. ingest (schema, Amazon Beauty)")
        print_ingest_report(_run_ingest(settings, driver, DEMO_SOURCE, dataset_dir))
        console.rule("3. item text embeddings, topics, interest profiles")
        print_topic_report(_run_topics(driver, device=device))
        print_interest_report(build_interest_profiles(settings, driver, None))
        console.rule("4. export, train LightGCN, write embeddings back")
        print_train_report(_run_training(settings, driver, config, device))
        subjects = pick_demo_subjects(driver, dataset_dir, create_pseudonymizer(settings))
    if not serve_api or subjects is None:
        return
    console.rule("5. GraphQL")
    _require_free_port(settings.api_host, settings.api_port)
    url = f"http://{settings.api_host}:{settings.api_port}/graphql"
    configure_logging()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host=settings.api_host,
            port=settings.api_port,
            **UVICORN_LOGGING,
        )
    )
    console.print(f"GraphQL (GraphiQL in a browser) at {url}; Ctrl-C stops")
    show_when_serving(lambda: server.started, url, subjects, typer.echo)
    server.run()
    console.print("GraphQL server stopped; Neo4j keeps running (`interestgraph db stop`)")
