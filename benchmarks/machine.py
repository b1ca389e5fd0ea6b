"""A one-line description of the machine a benchmark ran on, for the `machine` entry."""

from __future__ import annotations

import os
import platform

import torch


def describe_machine() -> str:
    """CPU count, memory, Python, torch and the accelerator used, e.g. for README tables."""
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (
        f"{os.cpu_count()} CPU cores {platform.machine()}, {pages / 2**30:.0f} GiB, "
        f"{device}, Python {platform.python_version()}, torch {torch.__version__}"
    )
