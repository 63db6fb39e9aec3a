"""Real ``redis-server`` processes for the across-devices tests and benchmarks (Debian's,
installed by ``make setup``)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from .servers import free_port

#: Debian's ``redis-server`` (``scripts/setup-redis.sh``).
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
#: Deadline for a new ``redis-server`` to answer ``PING``, in seconds.
START_S = 20.0


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

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.log_dir = log_dir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The ``redis://`` URL of database 0 of this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisProcess:
        """Start the server on its port and wait until it answers ``PING``."""
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
        """Kill the server at once (no shutdown), as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def client(self):  # unannotated: redis is an optional dependency
        """A ``redis.Redis`` client of this server, decoding replies to ``str``."""
        import redis

        return redis.Redis.from_url(self.url, decode_responses=True)
