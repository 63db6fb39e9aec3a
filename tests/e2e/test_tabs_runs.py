"""Within one browser, the server is a fast path too: the tabs of a browser that are
sessions of one server process get an edit from the run that made it (one run each), while
storage carries it as ever. (A tab of the browser on another process of the same origin,
behind a load balancer, gets it from storage: its route differs; tests/relay.rs pins that
the engine delivers such an entry at once.)"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .harness import (
    APPS,
    DEADLINE_MS,
    POLL_S,
    TABS_QUIET_S,
    Profile,
    StreamlitServer,
    expect,
    fill_number,
    start_streamlit,
    stop_servers,
    text_line,
    wait_settled,
)

APP = APPS / "tabs_runs_app.py"


@pytest.fixture(scope="module")
def servers() -> Iterator[list[StreamlitServer]]:
    """A server of the app."""
    log_dir = Path(tempfile.mkdtemp(prefix="tabsync-tabs-runs-"))
    started = [start_streamlit(APP, log_dir)]
    yield started
    stop_servers([server.process for server in started])


def test_each_other_tab_on_the_server_runs_once_and_the_entry_names_the_servers_route(
    servers: list[StreamlitServer], new_context: Callable[[], Profile]
) -> None:
    writer, *readers = new_context().open_tabs(f"{servers[0].url}/", 3)
    everyone = [writer, *readers]
    before = wait_settled(everyone, TABS_QUIET_S)
    fill_number(writer, "Zoom", 4)
    for tab in readers:
        tab.expect_value("zoom", "4")
    after = wait_settled(everyone, TABS_QUIET_S)
    runs = [a - b for a, b in zip(after, before, strict=True)]
    assert runs == [1, 1, 1], f"runs per tab (writer first): {runs}"
    (entry,) = [v for k, v in writer.local_storage().items() if k.endswith(":zoom")]
    assert '"r":"p' in entry, f"the edit went through this process's tab group: {entry}"
    # Handing the render args to Streamlit as a dict would import pandas into the app (and
    # every run's garbage collection would walk it): this app never imports it.
    assert text_line(writer, "pandas=") == "False"


class _Hold:
    """A local HTTP endpoint a page calls with a synchronous request to block its own main
    thread until the test lets it go (a busy page: a heavy chart drawing, a slow machine)."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        hold = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hold.arrived.set()
                hold.release.wait(60)
                self.send_response(204)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hold"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()


def test_a_tab_busy_while_the_server_runs_it_twice_shows_both_values_once_free(
    servers: list[StreamlitServer], new_context: Callable[[], Profile]
) -> None:
    """Two edits in a row rerun the other tab twice from the server; a tab whose page is busy
    meanwhile gets both runs in one burst, where Streamlit's frontend can replace the first
    run's element before drawing it. The widget must still show the value that run set."""
    run_log = Path(tempfile.mkdtemp(prefix="tabsync-runlog-")) / "reader.log"
    profile = new_context()
    writer = profile.start_tab(f"{servers[0].url}/")
    reader = profile.start_tab(f"{servers[0].url}/?runlog={run_log}")
    for tab in (writer, reader):
        tab.wait_rendered("live")
    wait_settled([writer, reader], TABS_QUIET_S)
    hold = _Hold()
    try:
        reader.page.evaluate(
            "url => setTimeout(() => { const r = new XMLHttpRequest();"
            " r.open('GET', url, false); try { r.send(); } catch (e) {} }, 0)",
            hold.url,
        )
        assert hold.arrived.wait(20), "the reader's page did not block"
        runs_before = len(run_log.read_text().splitlines())
        fill_number(writer, "Zoom", 4)
        writer.expect_value("zoom", "4")
        fill_number(writer, "Level", 7)
        writer.expect_value("level", "7")
        deadline = time.monotonic() + DEADLINE_MS / 1000
        while len(run_log.read_text().splitlines()) < runs_before + 2:
            assert time.monotonic() < deadline, "the server did not run the busy reader twice"
            time.sleep(POLL_S)  # poll period
    finally:
        hold.close()
    for label, shown in (("Zoom", "4"), ("Level", "7")):
        expect(reader.page.get_by_role("spinbutton", name=label, exact=True)).to_have_value(shown)
