"""The community detection algorithms and backends a segmentation can use: a module of its own,
free of heavy imports, so the command line can offer them without loading torch and igraph."""

from __future__ import annotations

from enum import StrEnum


class Algorithm(StrEnum):
    LEIDEN = "leiden"
    LOUVAIN = "louvain"


class Backend(StrEnum):
    AUTO = "auto"
    GDS = "gds"
    PYTHON = "python"
