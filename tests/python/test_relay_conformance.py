"""The relays (``across="devices"``): behaviour shared by every relay, then Redis specifics.

The behavioural tests run against :class:`EmbeddedRelay` and against :class:`RedisRelay` on
a real ``redis-server`` (see ``conftest.py``).
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import RedisServer, free_port, wait_for

from streamlit_tabsync._relay import (
    EmbeddedRelay,
    PutOutcome,
    RedisRelay,
    Relay,
    RelayEntry,
    RelayEntryError,
    RelayUnavailable,
)
from streamlit_tabsync._relay.base import (
    MAX_AHEAD_MS,
    MAX_SCOPE_BYTES,
    MAX_SCOPE_ENTRIES,
    now_ms,
)
from streamlit_tabsync._relay.redis_relay import entries_key, stamps_key

T0 = 1_764_110_000_000
SCOPE = "u-3f9c2a61b0d4"


def text(
    key: str = "zoom",
    wall: int = T0,
    counter: int = 0,
    tab: str = "tab1",
    value: Any = 8,
    *,
    scope: str = SCOPE,
    x: int | None = None,
) -> str:
    raw: dict[str, Any] = {"f": 1, "ns": scope, "k": key, "v": value, "s": [wall, counter, tab]}
    if x is not None:
        raw["x"] = x
    return json.dumps(raw, separators=(",", ":"))


def entry(*args: Any, scope: str = SCOPE, **kwargs: Any) -> RelayEntry:
    return RelayEntry.parse(text(*args, scope=scope, **kwargs), scope)


@pytest.fixture(params=["embedded", "redis"])
def relay(request: pytest.FixtureRequest) -> Iterator[Relay]:
    if request.param == "embedded":
        made: Relay = EmbeddedRelay()
    else:
        made = RedisRelay(request.getfixturevalue("redis_url"))
    yield made
    made.close()


class Recorder:
    """Records listener calls; ``wait`` polls until a condition on them holds."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.news: list[tuple[str, str]] = []
        self.health: list[tuple[bool, str | None]] = []

    def on_news(self, scope: str, origin: str) -> None:
        with self.lock:
            self.news.append((scope, origin))

    def on_health(self, healthy: bool, reason: str | None) -> None:
        with self.lock:
            self.health.append((healthy, reason))

    def snapshot(self) -> tuple[list[tuple[str, str]], list[tuple[bool, str | None]]]:
        with self.lock:
            return list(self.news), list(self.health)


def listening(relay: Relay) -> Recorder:
    """Listen and wait until the relay says news will reach us from now on."""
    recorder = Recorder()
    relay.listen(recorder.on_news, recorder.on_health)
    wait_for(lambda: (True, None) in recorder.snapshot()[1], 10, "the listener to subscribe")
    return recorder


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


# -- compare-and-set (conflict="reject") ----------------------------------------------------


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


# -- the entry format -----------------------------------------------------------------------


def test_parse_reads_key_stamp_and_expiry_and_keeps_the_text() -> None:
    raw = text("zoom", T0, 7, "3f9c", {"a": [1, 2.5, None]}, x=T0 + 60_000)
    parsed = RelayEntry.parse(raw, SCOPE)
    assert parsed == RelayEntry("zoom", raw, (T0, 7, "3f9c"), T0 + 60_000)
    # Unknown fields are allowed (later format versions may add optional ones).
    extra = raw[:-1] + ',"later":true}'
    assert RelayEntry.parse(extra, SCOPE).text == extra
    # The limits themselves are allowed.
    edge = text("k" * 256, 2**53 - 1, 2**32 - 1, "t" * 64, x=2**53 - 1)
    assert RelayEntry.parse(edge, SCOPE, now=2**53 - 1).stamp == (2**53 - 1, 2**32 - 1, "t" * 64)
    assert RelayEntry.parse(edge, SCOPE, now=2**53 - 1).size == len(edge)


def test_parse_refuses_a_stamp_from_the_far_future_and_allows_one_a_day_ahead() -> None:
    day = MAX_AHEAD_MS
    assert RelayEntry.parse(text(wall=T0 + day), SCOPE, now=T0).stamp[0] == T0 + day
    with pytest.raises(RelayEntryError, match="ahead of the server's clock"):
        RelayEntry.parse(text(wall=T0 + day + 1), SCOPE, now=T0)
    # Without a clock (entries read back from a relay) there is no such check.
    assert RelayEntry.parse(text(wall=T0 + 2 * day), SCOPE).stamp[0] == T0 + 2 * day


def _with(**fields: Any) -> str:
    raw: dict[str, Any] = {"f": 1, "ns": SCOPE, "k": "zoom", "v": 1, "s": [T0, 0, "tab1"]}
    raw.update(fields)
    return json.dumps({k: v for k, v in raw.items() if v is not _DROP}, ensure_ascii=False)


_DROP = object()


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (b'{"f":1}', "must be a str, not bytes"),
        (None, "must be a str, not NoneType"),
        (_with(v="x" * (96 * 1024)), "over the 98304 cap"),
        ("{not json", "not JSON"),
        (_with(v=float("nan")), "not JSON"),
        ('{"f":1,"ns":"a","v":Infinity}', "not JSON"),
        ("[1,2]", "JSON object, not an array"),
        ('"text"', "JSON object, not a string"),
        (_with(f=2), "unsupported entry format f=2"),
        (_with(f=True), "unsupported entry format f=True"),
        (_with(f=_DROP), "unsupported entry format f=None"),
        (_with(ns="u-other"), "names scope 'u-other', not 'u-3f9c2a61b0d4'"),
        (_with(ns=_DROP), "names scope None"),
        (_with(k=""), "bad key ''"),
        (_with(k=7), "bad key 7"),
        (_with(k="a\nb"), "bad key"),
        (_with(k="a\x85b"), "bad key"),  # C1 control
        (_with(k="é" * 129), "bad key"),  # 258 UTF-8 bytes
        ('{"f":1,"ns":"' + SCOPE + '","k":"\\ud800","v":1,"s":[1,0,"t"]}', "bad key"),
        (_with(v=_DROP), "no value 'v'"),
        (_with(s=_DROP), "bad stamp s=None"),
        (_with(s=[T0, 0]), "bad stamp s="),
        (_with(s={"w": T0}), "bad stamp s="),
        (_with(s=[True, 0, "t"]), "bad stamp wall True"),
        (_with(s=[1.0, 0, "t"]), "bad stamp wall 1.0"),
        (_with(s=[-1, 0, "t"]), "bad stamp wall -1"),
        (_with(s=[2**53, 0, "t"]), "bad stamp wall 9007199254740992"),
        (_with(s=[T0, 2**32, "t"]), "bad stamp counter 4294967296"),
        (_with(s=[T0, False, "t"]), "bad stamp counter False"),
        (_with(s=[T0, 0, ""]), "bad stamp tab id ''"),
        (_with(s=[T0, 0, "a b"]), "bad stamp tab id 'a b'"),
        (_with(s=[T0, 0, "t" * 65]), "bad stamp tab id"),
        (_with(s=[T0, 0, 5]), "bad stamp tab id 5"),
        (_with(x=-1), "bad expiry x=-1"),
        (_with(x=True), "bad expiry x=True"),
        (_with(x=1.5), "bad expiry x=1.5"),
        (_with(x="1"), "bad expiry x='1'"),
        (_with(x=2**53), "bad expiry x=9007199254740992"),
        ('{"f":1,"ns":"' + SCOPE + '","ns":"' + SCOPE + '","k":"a","v":1,"s":[1,0,"t"]}',
         "repeats field 'ns'"),
    ],
)
def test_parse_refuses_what_is_not_an_entry_of_the_scope(bad: Any, reason: str) -> None:
    with pytest.raises(RelayEntryError) as info:
        RelayEntry.parse(bad, SCOPE)
    assert reason in str(info.value)


def test_parse_allows_repeated_fields_inside_the_value() -> None:
    # Only the envelope's fields must be unique; the value is the engine's to check.
    raw = '{"f":1,"ns":"' + SCOPE + '","k":"a","v":{"ns":1,"ns":2},"s":[1,0,"t"]}'
    assert RelayEntry.parse(raw, SCOPE).key == "a"


def test_an_entry_of_another_scope_is_refused_before_any_relay_sees_it() -> None:
    foreign = text(scope="u-other")
    with pytest.raises(RelayEntryError, match="names scope 'u-other', not 'u-3f9c2a61b0d4'"):
        RelayEntry.parse(foreign, SCOPE)


# -- Redis specifics ------------------------------------------------------------------------


def test_redis_keys_expire_with_their_entries_and_persist_without(redis_url: str) -> None:
    import redis

    relay = RedisRelay(redis_url)
    client = redis.Redis.from_url(redis_url)
    keys = (entries_key(SCOPE), stamps_key(SCOPE))
    try:
        now = now_ms()
        x1, x2 = now + 60_000, now + 30_000
        assert relay.put(SCOPE, entry("a", T0, x=x1)).stored
        for key in keys:
            assert 0 < client.pttl(key) <= 60_000
            assert client.execute_command("PEXPIRETIME", key) == x1
        # An entry expiring earlier does not shorten the scope's life.
        assert relay.put(SCOPE, entry("b", T0, x=x2)).stored
        assert [client.execute_command("PEXPIRETIME", k) for k in keys] == [x1, x1]
        # An entry without expiry makes the scope persistent...
        assert relay.put(SCOPE, entry("c", T0)).stored
        assert [client.pttl(k) for k in keys] == [-1, -1]
        # ... until it is replaced by one with expiry: then the latest x counts again.
        x3 = now + 90_000
        assert relay.put(SCOPE, entry("c", T0 + 1, x=x3)).stored
        assert [client.execute_command("PEXPIRETIME", k) for k in keys] == [x3, x3]
        # A later x, even written to an older key, extends it.
        x4 = now + 120_000
        assert relay.put(SCOPE, entry("a", T0 + 1, x=x4)).stored
        assert [client.execute_command("PEXPIRETIME", k) for k in keys] == [x4, x4]
        # A refused put changes nothing.
        assert not relay.put(SCOPE, entry("a", T0, x=now + 999_000)).stored
        assert [client.execute_command("PEXPIRETIME", k) for k in keys] == [x4, x4]
        # Keys named after the scope only: other scopes have their own.
        assert sorted(client.keys("*")) == sorted(k.encode() for k in keys)
    finally:
        relay.close()
        client.close()


def test_redis_keys_vanish_when_every_entry_has_expired(redis_url: str) -> None:
    import redis

    relay = RedisRelay(redis_url)
    client = redis.Redis.from_url(redis_url)
    try:
        now = now_ms()
        assert relay.put(SCOPE, entry("a", now, x=now + 1000)).stored
        assert client.exists(entries_key(SCOPE)) == 1
        wait_for(lambda: client.exists(entries_key(SCOPE), stamps_key(SCOPE)) == 0, 10, "expiry")
        assert relay.snapshot(SCOPE) == {}
    finally:
        relay.close()
        client.close()


def test_redis_snapshot_skips_and_counts_invalid_stored_texts(redis_url: str) -> None:
    import redis

    relay = RedisRelay(redis_url)
    client = redis.Redis.from_url(redis_url)
    try:
        good = entry("good")
        assert relay.put(SCOPE, good).stored
        client.hset(
            entries_key(SCOPE),
            mapping={
                "junk": "not json",
                "moved": text("elsewhere"),  # a valid entry under another key's name
                "foreign": text("foreign", scope="u-other"),
                b"\xff": text("x"),  # not UTF-8
            },
        )
        assert relay.snapshot(SCOPE) == {"good": good}
        assert relay.skipped == 4
    finally:
        relay.close()
        client.close()


def test_redis_news_reach_listeners_of_every_process(redis_url: str) -> None:
    # Two relays on one server stand for two server processes.
    here, there = RedisRelay(redis_url), RedisRelay(redis_url)
    try:
        recorder = listening(here)
        assert there.put(SCOPE, entry(), origin="far-session").stored
        wait_for(lambda: recorder.snapshot()[0] == [(SCOPE, "far-session")], 10, "news")
        assert here.snapshot(SCOPE) == there.snapshot(SCOPE)
    finally:
        here.close()
        there.close()


def test_redis_outage_is_reported_and_recovered(redis_servers: Any) -> None:
    server: RedisServer = redis_servers()
    relay = RedisRelay(server.url)
    try:
        recorder = listening(relay)
        assert relay.put(SCOPE, entry(value=1)).stored

        server.kill()
        where = rf"Redis at 127\.0\.0\.1:{server.port} unreachable"
        with pytest.raises(RelayUnavailable, match=where):
            relay.put(SCOPE, entry(wall=T0 + 1))
        with pytest.raises(RelayUnavailable, match="unreachable"):
            relay.snapshot(SCOPE)
        assert relay.healthy[0] is False
        assert str(server.port) in str(relay.healthy[1])
        wait_for(lambda: any(not ok for ok, _ in recorder.snapshot()[1]), 10, "on_health(False)")
        down = [h for h in recorder.snapshot()[1] if not h[0]]
        assert down[0][1] and "unreachable" in down[0][1]

        # A new server on the same port (empty: no persistence).
        seen = len(recorder.snapshot()[1])
        redis_servers(port=server.port)
        wait_for(
            lambda: (True, None) in recorder.snapshot()[1][seen:], 15, "on_health(True, None)"
        )
        assert relay.healthy == (True, None)
        assert relay.put(SCOPE, entry(wall=T0 + 2, value=2), origin="after").stored
        wait_for(lambda: (SCOPE, "after") in recorder.snapshot()[0], 10, "news after restart")
        assert relay.snapshot(SCOPE)["zoom"].stamp == (T0 + 2, 0, "tab1")
        # Told once of each change, however many calls failed meanwhile.
        assert [ok for ok, _ in recorder.snapshot()[1]] == [True, False, True]
    finally:
        relay.close()


def test_a_failed_command_marks_unhealthy_until_one_succeeds(redis_servers: Any) -> None:
    port = free_port()
    relay = RedisRelay(f"redis://127.0.0.1:{port}/0")
    try:
        assert relay.healthy == (True, None)  # optimistic until something fails
        with pytest.raises(RelayUnavailable, match=f"127.0.0.1:{port} unreachable"):
            relay.snapshot(SCOPE)
        assert relay.healthy[0] is False and f"127.0.0.1:{port}" in str(relay.healthy[1])
        redis_servers(port=port)
        assert relay.snapshot(SCOPE) == {}
        assert relay.healthy == (True, None)
    finally:
        relay.close()


def test_a_refusing_server_is_reported_and_its_recovery_found_by_the_listener(
    redis_url: str,
) -> None:
    import redis

    relay = RedisRelay(redis_url)
    admin = redis.Redis.from_url(redis_url)
    try:
        recorder = listening(relay)
        # A full server (maxmemory reached, noeviction) refuses writes but stays reachable.
        admin.config_set("maxmemory-policy", "noeviction")
        admin.config_set("maxmemory", 1)
        full = r"Redis at 127\.0\.0\.1:\d+ failed: .*used memory"
        with pytest.raises(RelayUnavailable, match=full):
            relay.put(SCOPE, entry())
        wait_for(lambda: any(not ok for ok, _ in recorder.snapshot()[1]), 10, "on_health(False)")
        admin.config_set("maxmemory", 0)
        # No further call: the listener's probe finds the server writable again.
        wait_for(lambda: relay.healthy == (True, None), 10, "health back")
        assert recorder.snapshot()[1][-1] == (True, None)
        assert relay.put(SCOPE, entry()).stored
    finally:
        admin.config_set("maxmemory", 0)
        relay.close()
        admin.close()


def test_the_password_never_shows_in_reasons() -> None:
    pytest.importorskip("redis")
    port = free_port()
    relay = RedisRelay(f"redis://tabsync:Sup3r%2Fsecret@127.0.0.1:{port}/0")
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
        RedisRelay("http://user:Sup3rsecret@host/")
    assert "Sup3r" not in str(bad.value)


def test_a_missing_redis_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # makes `import redis` raise ImportError
    with pytest.raises(ImportError, match=r'pip install "streamlit-tabsync\[redis\]"'):
        RedisRelay("redis://127.0.0.1:1/0")
