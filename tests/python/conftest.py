"""Shared fixtures: real ``redis-server`` and PostgreSQL processes for the relay tests, and
polling.

Redis servers run on free ports with no persistence; PostgreSQL servers in temporary data
directories (``tests/support/postgres_server.py``). ``scripts/setup-redis.sh`` and
``scripts/setup-postgres.sh`` (``make setup``) install them. Tests that need one are skipped,
saying so, when it is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.postgres_server import PostgresServer
from tests.support.postgres_server import installed as postgres_installed

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def wait_for(condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> object:
    """Poll ``condition`` until it returns a truthy value (returned), or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(0.01)  # the poll interval, not a synchronisation


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """One ``redis-server`` process on 127.0.0.1, no persistence."""

    def __init__(self, workdir: Path, port: int | None = None, locale: str = "C") -> None:
        self.port = port or free_port()
        self.locale = locale
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        if not os.path.exists(REDIS_SERVER):
            pytest.skip("redis-server is not installed (make setup-redis)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / f"redis-{self.port}.log", "ab")  # noqa: SIM115 - kept open
        env = {**os.environ, "LC_ALL": self.locale, "LANG": self.locale}
        # The locale matters: Redis sets LC_COLLATE from it, and Lua compares strings with
        # strcoll. The stamp tests run servers under several locales.
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        log.close()
        wait_for(self._answers, 15.0, f"redis-server on port {self.port} to answer PING")
        return self

    def _answers(self) -> bool:
        import redis

        if self.process is not None and self.process.poll() is not None:
            log = (self.workdir / f"redis-{self.port}.log").read_text(errors="replace")
            pytest.fail(f"redis-server exited with {self.process.returncode}:\n{log[-2000:]}")
        try:
            # from_url: no client-side retries (Redis(...) would retry 10 times, backing off).
            with redis.Redis.from_url(self.url, socket_connect_timeout=0.5) as client:
                return bool(client.ping())
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        """Stop the server abruptly (SIGKILL) and wait for it."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def client(self):  # type: ignore[no-untyped-def]
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=5)


@pytest.fixture(scope="session")
def redis_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., RedisServer]]:
    """A factory of started servers: ``start(locale="C", port=None)``; all killed at the end."""
    pytest.importorskip("redis", reason="redis-py is not installed (requirements-dev.txt)")
    started: list[RedisServer] = []

    def start(locale: str = "C", port: int | None = None) -> RedisServer:
        server = RedisServer(tmp_path_factory.mktemp("redis"), port=port, locale=locale)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.kill()


@pytest.fixture(scope="session")
def redis_server(redis_servers: Callable[..., RedisServer]) -> RedisServer:
    """The shared server (locale C) of the relay tests."""
    return redis_servers()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The shared server's URL, emptied (FLUSHALL) for the test."""
    with redis_server.client() as client:
        client.flushall()
    return redis_server.url


@pytest.fixture(scope="session")
def postgres_servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., PostgresServer]]:
    """A factory of started PostgreSQL servers: ``start(icu=True, port=None)``; all removed at
    the end."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (requirements-dev.txt)")
    if not postgres_installed():
        pytest.skip("PostgreSQL is not installed (make setup-postgres)")
    started: list[PostgresServer] = []
    log_dir = tmp_path_factory.mktemp("postgres-logs")

    def start(icu: bool = True, port: int | None = None) -> PostgresServer:
        server = PostgresServer(log_dir, icu=icu, port=port)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server(postgres_servers: Callable[..., PostgresServer]) -> PostgresServer:
    """The shared server (ICU en-US default collation) of the relay tests."""
    return postgres_servers()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The shared server's URL, the relay's schema dropped first (made again on first use)."""
    with postgres_server.connect() as conn:
        conn.execute("DROP SCHEMA IF EXISTS tabsync CASCADE")
    return postgres_server.url
