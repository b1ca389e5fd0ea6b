"""The Python side of the load generator: one autocannon run (benchmarks/load/run.mjs) and its
summary as flat metrics.

run.mjs is a Node.js child: autocannon keeps many connections busy from one core at a fraction
of what a Python client would need, which matters when the client shares 2 cores with the API
and Neo4j. The config goes in on stdin (it holds the API keys), a progress line a second comes
back on stderr and the summary on stdout.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from api_service import ApiService
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

LOAD = Path(__file__).resolve().parent / "load"
FIRST = 20
READ_QUERY = (
    "query Recommend($id: ID!, $first: Int!) "
    "{ user(id: $id) { recommendations(first: $first) { score item { id } } } }"
)
WRITE_MUTATION = (
    "mutation Record($events: [EventInput!]!) "
    "{ recordEvents(events: $events) { received recorded duplicates } }"
)
KINDS = ("read", "write", "resend")
# Longer than the API's own request timeout, so a slow request shows as the API's TIMEOUT
# answer rather than a connection the client gave up on.
CLIENT_TIMEOUT_S = 30
PRIME_TIMEOUT_S = 180.0
RETRIED_CODES = {"TIMEOUT", "UNAVAILABLE"}


def prime(api: ApiService, query: str, variables: list[dict[str, Any]], *, write: bool) -> float:
    """Send each request (at once, on connections of their own) until it is answered without
    errors; the seconds that took.

    A fresh process loads the item vectors on its first read and scans every behaviour edge for
    the newest event time on its first write, and answers TIMEOUT meanwhile: that one-time cost
    is paid here, before any timed run. Several requests at once reach every process of a
    multi-process server (very likely: the kernel spreads new connections); a request answered
    TIMEOUT or UNAVAILABLE is sent again unchanged (a write is idempotent by its event ids).
    """
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(variables)) as pool:
        list(pool.map(lambda v: _send_until_answered(api, query, v, write=write), variables))
    return time.monotonic() - started


def _send_until_answered(
    api: ApiService, query: str, variables: dict[str, Any], *, write: bool
) -> None:
    body = json.dumps({"query": query, "variables": variables}).encode("utf-8")
    headers = {
        "content-type": "application/json",
        "x-api-key": api.write_key if write else api.read_key,
    }
    deadline = time.monotonic() + PRIME_TIMEOUT_S
    problem = ""
    while time.monotonic() < deadline:
        request = urllib.request.Request(api.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=CLIENT_TIMEOUT_S) as reply:
                answer = json.loads(reply.read())
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")
            try:
                answer = json.loads(text)
            except ValueError:
                answer = {"errors": [{"message": f"HTTP {e.code}: {text[:200]}"}]}
        except (urllib.error.URLError, TimeoutError) as e:
            answer = {"errors": [{"message": str(e), "extensions": {"code": "UNAVAILABLE"}}]}
        errors = answer.get("errors") or []
        if not errors and answer.get("data"):
            return
        codes = {(e.get("extensions") or {}).get("code") for e in errors}
        problem = json.dumps(errors)[:300]
        if not codes <= RETRIED_CODES:
            raise RuntimeError(f"the API refused the first request: {problem}")
        time.sleep(1.0)
    raise RuntimeError(f"the API did not answer in {PRIME_TIMEOUT_S:.0f} s: {problem}")


def run_load(
    api: ApiService, label: str, *, duration: int, config: dict[str, Any], console: Console
) -> dict[str, Any]:
    """One run of ``duration`` seconds with ``config`` (see run.mjs); its summary."""
    node = shutil.which("node")
    if node is None or not (LOAD / "node_modules" / "autocannon").is_dir():
        raise SystemExit(
            "autocannon is not installed: `make bench-api` installs it (npm ci in benchmarks/load)"
        )
    request = {
        "url": api.url,
        "readKey": api.read_key,
        "writeKey": api.write_key,
        "duration": duration,
        "timeout": CLIENT_TIMEOUT_S,
        "first": FIRST,
        "readQuery": READ_QUERY,
        "writeMutation": WRITE_MUTATION,
        **config,
    }
    progress = Progress(
        TextColumn(f"{label:<20}"),
        BarColumn(),
        TextColumn("{task.completed:>4.0f}/{task.total:.0f} s"),
        TextColumn("{task.fields[requests]:>8,} requests, {task.fields[errors]:,} errors"),
        TimeElapsedColumn(),
        console=console,
    )
    problems: list[str] = []
    with (
        progress,
        subprocess.Popen(
            [node, str(LOAD / "run.mjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as child,
    ):
        if child.stdin is None or child.stdout is None or child.stderr is None:
            raise RuntimeError("no pipes to run.mjs")
        task = progress.add_task(label, total=duration, requests=0, errors=0)
        child.stdin.write(json.dumps(request))
        child.stdin.close()
        # stdout is read beside stderr: the summary (every event sent included) outgrows the pipe
        # buffer, and run.mjs, blocked writing it, would never close stderr (a mix run hung so)
        with ThreadPoolExecutor(max_workers=1) as reader:
            summary_text = reader.submit(child.stdout.read)
            for line in child.stderr:
                try:
                    tick = json.loads(line)
                except json.JSONDecodeError:
                    problems.append(line.rstrip())
                    continue
                progress.update(
                    task,
                    completed=min(tick["seconds"], duration),
                    requests=tick["completed"],
                    errors=tick["errors"],
                )
            output = summary_text.result()
    if child.returncode != 0 or not output.strip():
        raise RuntimeError(f"run.mjs failed ({child.returncode}): " + "\n".join(problems[-20:]))
    summary: dict[str, Any] = json.loads(output)
    return summary


def run_metrics(prefix: str, summary: dict[str, Any], workers: int) -> dict[str, float | int | str]:
    """Throughput, latency (all responses, then per kind of request) and errors of one run.

    ``errors`` sums failed connections (timeouts included), non-2xx answers and 2xx answers
    carrying GraphQL errors or no data.
    """
    kinds = summary["kinds"]
    graphql = sum(kinds[k]["graphqlErrors"] for k in KINDS)
    http = sum(kinds[k]["httpErrors"] for k in KINDS)
    out: dict[str, float | int | str] = {
        f"{prefix}.seconds": summary["duration"],
        f"{prefix}.connections": summary["connections"],
        f"{prefix}.workers": workers,
        f"{prefix}.requests": summary["requests"],
        f"{prefix}.rps": summary["rps"],
        f"{prefix}.p50_ms": summary["latency"]["p50"],
        f"{prefix}.p90_ms": summary["latency"]["p90"],
        f"{prefix}.p99_ms": summary["latency"]["p99"],
        f"{prefix}.max_ms": summary["latency"]["max"],
        f"{prefix}.errors": summary["connectionErrors"] + http + graphql,
        f"{prefix}.errors_connection": summary["connectionErrors"],
        f"{prefix}.errors_http": http,
        f"{prefix}.errors_graphql": graphql,
        f"{prefix}.short_lists": summary["shortLists"],
    }
    if kinds["write"]["responses"] or kinds["resend"]["responses"]:
        for kind in KINDS:
            latency = kinds[kind]["latency"]
            out[f"{prefix}.{kind}.responses"] = kinds[kind]["responses"]
            out[f"{prefix}.{kind}.errors"] = (
                kinds[kind]["graphqlErrors"] + kinds[kind]["httpErrors"]
            )
            if latency["count"]:
                out[f"{prefix}.{kind}.p50_ms"] = latency["p50"]
                out[f"{prefix}.{kind}.p99_ms"] = latency["p99"]
        out |= {
            f"{prefix}.writes": summary["writes"],
            f"{prefix}.writes_answered": summary["answeredWrites"],
            f"{prefix}.resends": summary["resends"],
            f"{prefix}.resends_recorded": summary["resendRecorded"],
            f"{prefix}.payload_mismatches": summary["payloadMismatches"],
            f"{prefix}.recorded": summary["recorded"],
        }
    return out
