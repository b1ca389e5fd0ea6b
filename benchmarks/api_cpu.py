"""Where the CPU went during a load run: the API, Neo4j, the load generator, and everyone else.

The machine is shared and has 2 cores: a run's figures mean little without knowing how much of
the CPU the three took per request and how much other work on the machine took meanwhile. Read
from /proc (Linux): the API's whole process group (every worker), Neo4j's process, this
process's reaped children (the load generator, once it has exited) and the machine's busy time.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


@dataclass(frozen=True)
class CpuSample:
    """CPU seconds so far of each party, and the machine's busy and total CPU seconds."""

    api: float
    neo4j: float
    children: float
    busy: float
    total: float
    wall: float


def _process_seconds(stat: str) -> tuple[int, float]:
    """(process group, user + system seconds) from a /proc/<pid>/stat line."""
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    return int(fields[2]), (int(fields[11]) + int(fields[12])) / TICK


def _group_seconds(pgid: int) -> float:
    seconds = 0.0
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            group, used = _process_seconds((entry / "stat").read_text(encoding="ascii"))
        except (OSError, ValueError):
            continue  # gone meanwhile
        if group == pgid:
            seconds += used
    return seconds


def _pid_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        return _process_seconds((PROC / str(pid) / "stat").read_text(encoding="ascii"))[1]
    except OSError:
        return 0.0


def cpu_sample(api_pgid: int, neo4j_pid: int | None) -> CpuSample:
    """CPU seconds of the API's process group, of Neo4j, of reaped children, of the machine."""
    cpu = (PROC / "stat").read_text(encoding="ascii").splitlines()[0].split()[1:]
    ticks = [int(v) for v in cpu[:8]]  # user nice system idle iowait irq softirq steal
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return CpuSample(
        api=_group_seconds(api_pgid),
        neo4j=_pid_seconds(neo4j_pid),
        children=children.ru_utime + children.ru_stime,
        busy=(sum(ticks) - ticks[3] - ticks[4]) / TICK,
        total=sum(ticks) / TICK,
        wall=time.monotonic(),
    )


def cpu_metrics(
    prefix: str, before: CpuSample, after: CpuSample, requests: int
) -> dict[str, float | int | str]:
    """CPU milliseconds per answered request of the API, Neo4j and the load generator, and the
    shares of the machine's CPU they and everything else used during the run."""
    api, neo4j = after.api - before.api, after.neo4j - before.neo4j
    loadgen = after.children - before.children
    total, busy = after.total - before.total, after.busy - before.busy
    per_request = 1000 / max(requests, 1)
    return {
        f"{prefix}.cpu_ms_per_request.api": api * per_request,
        f"{prefix}.cpu_ms_per_request.neo4j": neo4j * per_request,
        f"{prefix}.cpu_ms_per_request.loadgen": loadgen * per_request,
        f"{prefix}.cpu_share.ours": (api + neo4j + loadgen) / total,
        f"{prefix}.cpu_share.others": max(0.0, busy - api - neo4j - loadgen) / total,
    }
