"""The relay contract (``Relay`` in ``_relay/base.py``, ``docs/relays.md``), checked on every
relay: the embedded one, Redis and PostgreSQL, the last two on real servers (``conftest.py``).

Tests of one relay's own workings (its layout in the store, its schema) are in
``test_relay_redis.py`` and ``test_relay_postgres.py``; the stamp order against the shared
vectors in ``test_relay_stamps.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import free_port, wait_for
from relay_kit import (
    ALL_RELAYS,
    SCOPE,
    SHARED_RELAYS,
    T0,
    entry,
    listening,
    make_relay,
    url_of,
)

from streamlit_tabsync._relay import PutOutcome, Relay, RelayEntry, RelayUnavailable
from streamlit_tabsync._relay.base import MAX_SCOPE_BYTES, MAX_SCOPE_ENTRIES, now_ms


@pytest.fixture(params=ALL_RELAYS)
def relay(request: pytest.FixtureRequest) -> Iterator[Relay]:
    kind = request.param
    made = make_relay(kind, None if kind == "embedded" else url_of(kind, request))
    yield made
    made.close()


# -- storing --------------------------------------------------------------------------------


def test_a_newer_entry_replaces_the_stored_one(relay: Relay) -> None:
    first, second = entry(value=1), entry(wall=T0 + 1, value=2)
    assert relay.put(SCOPE, first) == PutOutcome(stored=True, current=first)
    assert relay.snapshot(SCOPE) == {"zoom": first}
    assert relay.put(SCOPE, second) == PutOutcome(stored=True, current=second)
    assert relay.snapshot(SCOPE) == {"zoom": second}
    # A greater counter, or tab id, in the same ms is newer too.
    third = entry(wall=T0 + 1, counter=1, value=3)
    fourth = entry(wall=T0 + 1, counter=1, tab="tab2", value=4)
    assert relay.put(SCOPE, third).stored and relay.put(SCOPE, fourth).stored
    assert relay.snapshot(SCOPE)["zoom"].text == fourth.text


def test_equal_and_older_entries_are_refused_and_the_winner_is_returned(relay: Relay) -> None:
    held = entry(wall=T0 + 10, counter=5, tab="b", value="held")
    assert relay.put(SCOPE, held).stored
    for loser in (
        entry(wall=T0 + 10, counter=5, tab="b", value="same stamp"),
        entry(wall=T0 + 9, counter=99, tab="z", value="older wall"),
        entry(wall=T0 + 10, counter=4, tab="z", value="older counter"),
        entry(wall=T0 + 10, counter=5, tab="B", value="older tab (bytes: B < b)"),
    ):
        outcome = relay.put(SCOPE, loser)
        assert outcome == PutOutcome(stored=False, current=held), loser.text
    assert relay.snapshot(SCOPE) == {"zoom": held}


def test_keys_are_independent(relay: Relay) -> None:
    zoom, layer = entry("zoom", T0 + 5), entry("layer", T0, value="roads")
    assert relay.put(SCOPE, zoom).stored and relay.put(SCOPE, layer).stored
    assert relay.snapshot(SCOPE) == {"zoom": zoom, "layer": layer}


def test_scopes_are_isolated(relay: Relay) -> None:
    mine = entry(value="mine")
    theirs = entry(value="theirs", scope="u-other")
    older_theirs = entry(wall=T0 - 1, value="older", scope="u-other")
    assert relay.put(SCOPE, mine).stored
    # Same key, other scope: stored, even with an older stamp than this scope's.
    assert relay.put("u-other", older_theirs).stored
    assert relay.put("u-other", theirs).stored
    assert relay.snapshot(SCOPE) == {"zoom": mine}
    assert relay.snapshot("u-other") == {"zoom": theirs}
    assert relay.snapshot("u-empty") == {}


def test_a_bad_scope_name_is_refused(relay: Relay) -> None:
    for scope in ("", "a b", "x" * 65, "é", "a:b{c}"):
        with pytest.raises(ValueError, match="bad relay scope"):
            relay.snapshot(scope)


def test_unicode_keys_and_large_entries_round_trip(relay: Relay) -> None:
    key = "clé 🗺️ " + "k" * 200
    big = entry(key, value="v" * (90 * 1024))
    assert relay.put(SCOPE, big).stored
    assert relay.snapshot(SCOPE) == {key: big}


# -- expiry ---------------------------------------------------------------------------------


def test_snapshot_never_returns_expired_entries(relay: Relay) -> None:
    now = now_ms()
    past = entry("past", now, x=now - 1)
    # Long enough to be seen on a loaded machine before it expires.
    soon = entry("soon", now, x=now + 1000)
    later = entry("later", now, x=now + 600_000)
    forever = entry("forever", now)
    for e in (past, soon, later, forever):
        assert relay.put(SCOPE, e).stored
    assert set(relay.snapshot(SCOPE)) == {"soon", "later", "forever"}
    wait_for(lambda: "soon" not in relay.snapshot(SCOPE), 10, "'soon' to expire")
    assert set(relay.snapshot(SCOPE)) == {"later", "forever"}


def test_an_expired_entry_counts_as_absent_for_put(relay: Relay) -> None:
    now = now_ms()
    assert relay.put(SCOPE, entry(wall=now + 1000, x=now - 1)).stored
    # Older than the expired entry, yet stored: nothing live held the key.
    revived = entry(wall=now, value="revived")
    assert relay.put(SCOPE, revived) == PutOutcome(stored=True, current=revived)
    # And compare-and-set with no base succeeds over an expired entry.
    relay.put(SCOPE, entry("k2", now + 1000, x=now - 1))
    assert relay.put(SCOPE, entry("k2", now), compare=True, base=None).stored
    assert set(relay.snapshot(SCOPE)) == {"zoom", "k2"}


# -- caps -----------------------------------------------------------------------------------


def test_a_scope_holds_at_most_its_cap_of_keys_and_replacing_one_still_works(
    relay: Relay,
) -> None:
    for n in range(MAX_SCOPE_ENTRIES):
        assert relay.put(SCOPE, entry(f"k{n}", T0)).stored
    refused = relay.put(SCOPE, entry("one-too-many", T0))
    assert not refused.stored and refused.full and refused.current is None
    assert relay.put(SCOPE, entry("k0", T0 + 1, value=9)).stored, "an existing key is replaced"
    snapshot = relay.snapshot(SCOPE)
    assert len(snapshot) == MAX_SCOPE_ENTRIES and "one-too-many" not in snapshot
    assert relay.put("u-another", entry("one-too-many", T0, scope="u-another")).stored


def test_a_scope_holds_at_most_its_cap_of_bytes_and_a_smaller_entry_still_fits(
    relay: Relay,
) -> None:
    big = "x" * (64 * 1024)
    count = 0
    while True:
        outcome = relay.put(SCOPE, entry(f"k{count}", T0, value=big))
        if not outcome.stored:
            break
        count += 1
    assert outcome.full
    held = sum(e.size for e in relay.snapshot(SCOPE).values())
    assert len(relay.snapshot(SCOPE)) == count > 0
    assert held <= MAX_SCOPE_BYTES < held + entry(f"k{count}", T0, value=big).size
    # Growing a held key past the cap is refused; shrinking it, or keeping its size, is not.
    # A filler leaves 10 bytes free; then k0 may grow by 10 bytes, not 11.
    bare = entry("filler", T0, value="").size
    filler = "f" * (MAX_SCOPE_BYTES - held - 10 - bare)
    assert relay.put(SCOPE, entry("filler", T0, value=filler)).stored
    slack = 10
    assert relay.put(SCOPE, entry("k0", T0 + 1, value=big + "m" * (slack + 1))).full
    assert relay.put(SCOPE, entry("k0", T0 + 1, value=big + "m" * slack)).stored, "up to it"
    assert relay.put(SCOPE, entry("k0", T0 + 2, value="small")).stored
    assert relay.put(SCOPE, entry("new", T0, value=big[:1000])).stored, "the freed bytes count"


def test_concurrent_new_keys_never_take_a_scope_past_its_key_cap(relay: Relay) -> None:
    room = 4
    for n in range(MAX_SCOPE_ENTRIES - room):
        assert relay.put(SCOPE, entry(f"k{n}", T0)).stored
    # Sixteen writers add a new key each at once: exactly the room left is taken.
    writers = 16
    gate = threading.Barrier(writers)
    outcomes: list[PutOutcome] = []

    def write(n: int) -> None:
        gate.wait()
        outcomes.append(relay.put(SCOPE, entry(f"new{n}", T0)))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(outcomes) == writers
    assert sum(o.stored for o in outcomes) == room
    assert all(o.full for o in outcomes if not o.stored)
    assert len(relay.snapshot(SCOPE)) == MAX_SCOPE_ENTRIES


# -- compare-and-set (conflict="reject") ----------------------------------------------------


def test_compare_and_set_refuses_writers_that_missed_the_stored_entry(relay: Relay) -> None:
    first = entry(wall=T0, tab="a", value=1)
    # Nothing stored: no base is the right base.
    assert relay.put(SCOPE, first, compare=True, base=None).stored
    # Something stored: no base is stale.
    assert relay.put(SCOPE, entry(wall=T0 + 1), compare=True, base=None) == PutOutcome(
        False, first
    )
    # A base older than the stored stamp is stale, even for a newer entry.
    stale = relay.put(SCOPE, entry(wall=T0 + 2), compare=True, base=(T0 - 1, 0, "a"))
    assert stale == PutOutcome(stored=False, current=first)
    # The stored stamp as base: stored.
    second = entry(wall=T0 + 3, value=2)
    assert relay.put(SCOPE, second, compare=True, base=first.stamp).stored
    # Without compare, a stale base does not matter.
    third = entry(wall=T0 + 4, value=3)
    assert relay.put(SCOPE, third, compare=False, base=(0, 0, "a")).stored
    # With compare, a newer stamp is still needed.
    assert not relay.put(SCOPE, entry(wall=T0 + 4), compare=True, base=third.stamp).stored
    assert relay.snapshot(SCOPE) == {"zoom": third}


def test_exactly_one_of_two_simultaneous_compare_and_sets_wins(relay: Relay) -> None:
    base = entry(wall=T0, value=0)
    assert relay.put(SCOPE, base).stored
    for round_ in range(1, 31):
        # Two writers saw the same stored entry; each writes a newer one. Whichever the relay
        # applies first, the other's base is then stale.
        contenders = [
            entry(wall=T0 + round_, tab=f"tab{i}", value=f"{round_}-{i}") for i in (1, 2)
        ]
        outcomes: list[PutOutcome | None] = [None, None]
        gate = threading.Barrier(2)

        def write(
            i: int,
            base_stamp: Any = base.stamp,
            gate: threading.Barrier = gate,
            outcomes: list[PutOutcome | None] = outcomes,
            contenders: list[RelayEntry] = contenders,
        ) -> None:
            gate.wait()
            outcomes[i] = relay.put(SCOPE, contenders[i], compare=True, base=base_stamp)

        threads = [threading.Thread(target=write, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert all(o is not None for o in outcomes)
        winners = [i for i, o in enumerate(outcomes) if o is not None and o.stored]
        assert len(winners) == 1, outcomes
        winner = contenders[winners[0]]
        loser = outcomes[1 - winners[0]]
        assert loser is not None and loser.current == winner
        assert relay.snapshot(SCOPE) == {"zoom": winner}
        base = winner


# -- news -----------------------------------------------------------------------------------


def test_news_of_a_stored_put_reach_a_listener_with_its_origin(relay: Relay) -> None:
    recorder = listening(relay)
    assert relay.put(SCOPE, entry(value=1), origin="session-1").stored
    wait_for(lambda: ((SCOPE, "session-1") in recorder.snapshot()[0]), 10, "news")
    # A refused put sends no news: the next news (another scope) comes right after the first.
    assert not relay.put(SCOPE, entry(value=2), origin="session-2").stored
    assert relay.put("u-other", entry(scope="u-other"), origin="").stored
    wait_for(lambda: len(recorder.snapshot()[0]) >= 2, 10, "the second news")
    assert recorder.snapshot()[0] == [(SCOPE, "session-1"), ("u-other", "")]
    # An origin is opaque: spaces survive.
    assert relay.put(SCOPE, entry(wall=T0 + 1), origin="a b  c").stored
    wait_for(lambda: len(recorder.snapshot()[0]) >= 3, 10, "the third news")
    assert recorder.snapshot()[0][2] == (SCOPE, "a b  c")
    assert relay.healthy == (True, None)


def test_a_listener_that_raises_fails_neither_the_put_nor_other_listeners(
    relay: Relay, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(scope: str, origin: str) -> None:
        raise RuntimeError("listener bug")

    relay.listen(broken, lambda healthy, reason: None)
    recorder = listening(relay)
    with caplog.at_level("ERROR", logger="streamlit_tabsync"):
        assert relay.put(SCOPE, entry(), origin="o").stored
        wait_for(lambda: recorder.snapshot()[0] == [(SCOPE, "o")], 10, "news")
        wait_for(lambda: "listener bug" in caplog.text, 10, "the listener's error logged")


# -- shared relays: several processes, outage and heal --------------------------------------


class Store:
    """A server of a shared relay that a test may kill and start again on the same port."""

    def __init__(self, kind: str, label: str, url: str, port: int,
                 kill: Callable[[], None], restart: Callable[[], Any]) -> None:
        self.kind, self.label, self.url, self.port = kind, label, url, port
        self.kill, self.restart = kill, restart


def _store(kind: str, request: pytest.FixtureRequest, port: int | None = None) -> Store:
    """A server of its own for one test (started; on ``port`` when given)."""
    if kind == "redis":
        start = request.getfixturevalue("redis_servers")
        redis = start(port=port)
        return Store(kind, "Redis", redis.url, redis.port, redis.kill,
                     lambda: start(port=redis.port))
    postgres = request.getfixturevalue("postgres_servers")(port=port)
    return Store(kind, "PostgreSQL", postgres.url, postgres.port, postgres.kill, postgres.start)


def _url_on(kind: str, port: int, password: str | None = None) -> str:
    auth = f"tabsync:{password}@" if password else ""
    if kind == "redis":
        return f"redis://{auth}127.0.0.1:{port}/0"
    return f"postgresql://{auth or 'tabsync@'}127.0.0.1:{port}/postgres"


@pytest.mark.parametrize("kind", SHARED_RELAYS)
def test_news_reach_listeners_of_every_process(kind: str, request: pytest.FixtureRequest) -> None:
    # Two relays on one server stand for two server processes.
    url = url_of(kind, request)
    here, there = make_relay(kind, url), make_relay(kind, url)
    try:
        recorder = listening(here)
        assert there.put(SCOPE, entry(), origin="far-session").stored
        wait_for(lambda: recorder.snapshot()[0] == [(SCOPE, "far-session")], 10, "news")
        assert here.snapshot(SCOPE) == there.snapshot(SCOPE)
    finally:
        here.close()
        there.close()


@pytest.mark.parametrize("kind", SHARED_RELAYS)
def test_an_outage_is_reported_and_recovered(kind: str, request: pytest.FixtureRequest) -> None:
    store = _store(kind, request)
    relay = make_relay(kind, store.url)
    try:
        recorder = listening(relay)
        assert relay.put(SCOPE, entry(value=1)).stored

        store.kill()
        # The listener notices (a PostgreSQL backend may still answer for a moment after its
        # postmaster died: only then is the server surely gone for commands too).
        wait_for(lambda: any(not ok for ok, _ in recorder.snapshot()[1]), 10, "on_health(False)")
        down = [h for h in recorder.snapshot()[1] if not h[0]]
        assert down[0][1] and "unreachable" in down[0][1]
        where = rf"{store.label} at 127\.0\.0\.1:{store.port}\S* unreachable"
        with pytest.raises(RelayUnavailable, match=where):
            relay.put(SCOPE, entry(wall=T0 + 1))
        with pytest.raises(RelayUnavailable, match="unreachable"):
            relay.snapshot(SCOPE)
        assert relay.healthy[0] is False
        assert str(store.port) in str(relay.healthy[1])

        # Started again on the same port: Redis empty (no persistence), PostgreSQL with its
        # data; either way the relay says "resync now".
        seen = len(recorder.snapshot()[1])
        store.restart()
        wait_for(
            lambda: (True, None) in recorder.snapshot()[1][seen:], 20, "on_health(True, None)"
        )
        assert relay.healthy == (True, None)
        assert relay.put(SCOPE, entry(wall=T0 + 2, value=2), origin="after").stored
        wait_for(lambda: (SCOPE, "after") in recorder.snapshot()[0], 10, "news after restart")
        assert relay.snapshot(SCOPE)["zoom"].stamp == (T0 + 2, 0, "tab1")
        # Told once of each change, however many calls failed meanwhile.
        assert [ok for ok, _ in recorder.snapshot()[1]] == [True, False, True]
    finally:
        relay.close()


@pytest.mark.parametrize("kind", SHARED_RELAYS)
def test_a_failed_command_marks_unhealthy_until_one_succeeds(
    kind: str, request: pytest.FixtureRequest
) -> None:
    port = free_port()
    relay = make_relay(kind, _url_on(kind, port))
    try:
        assert relay.healthy == (True, None)  # optimistic until something fails
        with pytest.raises(RelayUnavailable, match=f"127.0.0.1:{port}\\S* unreachable"):
            relay.snapshot(SCOPE)
        assert relay.healthy[0] is False and f"127.0.0.1:{port}" in str(relay.healthy[1])
        _store(kind, request, port=port)
        assert relay.snapshot(SCOPE) == {}
        assert relay.healthy == (True, None)
    finally:
        relay.close()


@pytest.mark.parametrize("kind", SHARED_RELAYS)
def test_the_password_never_shows_in_reasons(kind: str) -> None:
    port = free_port()
    relay = make_relay(kind, _url_on(kind, port, password="Sup3r%2Fsecret"))
    try:
        with pytest.raises(RelayUnavailable) as info:
            relay.put(SCOPE, entry())
        reason = str(info.value)
        assert f"127.0.0.1:{port}" in reason
        assert "Sup3r" not in reason and "secret" not in reason
        assert "Sup3r" not in str(relay.healthy)
    finally:
        relay.close()
    with pytest.raises(ValueError) as bad:
        make_relay(kind, "http://user:Sup3rsecret@host/")
    assert "Sup3r" not in str(bad.value)
