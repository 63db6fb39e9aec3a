"""A real Streamlit server and Debian's headless Chromium, for the scripts in this folder.

``scripts/wheel_smoke.py`` serves an app with the Python of a clean virtual environment (the
installed wheel); ``scripts/screenshots.py`` serves the example dashboard from the source
tree. Both drive the pages from the development environment's Playwright. The pieces are
the end-to-end tests' own (``tests.support``: the command line, free ports, the health check,
stopping, the browser's flags), as for bench/; only the choice of Python, working folder and
environment is this module's. Run the scripts as modules from the repository's root
(``python -m scripts.screenshots``), so that ``tests.support`` imports.

Every wait polls a condition until a deadline; nothing sleeps to synchronise.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.browser import launch_chromium
from tests.support.servers import StreamlitServer, free_port, spawn_streamlit, wait_healthy

__all__ = ["launch_chromium", "serve"]

#: Seconds for a server to answer its health check (a cold start of a fresh virtual
#: environment on 2 busy cores is slow).
SERVER_START_S = 90.0


def serve(python: str, app: Path, cwd: Path, log: Path, env: dict[str, str]) -> StreamlitServer:
    """Run ``python -m streamlit run app`` on a free port and wait until it is healthy.

    ``env`` is the server's whole environment: the caller decides what it may see (the wheel
    check gives it no ``PYTHONPATH``, so only the installed package can be imported).
    """
    server = spawn_streamlit(python, app, free_port(), cwd, env, log)
    return wait_healthy(server, within_s=SERVER_START_S)
