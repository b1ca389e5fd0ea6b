"""`interestgraph serve` as a child process of the API load benchmark, against a benchmark graph.

The child gets its whole configuration from the environment (the benchmark server's URI and
password, the benchmark's pseudonym key, a read and a write API key generated for this start)
and runs in a home of its own, so neither the developer's shell nor the repository's `.env`
changes what is measured, and the keys are never written to a file.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from datapath_graphs import BENCHMARK_KEY, WORK

from interestgraph.config import Settings
from interestgraph.db.server import find_free_port

HOME = WORK / "api-load"
CLI = Path(sys.executable).parent / "interestgraph"
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0
OWN_ENV_PREFIXES = ("INTERESTGRAPH_", "NEO4J_")


@dataclass(frozen=True)
class ApiService:
    """A started API: where to send requests and the key of each scope."""

    url: str
    read_key: str
    write_key: str
    workers: int
    pid: int  # of `interestgraph serve`, which leads a process group of its own


def _child_env(settings: Settings, read_key: str, write_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_ENV_PREFIXES)}
    env |= {
        "NEO4J_URI": settings.bolt_uri,
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.password(),
        "INTERESTGRAPH_HOME": str(HOME),
        "INTERESTGRAPH_PSEUDONYM_KEY": BENCHMARK_KEY.decode("ascii"),
        "INTERESTGRAPH_API_KEYS": f"bench-read:read:{read_key},bench-write:write:{write_key}",
    }
    return env


def _wait_healthy(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll /healthz until it answers; fail with the log's tail if the child exits first."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"interestgraph serve exited with {process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"interestgraph serve did not answer /healthz in {START_TIMEOUT_S:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the child's process group (uvicorn and its workers; uvicorn shuts down as on
    Ctrl-C, and a background shell's children ignore SIGINT), a kill if it hangs."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def running_api(settings: Settings, *, workers: int = 1) -> Iterator[ApiService]:
    """`interestgraph serve` on a free loopback port against ``settings``' server, until exit.

    Stopping waits for requests in flight, so writes the load generator gave up on are finished
    (or not) before anyone counts events in the database.
    """
    HOME.mkdir(parents=True, exist_ok=True)
    read_key, write_key = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    port = find_free_port()
    command = [str(CLI), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    log = HOME / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            env=_child_env(settings, read_key, write_key),
            cwd=HOME,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(port, process, log)
        url = f"http://127.0.0.1:{port}/graphql"
        yield ApiService(url, read_key, write_key, workers, process.pid)
    finally:
        _stop(process)
