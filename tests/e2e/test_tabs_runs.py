"""Within one browser, the server is a fast path too: the tabs of a browser that are
sessions of one server process get an edit from the run that made it (one run each), while
storage carries it as ever. (A tab of the browser on another process of the same origin,
behind a load balancer, gets it from storage: its route differs; tests/relay.rs pins that
the engine delivers such an entry at once.)"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .harness import (
    APPS,
    TABS_QUIET_S,
    Profile,
    StreamlitServer,
    fill_number,
    start_streamlit,
    stop_servers,
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
