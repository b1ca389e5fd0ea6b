"""The community detection algorithms and backends a segmentation can use: a module of its own,
free of heavy imports, so the command line can offer them without loading torch and igraph."""

from __future__ import annotations

from enum import StrEnum


class Algorithm(StrEnum):
    """Leiden and Louvain run on the user projection; bipartite Leiden on the users × items
    graph itself (Barber's bipartite modularity), in Python only: GDS has no such method."""

    LEIDEN = "leiden"
    LOUVAIN = "louvain"
    BIPARTITE_LEIDEN = "bipartite-leiden"


class Backend(StrEnum):
    AUTO = "auto"
    GDS = "gds"
    PYTHON = "python"
