"""Runs Neo4j Community as a local process from the jars Maven resolved (no Docker, no tarball).

The layout mirrors a Neo4j home: ``<home>/neo4j/{conf,data,logs,run,import}``. The classpath is
``<runtime>/plugins/*:<runtime>/lib/*`` and the plugins directory is ``<runtime>/plugins``, as the
official start script does, so the GDS procedures register.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from interestgraph.config import REPO_ROOT, Settings
from interestgraph.errors import ServerStartError

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
PID_FILE_NAME = "neo4j.pid"
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
)


@dataclass(frozen=True)
class ServerStatus:
    """What ``interestgraph db status`` reports."""

    running: bool
    pid: int | None
    bolt_uri: str
    http_url: str
    home: Path


def _port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def find_free_port() -> int:
    """A loopback port nobody listens on now (for tests and side-by-side instances)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalNeo4jServer:
    """Installs (via Maven), configures, starts and stops one local Neo4j server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.home.resolve() / "neo4j"
        self.conf_dir = self.root / "conf"
        self.data_dir = self.root / "data"
        self.logs_dir = self.root / "logs"
        self.run_dir = self.root / "run"
        self.import_dir = self.root / "import"
        self.pid_file = self.run_dir / PID_FILE_NAME
        self.runtime = settings.neo4j_runtime.resolve()

    # -- installation -------------------------------------------------------------------------

    @property
    def lib_dir(self) -> Path:
        return self.runtime / "lib"

    @property
    def plugins_dir(self) -> Path:
        return self.runtime / "plugins"

    def is_installed(self) -> bool:
        return any(self.lib_dir.glob("neo4j-5.*.jar"))

    def install(self) -> None:
        """Resolve the server jars with Maven unless they are already laid out."""
        if self.is_installed():
            return
        mvn = shutil.which("mvn")
        pom = REPO_ROOT / "neo4j" / "pom.xml"
        if mvn is None or not pom.is_file():
            raise ServerStartError(
                f"Neo4j is not installed in {self.runtime} and Maven (mvn) or {pom} is missing: "
                "run `make neo4j` from the repository"
            )
        result = subprocess.run(
            [mvn, "-q", "-B", "-f", str(pom), "package"],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not self.is_installed():
            tail = (result.stdout + result.stderr).strip().splitlines()[-5:]
            raise ServerStartError("Maven could not resolve Neo4j: " + " | ".join(tail))

    def _classpath(self) -> str:
        return f"{self.plugins_dir}/*{os.pathsep}{self.lib_dir}/*"

    def _java(self) -> str:
        java_home = os.environ.get("JAVA_HOME")
        if java_home and (Path(java_home) / "bin" / "java").is_file():
            return str(Path(java_home) / "bin" / "java")
        java = shutil.which("java")
        if java is None:
            raise ServerStartError(
                "no `java` on PATH and JAVA_HOME unset: Neo4j 5.26 needs Java 17+"
            )
        return java

    # -- configuration ------------------------------------------------------------------------

    def _write_config(self) -> None:
        s = self.settings
        for folder in (self.conf_dir, self.data_dir, self.logs_dir, self.run_dir, self.import_dir):
            folder.mkdir(parents=True, exist_ok=True)
        lines = [
            "# written by interestgraph on every start; edit the settings, not this file",
            f"server.directories.data={self.data_dir}",
            f"server.directories.logs={self.logs_dir}",
            f"server.directories.run={self.run_dir}",
            f"server.directories.import={self.import_dir}",
            f"server.directories.plugins={self.plugins_dir}",
            "server.default_listen_address=127.0.0.1",
            "server.default_advertised_address=127.0.0.1",
            f"server.bolt.listen_address=127.0.0.1:{s.bolt_port}",
            f"server.bolt.advertised_address=127.0.0.1:{s.bolt_port}",
            f"server.http.listen_address=127.0.0.1:{s.http_port}",
            f"server.http.advertised_address=127.0.0.1:{s.http_port}",
            "server.https.enabled=false",
            f"server.memory.pagecache.size={s.neo4j_pagecache}",
            "server.jvm.additional=-XX:+UseG1GC",
            "dbms.security.procedures.unrestricted=gds.*",
            "dbms.security.procedures.allowlist=gds.*",
            "db.tx_log.rotation.retention_policy=2 files",
            "dbms.usage_report.enabled=false",
        ]
        (self.conf_dir / "neo4j.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _ensure_password(self) -> None:
        """Set a generated (or the configured) initial password before the very first start."""
        auth_file = self.data_dir / "dbms" / "auth.ini"
        if auth_file.exists():
            return
        s = self.settings
        password = (
            s.neo4j_password.get_secret_value()
            if s.neo4j_password is not None
            else secrets.token_urlsafe(18)
        )
        env = dict(os.environ, NEO4J_HOME=str(self.root), NEO4J_CONF=str(self.conf_dir))
        result = subprocess.run(
            [
                self._java(),
                "-cp",
                f"{self.lib_dir}/*",
                ADMIN_TOOL,
                "dbms",
                "set-initial-password",
                "--",  # the password is no option even when it starts with "-"
                password,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise ServerStartError(
                "could not set the initial Neo4j password: " + result.stderr.strip()[-300:]
            )
        s.home.mkdir(parents=True, exist_ok=True)
        s.password_file.write_text(password + "\n", encoding="utf-8")
        s.password_file.chmod(0o600)

    # -- process ------------------------------------------------------------------------------

    def _read_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text(encoding="utf-8").strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _pid_alive(pid) else None

    def status(self) -> ServerStatus:
        pid = self._read_pid()
        s = self.settings
        return ServerStatus(
            running=pid is not None and _port_open(s.bolt_port),
            pid=pid,
            bolt_uri=s.bolt_uri,
            http_url=f"http://127.0.0.1:{s.http_port}",
            home=self.root,
        )

    def start(self) -> ServerStatus:
        """Start the server and wait until Bolt and HTTP answer; idempotent when it runs."""
        current = self.status()
        if current.running:
            return current
        if current.pid is not None:
            raise ServerStartError(
                f"Neo4j (pid {current.pid}) is starting or hung; run `interestgraph db stop` first"
            )
        s = self.settings
        for name, port in (("Bolt", s.bolt_port), ("HTTP", s.http_port)):
            if _port_open(port):
                raise ServerStartError(
                    f"port {port} ({name}) is already taken by another process: stop it or set "
                    f"INTERESTGRAPH_{name.upper()}_PORT"
                )
        self.install()
        self._write_config()
        self._ensure_password()
        console = self.logs_dir / "console.log"
        command = [
            self._java(),
            f"-Xms{s.neo4j_heap}",
            f"-Xmx{s.neo4j_heap}",
            *JVM_FLAGS,
            "-cp",
            self._classpath(),
            ENTRY_POINT,
            f"--home-dir={self.root}",
            f"--config-dir={self.conf_dir}",
        ]
        with console.open("ab") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.root,
                start_new_session=True,
            )
        self.pid_file.write_text(str(process.pid), encoding="utf-8")
        deadline = time.monotonic() + s.neo4j_start_timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise ServerStartError(
                    f"Neo4j exited during start (code {process.returncode}): "
                    f"{self._last_error(console)} (logs in {self.logs_dir})"
                )
            if _port_open(s.bolt_port) and _port_open(s.http_port):
                return self.status()
            time.sleep(0.5)
        self.stop()
        raise ServerStartError(
            f"Neo4j did not answer on port {s.bolt_port} within {s.neo4j_start_timeout_s:.0f} s "
            f"(logs in {self.logs_dir})"
        )

    def _last_error(self, console: Path) -> str:
        candidates = [console, self.logs_dir / "neo4j.log", self.logs_dir / "debug.log"]
        for path in candidates:
            if not path.is_file():
                continue
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            errors = [line for line in lines if "ERROR" in line or "Exception" in line]
            if errors:
                return errors[-1].strip()[:400]
        return "no error in the logs"

    def stop(self, timeout_s: float = 60.0) -> bool:
        """Stop the server gracefully (SIGTERM, then SIGKILL); False when it was not running."""
        pid = self._read_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and _pid_alive(pid):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.2)
        if _pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        self.pid_file.unlink(missing_ok=True)
        return True
