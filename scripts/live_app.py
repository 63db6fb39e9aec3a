"""A real Streamlit server and Debian's headless Chromium, for the scripts in this folder.

``scripts/wheel_smoke.py`` serves an app with the Python of a clean virtual environment (the
installed wheel); ``scripts/screenshots.py`` serves the example dashboard from the source
tree. Both drive the pages from the development environment's Playwright. (The end-to-end
tests have their own harness, tests/e2e/harness.py, which always serves the source tree.)

Every wait polls a condition until a deadline; nothing sleeps to synchronise.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM = os.environ.get("TABSYNC_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Seconds for a server to answer its health check (a cold start on 2 busy cores is slow).
SERVER_START_S = 90.0
#: Poll period of the health check.
POLL_S = 0.1


@dataclass
class Server:
    """A running ``streamlit run``, in its own process group, logging to ``log``."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> int | None:
        """SIGTERM the server and whatever it started; SIGKILL if it is not gone in 15 s.

        Returns the exit code, or ``None`` when it had to be killed.
        """
        if self.process.poll() is not None:
            return self.process.returncode
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
            return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, OSError):
        return False


def serve(python: str, app: Path, cwd: Path, log: Path, env: dict[str, str]) -> Server:
    """Run ``python -m streamlit run app`` on a free port and wait until it is healthy.

    ``env`` is the server's whole environment: the caller decides what it may see (the wheel
    check gives it no ``PYTHONPATH``, so only the installed package can be imported).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                python, "-m", "streamlit", "run", str(app),
                "--server.headless", "true",
                "--server.address", "127.0.0.1",
                "--server.port", str(port),
                "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false",
                # The apps give bound widgets a default value and sync() assigns values from
                # other tabs; Streamlit's warning about that would only fill the log.
                "--global.disableWidgetStateDuplicationWarning", "true",
            ],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(url, process, log)
    deadline = time.monotonic() + SERVER_START_S
    while not _healthy(url):
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{server.log_tail()}")
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"streamlit not healthy after {SERVER_START_S} s:\n{server.log_tail()}")
        time.sleep(POLL_S)  # poll period of the health check, not a synchronisation
    return server


def launch_chromium(playwright: Playwright, extra_args: list[str] | None = None) -> Browser:
    """Debian's Chromium, headless (Playwright's own browser download cannot work here)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS + (extra_args or []), headless=True
    )
