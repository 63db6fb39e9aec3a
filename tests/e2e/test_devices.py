"""Across devices: the same user's browsers on two Streamlit servers sharing one real Redis
or PostgreSQL (the tests on two servers run on each), and one server with the embedded
relay. Each browser context is a device (its own storage).

The "another user sees nothing" checks wait for a sentinel first: a device of the writing
user on the same server as the other user gets the value, so the news has been everywhere
it would go before the other user's tabs are read.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .faults_helpers import poll_until
from .harness import (
    APPS,
    DEVICES_QUIET_S,
    Profile,
    StreamlitServer,
    Tab,
    assert_no_errors,
    assert_no_reruns,
    fill_number,
    start_streamlit,
    stop_server,
    stop_servers,
    wait_settled,
)
from .relay_helpers import PostgresProcess, RedisProcess

APP = APPS / "devices_app.py"

#: Not in parallel with other tests (see the marker in conftest.py).
pytestmark = pytest.mark.alone




@pytest.fixture(scope="module")
def log_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="tabsync-devices-"))


#: The relays several server processes share; the tests on two servers run on each.
SHARED_RELAYS = {"redis": RedisProcess, "postgres": PostgresProcess}
SharedRelay = RedisProcess | PostgresProcess


@pytest.fixture(scope="module", params=list(SHARED_RELAYS))
def shared_relay(request: pytest.FixtureRequest, log_dir: Path) -> Iterator[SharedRelay]:
    process = SHARED_RELAYS[request.param](log_dir).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def two_servers(shared_relay: SharedRelay, log_dir: Path) -> Iterator[list[StreamlitServer]]:
    env = {shared_relay.env: shared_relay.url}
    servers = [start_streamlit(APP, log_dir, extra_env=env) for _ in range(2)]
    yield servers
    stop_servers([server.process for server in servers])


@pytest.fixture(scope="module")
def embedded_server(log_dir: Path) -> Iterator[StreamlitServer]:
    server = start_streamlit(APP, log_dir)
    yield server
    stop_server(server.process)


def device(new_context: Callable[[], Profile], server: StreamlitServer, user: str,
           tabs: int = 1, query: str = "") -> list[Tab]:
    """A new browser profile (a device) with ``tabs`` tabs of ``user`` on ``server``."""
    return new_context().open_tabs(f"{server.url}/?user={user}{query}", tabs)


def test_a_change_on_one_device_reaches_both_tabs_of_another_through_the_relay(
    two_servers: list[StreamlitServer], shared_relay: SharedRelay,
    new_context: Callable[[], Profile],
) -> None:
    (laptop,) = device(new_context, two_servers[0], "u-reach")
    screen = device(new_context, two_servers[1], "u-reach", tabs=2)
    assert f"relay={shared_relay.name} healthy=True wakeup=rerun" in laptop.text("relay=")
    fill_number(laptop, "Zoom", 7)
    for tab in screen:
        tab.expect_value("zoom", "7")
    laptop.expect_value("zoom", "7")


def test_the_writer_pays_no_second_run_of_the_app_script(
    two_servers: list[StreamlitServer], new_context: Callable[[], Profile]
) -> None:
    (laptop,) = device(new_context, two_servers[0], "u-cost")
    (screen,) = device(new_context, two_servers[1], "u-cost")
    before = wait_settled([laptop, screen], DEVICES_QUIET_S)
    fill_number(laptop, "Zoom", 3)
    screen.expect_value("zoom", "3")  # through the relay, from the writer's own run
    laptop.expect_value("zoom", "3")
    after = wait_settled([laptop, screen], DEVICES_QUIET_S)
    assert after[0] == before[0] + 1, "only the user's own run of the whole script"
    assert after[1] == before[1] + 1, "one run of the other device"


def test_another_users_devices_see_nothing_both_ways(
    two_servers: list[StreamlitServer], new_context: Callable[[], Profile]
) -> None:
    (ann,) = device(new_context, two_servers[0], "ann-apart")
    (ann_sentinel,) = device(new_context, two_servers[1], "ann-apart")
    (bob,) = device(new_context, two_servers[1], "bob-apart")
    (bob_sentinel,) = device(new_context, two_servers[0], "bob-apart")
    fill_number(ann, "Zoom", 5)
    ann_sentinel.expect_value("zoom", "5")
    bob.fill_text("Note", "bob's")
    bob_sentinel.expect_value("note", "\"bob's\"")
    assert bob.value("zoom") == "1" and bob_sentinel.value("zoom") == "1"
    assert ann.value("note") == "''" and ann_sentinel.value("note") == "''"


def test_a_device_opened_later_starts_with_the_shared_values(
    two_servers: list[StreamlitServer], new_context: Callable[[], Profile]
) -> None:
    (first,) = device(new_context, two_servers[0], "u-later")
    fill_number(first, "Zoom", 9)
    first.fill_text("Note", "kept")
    first.expect_value("note", "'kept'")
    for server in two_servers:
        (later,) = device(new_context, server, "u-later")
        later.expect_value("zoom", "9")
        later.expect_value("note", "'kept'")


def test_rapid_edits_on_two_devices_converge_on_the_last(
    two_servers: list[StreamlitServer], new_context: Callable[[], Profile]
) -> None:
    (one,) = device(new_context, two_servers[0], "u-race")
    two = device(new_context, two_servers[1], "u-race", tabs=2)
    for n, tab in enumerate([one, two[0], one, two[0], one, two[0]]):
        commit_number(tab, "Zoom", 20 + n)
    for tab in [one, *two]:
        tab.expect_value("zoom", "25")


def test_the_embedded_relay_keeps_one_users_devices_in_step_and_others_apart(
    embedded_server: StreamlitServer, new_context: Callable[[], Profile]
) -> None:
    (ann,) = device(new_context, embedded_server, "ann-emb")
    ann_phone = device(new_context, embedded_server, "ann-emb", tabs=2)
    (bob,) = device(new_context, embedded_server, "bob-emb")
    assert "relay=embedded healthy=True" in ann.text("relay=")
    fill_number(ann, "Zoom", 4)
    for tab in ann_phone:
        tab.expect_value("zoom", "4")
    fill_number(bob, "Zoom", 8)
    bob.expect_value("zoom", "8")
    (bob_later,) = device(new_context, embedded_server, "bob-emb")
    bob_later.expect_value("zoom", "8")  # bob's news has been through the relay
    for tab in [ann, *ann_phone]:
        assert tab.value("zoom") == "4"


@pytest.mark.parametrize("relay_name", list(SHARED_RELAYS))
def test_the_relay_down_then_back_loses_nothing(
    relay_name: str, log_dir: Path, new_context: Callable[[], Profile]
) -> None:
    store = SHARED_RELAYS[relay_name](log_dir).start()
    env = {store.env: store.url}
    servers = [start_streamlit(APP, log_dir, extra_env=env) for _ in range(2)]
    try:
        (laptop,) = device(new_context, servers[0], "u-outage")
        screen = device(new_context, servers[1], "u-outage", tabs=2)
        fill_number(laptop, "Zoom", 2)
        screen[1].expect_value("zoom", "2")

        store.kill()
        for tab in [laptop, *screen]:
            tab.expect_status("degraded")
        assert f"relay={relay_name} healthy=False" in laptop.text("relay=")
        # Each browser's tabs keep syncing among themselves; nothing raises.
        fill_number(screen[0], "Zoom", 6)
        screen[1].expect_value("zoom", "6")
        laptop.fill_text("Note", "offline")
        laptop.expect_value("note", "'offline'")
        assert_no_errors(laptop, *screen)

        # Same port: Redis empty (every write it held is gone), PostgreSQL with what it held
        # before the edits made while it was down.
        store.start()
        for tab in [laptop, *screen]:
            tab.expect_status("live")
            tab.expect_value("zoom", "6")
            tab.expect_value("note", "'offline'")
        assert store.live_entries(_scope_of(laptop)) == 2
    finally:
        for server in servers:
            stop_server(server.process)
        store.stop()


def commit_number(tab: Tab, label: str, value: int, tries: int = 5) -> None:
    """Types ``value`` and submits it until the tab's script shows it: a value typed while
    another device's news redraws the input is replaced before Enter (as for a user), so the
    edit is typed again. The news of the other edits is still on its way meanwhile."""
    line = tab.line(f"value:{label.lower()}=")
    for _ in range(tries):
        fill_number(tab, label, value)
        try:
            expect(line).to_have_text(f"value:{label.lower()}={value}", timeout=3_000)
            return
        except AssertionError:
            continue
    raise AssertionError(f"{label}={value} was never committed in {tab.name}")


def _scope_of(tab: Tab) -> str:
    """The namespace (scope) a tab syncs in, read from its stored entries."""
    keys = [k for k in tab.local_storage() if k.startswith("tabsync:v1:")]
    assert keys, "the tab has stored entries"
    return keys[0].split(":")[2]


def test_values_expire_on_the_relay_with_their_ttl(
    two_servers: list[StreamlitServer],
    shared_relay: SharedRelay,
    new_context: Callable[[], Profile],
) -> None:
    (laptop,) = device(new_context, two_servers[0], "u-ttl", query="&ttl=6")
    (screen,) = device(new_context, two_servers[1], "u-ttl", query="&ttl=6")
    fill_number(laptop, "Zoom", 7)
    screen.expect_value("zoom", "7")
    scope = _scope_of(laptop)
    # 6 s: long enough that the entry still lives when a loaded machine shows the value.
    left = shared_relay.expires_in_ms(scope)
    assert 0 < left <= 6000, f"the relay's entry expires with it ({left} ms)"
    deadline = time.monotonic() + 20
    while shared_relay.live_entries(scope):
        assert time.monotonic() < deadline, "the relay's entry should have expired"
        time.sleep(0.05)  # poll interval
    (later,) = device(new_context, two_servers[1], "u-ttl", query="&ttl=6")
    later.expect_status("live")
    assert later.value("zoom") == "1", "an expired value is not brought back"


#: Submits the typed value with Enter at the wall-clock time ``at`` and records what the input
#: held at that moment (another device's news may have redrawn it first).
_ENTER_AT_JS = """(input, at) => setTimeout(() => {
    input.dataset.enteredWith = input.value;
    input.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', bubbles: true}));
}, Math.max(0, at - Date.now()))"""


def test_reject_lets_exactly_one_of_two_simultaneous_writes_win(
    two_servers: list[StreamlitServer], new_context: Callable[[], Profile]
) -> None:
    (one,) = device(new_context, two_servers[0], "u-cas", query="&conflict=reject")
    (two,) = device(new_context, two_servers[1], "u-cas", query="&conflict=reject")
    boxes = [t.front().page.get_by_role("spinbutton", name="Zoom", exact=True) for t in (one, two)]
    # Both typed first, then both submitted at one agreed instant (each page's clock is the
    # wall clock). News travels in about one run now, so under load one device's news can
    # redraw the other's input before its Enter: that round shows no race (one edit only)
    # and is tried again with new values; a round where both inputs still held their typed
    # values at Enter is the race, and exactly one write must win.
    for attempt in range(8):
        typed = (str(31 + 2 * attempt), str(32 + 2 * attempt))
        for box, value in zip(boxes, typed, strict=True):
            box.fill(value)
        reported = [t.text("conflicts=").count("->") for t in (one, two)]
        at = time.time() * 1000 + 400
        for box in boxes:
            box.evaluate(_ENTER_AT_JS, at)
        poll_until(lambda: all(b.get_attribute("data-entered-with") for b in boxes), "both Enters")
        entered = tuple(b.get_attribute("data-entered-with") for b in boxes)
        for box in boxes:
            box.evaluate("(input) => { delete input.dataset.enteredWith; }")
        values, reports = _converged(one, two, reported, expected_report=False)
        if entered != typed:
            continue  # news came first: no race this round
        # An Enter pressed in the very instant news redraws the input can be swallowed (the
        # widget commits the news' value, though the page still showed the typed one): then
        # only one write reached the server, which no device reports. Once both settled, a
        # round with no report is such a round; a refusal is reported in the loser's run.
        wait_settled([one, two], DEVICES_QUIET_S)
        values, reports = _converged(one, two, reported, expected_report=False)
        if not any(reports):
            continue
        (winner,) = values
        losers = [r for r in reports if r]
        assert len(losers) == 1, f"exactly one device's write is refused: {reports}"
        mine, theirs = losers[0].split("|")[-1].removeprefix("zoom:").split("->")
        assert {mine, theirs} == set(typed) and theirs == winner
        return
    pytest.fail("no round raced the two writes: both devices always saw news first")


def _converged(
    one: Tab, two: Tab, before: list[int], *, expected_report: bool
) -> tuple[set[str], list[str]]:
    """Waits until both devices show one value (and, for a race, a conflict report beyond the
    ``before`` counts, read before the round's Enters); returns the values and each device's
    report of this round."""
    deadline = time.monotonic() + 30
    while True:
        values = {one.value("zoom"), two.value("zoom")}
        texts = [t.text("conflicts=")[len("conflicts="):] for t in (one, two)]
        fresh = [
            text if text.count("->") > seen else ""
            for text, seen in zip(texts, before, strict=True)
        ]
        if len(values) == 1 and (any(fresh) or not expected_report):
            return values, fresh
        assert time.monotonic() < deadline, f"no convergence: {values}, {texts}"
        time.sleep(0.05)  # poll interval


def test_the_polling_fallback_brings_news_to_idle_devices(
    log_dir: Path, new_context: Callable[[], Profile]
) -> None:
    server = start_streamlit(APP, log_dir, extra_env={"TABSYNC_WAKEUP": "poll"})
    try:
        (ann,) = device(new_context, server, "ann-poll")
        (phone,) = device(new_context, server, "ann-poll")
        assert "wakeup=poll" in phone.text("relay=")
        fill_number(ann, "Zoom", 6)
        phone.expect_value("zoom", "6")
    finally:
        stop_server(server.process)


#: Writes ``count`` valid entries of made-up keys into the page's storage, in ``scope``.
_WRITE_JUNK_JS = """([scope, count]) => {
    for (let n = 0; n < count; n++) {
        const key = `junk-${n}`;
        localStorage.setItem(`tabsync:v1:${scope}:${key}`, JSON.stringify(
            {f: 1, ns: scope, k: key, v: n, s: [Date.now(), 0, "hostile"]}));
    }
}"""


def test_a_browser_handing_over_thousands_of_made_up_keys_grows_no_relay_and_reruns_no_one(
    two_servers: list[StreamlitServer],
    shared_relay: SharedRelay,
    new_context: Callable[[], Profile],
) -> None:
    hostile_context = new_context()
    (hostile,) = hostile_context.open_tabs(f"{two_servers[0].url}/?user=u-junk", 1)
    members = [device(new_context, server, "u-junk")[0] for server in two_servers]
    fill_number(hostile, "Zoom", 5)
    for tab in members:
        tab.expect_value("zoom", "5")
    scope = _scope_of(hostile)
    assert shared_relay.live_entries(scope) == 1
    wait_settled(members, DEVICES_QUIET_S)

    # Valid entries of keys the app never binds, in the user's own namespace: a new tab of
    # that browser reads them at mount and its engine hands them over for the relay.
    junk = 3000
    hostile.page.evaluate(_WRITE_JUNK_JS, [scope, junk])
    (again,) = hostile_context.open_tabs(f"{two_servers[0].url}/?user=u-junk", 1)
    poll_until(
        lambda: int(again.text("ignored=").removeprefix("ignored=")) >= junk,
        "the server to report the refused entries",
    )
    assert shared_relay.live_entries(scope) == 1, "the relay holds only the bound key"
    assert_no_reruns(members)
    (later,) = device(new_context, two_servers[1], "u-junk")
    later.expect_value("zoom", "5")
    assert not [k for k in later.local_storage() if ":junk-" in k], "no junk reached the relay"

    fill_number(again, "Zoom", 6)  # the hostile browser's real edits still go through
    for tab in [*members, later]:
        tab.expect_value("zoom", "6")
