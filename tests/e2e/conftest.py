"""Fixtures of the end-to-end tests.

* ``streamlit_server``: one real ``streamlit run`` per app for the whole session, on a free port,
  killed at teardown; ``basic_app``, ``engine_app`` and ``late_sync_app`` are the test apps in
  ``apps/``, ``dashboard_app`` the example in ``examples/``.
* ``browser``: one headless Debian Chromium for the session.
* ``new_context`` / ``profile``: browser contexts (profiles) for one test, taken from the
  session's :class:`~.harness.ContextPool` (wiped between tests, HTTP cache kept). When a test
  fails, their teardown prints what each tab showed, its console messages and its
  ``localStorage``, plus the tail of the server log.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from .harness import (
    APPS,
    CHROMIUM_ARGS,
    E2E_CHROMIUM,
    REPO,
    ContextPool,
    Profile,
    StreamlitServer,
    start_streamlit,
    stop_servers,
)

_CALL_FAILED = pytest.StashKey[bool]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "alone: run in one process after the tests that run in parallel workers "
        "(scripts/run-e2e.sh). The across-devices tests: under the load of other workers a "
        "browser can draw a run so late that a stale widget state outlives the grace of "
        "SUPERSEDED_GRACE_S (the documented limit in _edit_rule.py), which their rapid edits "
        "across two devices met at four workers.",
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


@pytest.fixture(scope="session")
def streamlit_server() -> Iterator[Callable[[Path], StreamlitServer]]:
    """Factory: the server of one app script, started on first use, one per app per session."""
    servers: dict[Path, StreamlitServer] = {}
    log_dir = Path(tempfile.mkdtemp(prefix="tabsync-e2e-"))

    def get(app: Path) -> StreamlitServer:
        if app not in servers:
            servers[app] = start_streamlit(app, log_dir)
        return servers[app]

    yield get
    stop_servers([server.process for server in servers.values()])


@pytest.fixture(scope="session")
def basic_app(streamlit_server: Callable[[Path], StreamlitServer]) -> StreamlitServer:
    return streamlit_server(APPS / "basic.py")


@pytest.fixture(scope="session")
def engine_app(streamlit_server: Callable[[Path], StreamlitServer]) -> StreamlitServer:
    """The server of ``apps/engine.py`` (variants are chosen with query parameters)."""
    return streamlit_server(APPS / "engine.py")


@pytest.fixture(scope="session")
def late_sync_app(streamlit_server: Callable[[Path], StreamlitServer]) -> StreamlitServer:
    return streamlit_server(APPS / "late_sync.py")


@pytest.fixture(scope="session")
def dashboard_app(streamlit_server: Callable[[Path], StreamlitServer]) -> StreamlitServer:
    return streamlit_server(REPO / "examples" / "dashboard.py")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=E2E_CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def context_pool(browser: Browser) -> Iterator[ContextPool]:
    pool = ContextPool(browser)
    yield pool
    pool.close()


@pytest.fixture
def new_context(
    context_pool: ContextPool,
    request: pytest.FixtureRequest,
) -> Iterator[Callable[[], Profile]]:
    """Factory of wiped browser contexts (separate profiles), given back after the test."""
    profiles: list[Profile] = []

    def make() -> Profile:
        profile = Profile(context_pool.take(), "ABCDEFGH"[len(profiles)])
        profiles.append(profile)
        return profile

    yield make
    if request.node.stash.get(_CALL_FAILED, False):
        for profile in profiles:
            for tab in profile.tabs:
                print(tab.diagnostics())
        for fixture in ("basic_app", "engine_app", "late_sync_app", "dashboard_app"):
            if fixture in request.fixturenames:
                server = request.getfixturevalue(fixture)
                print(f"--- server log of {server.app.name} (tail)\n{server.log_tail()}")
    for profile in profiles:
        profile.stop_listening()
        context_pool.give_back(profile.context)


@pytest.fixture
def profile(new_context: Callable[[], Profile]) -> Profile:
    """The test's main profile."""
    return new_context()
