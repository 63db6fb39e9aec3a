"""Across devices, what a change costs in script runs: the writer's own run only, and one
run of each idle reader, applied there from the relay; a reader busy in a long run when the
news comes gets it in one run once that run ends. On the embedded relay (one server) and on
Redis (two servers)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .harness import (
    APPS,
    DEVICES_QUIET_S,
    Profile,
    StreamlitServer,
    Tab,
    fill_number,
    start_streamlit,
    stop_servers,
    wait_settled,
)
from .relay_helpers import RedisProcess

APP = APPS / "devices_runs_app.py"

#: Not in parallel with other tests (see the marker in conftest.py).
pytestmark = pytest.mark.alone


@pytest.fixture(scope="module", params=["embedded", "redis"])
def servers(request: pytest.FixtureRequest) -> Iterator[list[StreamlitServer]]:
    """One server with the embedded relay, or two sharing a real Redis."""
    log_dir = Path(tempfile.mkdtemp(prefix="tabsync-runs-"))
    redis = None
    if request.param == "redis":
        redis = RedisProcess(log_dir).start()
        env = {"TABSYNC_REDIS_URL": redis.url}
        started = [start_streamlit(APP, log_dir, extra_env=env) for _ in range(2)]
    else:
        started = [start_streamlit(APP, log_dir)]
    yield started
    stop_servers([server.process for server in started])
    if redis is not None:
        redis.kill()


def _device(new_context: Callable[[], Profile], server: StreamlitServer, user: str,
            tabs: int = 1) -> list[Tab]:
    return new_context().open_tabs(f"{server.url}/?user={user}", tabs)


def test_a_change_costs_the_writer_one_run_and_each_idle_reader_one_run(
    servers: list[StreamlitServer], new_context: Callable[[], Profile]
) -> None:
    user = f"u-runs-{len(servers)}"
    writer, writers_other_tab = _device(new_context, servers[0], user, tabs=2)
    readers = [
        writers_other_tab,  # the writer's own browser: its storage event must not rerun it
        *_device(new_context, servers[0], user),
        *_device(new_context, servers[-1], user, tabs=2),
    ]
    everyone = [writer, *readers]
    before = wait_settled(everyone, DEVICES_QUIET_S)
    fill_number(writer, "Zoom", 5)
    for tab in readers:
        tab.expect_value("zoom", "5")
    after = wait_settled(everyone, DEVICES_QUIET_S)
    runs = [a - b for a, b in zip(after, before, strict=True)]
    assert runs == [1] * len(everyone), f"runs per tab (writer first): {runs}"


def test_a_reader_busy_in_a_long_run_gets_the_news_once_that_run_ends(
    servers: list[StreamlitServer], new_context: Callable[[], Profile]
) -> None:
    user = f"u-busy-{len(servers)}"
    (writer,) = _device(new_context, servers[0], user)
    (reader,) = _device(new_context, servers[-1], user)
    (before,) = wait_settled([reader], DEVICES_QUIET_S)
    reader.front().page.get_by_role("button", name="Work").click()
    expect(reader.line("working in run ")).to_have_text(f"working in run {before + 1}")
    fill_number(writer, "Zoom", 8)
    writer.expect_value("zoom", "8")
    # The news reached the relay while the reader's run was still going (it has read the
    # relay before its long part): the case under test.
    expect(reader.page.locator(".stApp")).to_have_attribute("data-test-script-state", "running")
    reader.expect_value("zoom", "8")
    (after,) = wait_settled([reader], DEVICES_QUIET_S)
    assert after == before + 2, f"the long run and one run for the news: runs {before} -> {after}"
