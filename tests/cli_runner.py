"""Runs the `interestgraph` command line as a real process against the test session's server."""

from __future__ import annotations

import os
import subprocess
import sys

from graph_builder import TEST_PSEUDONYM_KEY
from interestgraph.config import Settings

CLI = (sys.executable, "-m", "interestgraph")


def cli_environment(settings: Settings, **env: str) -> dict[str, str]:
    """The process environment with ``settings``' connection and home, the test pseudonym key,
    a wide terminal, and ``env`` on top."""
    return (
        dict(
            os.environ,
            NEO4J_URI=settings.bolt_uri,
            NEO4J_USER=settings.neo4j_user,
            NEO4J_PASSWORD=settings.password(),
            INTERESTGRAPH_HOME=str(settings.home),
            INTERESTGRAPH_PSEUDONYM_KEY=TEST_PSEUDONYM_KEY,
            COLUMNS="200",
        )
        | env
    )


def run_cli(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m interestgraph ARGS` in :func:`cli_environment`; output captured as text."""
    return subprocess.run(
        [*CLI, *args],
        env=cli_environment(settings, **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
