"""Real ``streamlit run`` servers on free ports, for the tests, the benchmarks and the scripts.

Each server runs in its own process group (so stopping it stops what it started), headless,
on 127.0.0.1 only, with no file watcher and no usage statistics.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

#: The repository's root (servers run there; the package is imported from its source tree).
REPO = Path(__file__).resolve().parents[2]

#: Deadline for a Streamlit server to answer its health check, in seconds.
SERVER_START_S = 60.0
#: Poll period of the health check, in seconds.
HEALTH_POLL_S = 0.1

#: Origin of every Streamlit server this process started: what a recycled browser context has
#: its storage cleared for (see ``tests.e2e.harness.ContextPool``).
SERVED_ORIGINS: set[str] = set()


def default_host() -> str:
    """The Streamlit host the package itself would choose: ``v2`` where Streamlit has it."""
    try:
        import streamlit.components.v2  # noqa: F401
    except ImportError:
        return "v1"
    return "v2"


#: The Streamlit host a server is started with unless told: ``TABSYNC_HOST`` (passed on to
#: every server), else what the package itself would choose. ``make test-e2e`` runs the
#: end-to-end suite once per host.
HOST = os.environ.get("TABSYNC_HOST") or default_host()


@dataclass
class StreamlitServer:
    """A running ``streamlit run`` of one app."""

    app: Path
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of the server's log."""
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> int | None:
        """End the server (see :func:`stop_server`); its exit code, ``None`` if killed."""
        return stop_server(self.process)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(url: str) -> bool:
    """Whether the Streamlit server at ``url`` answers its health check with ``ok``."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, OSError):
        return False


def stop_server(process: subprocess.Popen[bytes]) -> int | None:
    """End the server and anything it started (it runs in its own process group): SIGTERM,
    SIGKILL after 10 s. Returns its exit code, or ``None`` when it had to be killed."""
    return stop_servers([process])[0]


def stop_servers(processes: list[subprocess.Popen[bytes]]) -> list[int | None]:
    """End several servers as :func:`stop_server` does, all signalled at once: each takes about
    half a second to shut down, which a suite with a dozen servers would otherwise pay in a row.
    Returns their exit codes, ``None`` for each that had to be killed."""
    running = [p for p in processes if p.poll() is None]
    for process in running:
        os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    killed: set[int] = set()
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            killed.add(process.pid)
    return [None if p.pid in killed else p.returncode for p in processes]


def streamlit_command(python: str, app: Path, port: int) -> list[str]:
    """The ``streamlit run`` command line of every server the tests, the bench and the
    scripts start: headless, local only, no file watcher, no usage stats."""
    return [
        python, "-m", "streamlit", "run", str(app),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        # Apps give widgets a default value and sync() assigns values from other tabs:
        # Streamlit logs a warning with a stack for that, which only buries real errors.
        "--global.disableWidgetStateDuplicationWarning", "true",
    ]


def spawn_streamlit(
    python: str, app: Path, port: int, cwd: Path, env: dict[str, str], log_path: Path
) -> StreamlitServer:
    """Start ``python -m streamlit run app`` on ``port`` in ``cwd`` with exactly ``env``, its
    output in ``log_path``, without waiting for it (see :func:`wait_healthy`)."""
    url = f"http://127.0.0.1:{port}"
    SERVED_ORIGINS.add(url)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            streamlit_command(python, app, port),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return StreamlitServer(app, url, process, log_path)


def launch_streamlit(
    app: Path,
    log_dir: Path,
    host: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> StreamlitServer:
    """Start ``streamlit run app`` from the source tree with this Python, on a free port, with
    ``TABSYNC_HOST=host`` (default :data:`HOST`) and ``extra_env``, without waiting for it
    (see :func:`wait_healthy`). ``TABSYNC_REDIS_URL`` is passed on only through
    ``extra_env``."""
    env = dict(os.environ)
    env.pop("TABSYNC_REDIS_URL", None)  # only a server that asks for Redis gets it
    env.update(extra_env or {})
    env["TABSYNC_HOST"] = host or HOST
    # The package is importable from the source tree even when it is not pip-installed.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO / "streamlit_component"), env.get("PYTHONPATH")) if p
    )
    port = free_port()
    log_path = log_dir / f"{app.stem}-{env['TABSYNC_HOST']}-{port}.log"
    return spawn_streamlit(sys.executable, app, port, REPO, env, log_path)


def wait_healthy(server: StreamlitServer, within_s: float = SERVER_START_S) -> StreamlitServer:
    """Wait until ``server`` answers its health check; stop it and raise if it never does."""
    deadline = time.monotonic() + within_s
    while not healthy(server.url):
        if server.process.poll() is not None:
            raise RuntimeError(
                f"streamlit exited with {server.process.returncode}:\n{server.log_tail()}"
            )
        if time.monotonic() > deadline:
            stop_server(server.process)
            raise RuntimeError(
                f"streamlit not healthy after {within_s}s:\n{server.log_tail()}"
            )
        time.sleep(HEALTH_POLL_S)  # poll period of the health check, not a synchronisation
    return server


def start_streamlit(
    app: Path,
    log_dir: Path,
    host: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> StreamlitServer:
    """Start ``streamlit run app`` on a free port and wait until its health check says ok."""
    return wait_healthy(launch_streamlit(app, log_dir, host, extra_env))
