"""`python -m interestgraph` runs the command line."""

from interestgraph.cli import main

main()
