"""The `interestgraph` command line: thin commands that validate, call one core function, format.

Every expected failure is an `InterestGraphError`: `main` prints it as one line on stderr and exits
with status 1, so users never see a bare traceback for a missing file or a stopped database.
Importing this package registers every command on the app.
"""

from interestgraph.cli import commands, db, segments
from interestgraph.cli.app import app, main

__all__ = ["app", "commands", "db", "main", "segments"]
