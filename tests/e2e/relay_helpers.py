"""The shared relays' servers for the across-devices tests and benchmarks: real
``redis-server`` and PostgreSQL processes (Debian's, from make setup).

Both have one interface: ``name`` (as ``SyncInfo.relay`` says it), ``env`` (the variable
that points a Streamlit server at it) and ``url``; ``start()`` (again on the same port after
``kill()``: Redis comes back empty, PostgreSQL with its data), ``kill()`` and ``stop()``
(for good, files removed); and what the relay holds for a scope: ``live_entries(scope)``
and ``expires_in_ms(scope)``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

# The repository's root, for tests/postgres_server.py (shared with the Python tests, bench).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from streamlit_tabsync._relay.redis_relay import entries_key
from tests.postgres_server import PostgresServer

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
START_S = 20.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisProcess:
    """One ``redis-server`` on 127.0.0.1, persistence off; it can be killed and restarted
    (empty) on the same port, as a crashed and restarted Redis would be."""

    name = "redis"
    env = "TABSYNC_REDIS_URL"

    def __init__(self, log_dir: Path) -> None:
        self.port = _free_port()
        self.log_dir = log_dir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisProcess:
        if not Path(REDIS_SERVER).exists():
            raise RuntimeError("redis-server is not installed: run make setup-redis")
        log = (self.log_dir / f"redis-{self.port}.log").open("ab")
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_S
        while not _answers_ping(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)  # poll interval
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        """Stop for good (nothing on disk to remove: persistence is off)."""
        self.kill()

    def client(self):  # unannotated: redis is an optional dependency
        import redis

        return redis.Redis.from_url(self.url, decode_responses=True)

    def live_entries(self, scope: str) -> int:
        """How many entries the relay holds for ``scope`` (its key expires with them)."""
        return self.client().hlen(entries_key(scope))

    def expires_in_ms(self, scope: str) -> int:
        """How long until the scope's entries expire (-1: never, -2: none held)."""
        return self.client().pttl(entries_key(scope))


class PostgresProcess(PostgresServer):
    """One PostgreSQL server (see ``tests/postgres_server.py``) in the role of the relay's
    store; killed, it starts again on the same directory and port with its data."""

    name = "postgres"
    env = "TABSYNC_DATABASE_URL"

    def live_entries(self, scope: str) -> int:
        """How many unexpired entries the relay holds for ``scope``."""
        return int(self._scalar(
            f"SELECT count(*) FROM tabsync.entries WHERE scope = %s AND {_LIVE}", scope
        ))

    def expires_in_ms(self, scope: str) -> int:
        """How long until the scope's last entry expires (-1: never, -2: none held)."""
        left = self._scalar(
            f"SELECT CASE WHEN count(*) = 0 THEN -2 WHEN bool_or(expires_at IS NULL) THEN -1 "
            f"ELSE max(expires_at) - {_NOW_MS} END "
            f"FROM tabsync.entries WHERE scope = %s AND {_LIVE}",
            scope,
        )
        return int(left)

    def _scalar(self, query: str, *params: object) -> object:
        with self.connect() as conn:
            return conn.execute(query, params).fetchone()[0]


_NOW_MS = "floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
_LIVE = f"(expires_at IS NULL OR expires_at > {_NOW_MS})"
