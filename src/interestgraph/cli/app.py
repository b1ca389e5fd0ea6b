"""The `interestgraph` app: its Typer apps, console, settings, progress display and entry point.

Every expected failure is an `InterestGraphError`: `main` prints it as one line on stderr and exits
with status 1, so users never see a bare traceback for a missing file or a stopped database.
"""

from __future__ import annotations

import sys
import warnings
from typing import TYPE_CHECKING

import typer
from neo4j.exceptions import ServiceUnavailable, SessionExpired
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from interestgraph.config import Settings
from interestgraph.errors import DatabaseUnavailable, InterestGraphError

if TYPE_CHECKING:
    pass


# The dataset `interestgraph demo` ingests (from $INTERESTGRAPH_DATA/amazon-beauty).
DEMO_SOURCE = "amazon-beauty"
# Folder under $INTERESTGRAPH_DATA read when `ingest SOURCE` gets no PATH (default: SOURCE).
DATASET_FOLDERS = {"lcrec": "amazon-office", "tmall": "tmall-multibehavior"}


app = typer.Typer(
    help="interestgraph: a user interest graph in Neo4j, learned with PyG, served over GraphQL.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(
    help="Run the local Neo4j server (skipped when NEO4J_URI is set).", no_args_is_help=True
)
app.add_typer(db_app, name="db")

console = Console(stderr=True, soft_wrap=True)


def load_settings() -> Settings:
    return Settings()


def progress_display() -> Progress:
    return Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def main() -> None:
    """Console-script entry point: run the app, print expected errors as one line."""
    # PyG still calls torch.jit.script at import; the deprecation is theirs, not the user's.
    warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.*", category=FutureWarning)
    try:
        app()
    except InterestGraphError as e:
        console.print(f"[bold red]error:[/] {e}", highlight=False)
        sys.exit(1)
    except (ServiceUnavailable, SessionExpired) as e:
        console.print(f"[bold red]error:[/] {DatabaseUnavailable(f'lost Neo4j: {e}')}")
        sys.exit(1)
