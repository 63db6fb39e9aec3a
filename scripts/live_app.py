"""A real Streamlit server and Debian's headless Chromium, for the scripts in this folder.

``scripts/wheel_smoke.py`` serves an app with the Python of a clean virtual environment (the
installed wheel); ``scripts/screenshots.py`` serves the example dashboard from the source
tree. Both drive the pages from the development environment's Playwright. The pieces are
the end-to-end tests' own (tests/e2e/harness.py: the command line, free ports, the health
check, stopping, the browser's flags), as for bench/; only the choice of Python, working
folder and environment is this module's.

Every wait polls a condition until a deadline; nothing sleeps to synchronise.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Browser, Playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    StreamlitServer,
    free_port,
    streamlit_command,
    wait_healthy,
)

#: Seconds for a server to answer its health check (a cold start of a fresh virtual
#: environment on 2 busy cores is slow).
SERVER_START_S = 90.0


def serve(python: str, app: Path, cwd: Path, log: Path, env: dict[str, str]) -> StreamlitServer:
    """Run ``python -m streamlit run app`` on a free port and wait until it is healthy.

    ``env`` is the server's whole environment: the caller decides what it may see (the wheel
    check gives it no ``PYTHONPATH``, so only the installed package can be imported).
    """
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            streamlit_command(python, app, port),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = StreamlitServer(app, f"http://127.0.0.1:{port}", process, log)
    return wait_healthy(server, within_s=SERVER_START_S)


def launch_chromium(playwright: Playwright, extra_args: list[str] | None = None) -> Browser:
    """Debian's Chromium, headless (Playwright's own browser download cannot work here)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS + (extra_args or []), headless=True
    )
