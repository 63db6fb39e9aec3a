"""A real PostgreSQL server for the tests and benchmarks: Debian's (``make setup-postgres``).

Each :class:`PostgresServer` has its own data directory (``initdb``, trust authentication,
superuser ``tabsync``) and a free port on 127.0.0.1, ``fsync`` off. ``initdb`` and
``postgres`` refuse to run as root, and CI runs as root: then they run as the ``postgres``
user, who owns the data directory (made outside root's private temporary folders, which
that user could not enter).

The default collation is ICU's ``en-US`` where available, in which ``"B" < "a"`` is false:
the relay's stamp comparisons must not depend on the database's collation.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

PG_BIN = Path(os.environ.get("TABSYNC_PG_BIN", "/usr/lib/postgresql/15/bin"))
#: The superuser the tests connect as.
SUPERUSER = "tabsync"
START_S = 30.0
#: The user the server runs as when this process is root.
SERVER_USER = "postgres"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def installed() -> bool:
    """Whether the server's binaries are here."""
    return all((PG_BIN / name).exists() for name in ("initdb", "postgres", "pg_isready"))


class PostgresServer:
    """One PostgreSQL server in a temporary data directory; it can be killed (SIGKILL) and
    started again on the same directory and port, as a crashed and restarted database would
    be (its data survives, unlike a Redis without persistence)."""

    def __init__(self, log_dir: Path, *, port: int | None = None, icu: bool = True) -> None:
        self.port = port or free_port()
        self.log_dir = log_dir
        self.icu = icu
        self.process: subprocess.Popen[bytes] | None = None
        self._as_other = os.geteuid() == 0
        self.data_dir = Path(tempfile.mkdtemp(prefix="tabsync-pg-"))
        if self._as_other:
            owner = pwd.getpwnam(SERVER_USER)
            os.chown(self.data_dir, owner.pw_uid, owner.pw_gid)
        self._initialised = False

    @property
    def url(self) -> str:
        return self.url_for(SUPERUSER)

    def url_for(self, user: str, password: str | None = None) -> str:
        """The URL of the ``postgres`` database as ``user``."""
        auth = f"{user}:{password}" if password else user
        return f"postgresql://{auth}@127.0.0.1:{self.port}/postgres"

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"postgres-{self.port}.log"

    def start(self) -> PostgresServer:
        """Start the server (making its data directory first), and wait until it answers."""
        if not installed():
            raise RuntimeError(f"PostgreSQL is not installed in {PG_BIN}: run make setup-postgres")
        if not self._initialised:
            self._initdb()
        deadline = time.monotonic() + START_S
        while True:
            self._spawn()
            if self._await_ready(deadline):
                return self
            # A restart right after a SIGKILL can find the old backends still attached to
            # their shared memory (they exit on their own shortly): try again.
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"postgres did not start on port {self.port}:\n{self._log_tail()}"
                )
            time.sleep(0.2)  # poll interval while the old backends exit

    def kill(self) -> None:
        """Stop the server abruptly (SIGKILL of the postmaster) and wait for it."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its data directory."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def connect(self, user: str = SUPERUSER) -> Any:
        """An autocommit psycopg connection (psycopg is imported here: an optional extra)."""
        import psycopg

        return psycopg.connect(self.url_for(user), autocommit=True, connect_timeout=5)

    # -- internals --------------------------------------------------------------------------

    def _run_as(self) -> dict[str, Any]:
        return {"user": SERVER_USER, "group": SERVER_USER} if self._as_other else {}

    def _initdb(self) -> None:
        args = [
            str(PG_BIN / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER,
            "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        ]
        if self.icu:
            args += ["--locale-provider=icu", "--icu-locale=en-US"]
        done = subprocess.run(
            args, capture_output=True, text=True, cwd=self.data_dir, timeout=120,
            **self._run_as(),
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed ({done.returncode}):\n{done.stderr[-2000:]}")
        self._initialised = True

    def _spawn(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(PG_BIN / "postgres"), "-D", str(self.data_dir), "-p", str(self.port),
                    "-k", str(self.data_dir), "-c", "listen_addresses=127.0.0.1",
                    # fsync off: the OS keeps what a killed server wrote (only a machine
                    # crash could lose it); synchronous commit stays on, or the last commits
                    # before a SIGKILL would be lost.
                    "-c", "fsync=off",
                ],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=self.data_dir, **self._run_as(),
            )

    def _await_ready(self, deadline: float) -> bool:
        """True once the server accepts connections; False if it exited first."""
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                return False
            ready = subprocess.run(
                [str(PG_BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port),
                 "-t", "1"],
                capture_output=True, timeout=10,
            )
            if ready.returncode == 0:
                return True
            time.sleep(0.05)  # poll interval
        return False

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-2000:]
        return ""
