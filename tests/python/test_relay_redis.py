"""The Redis relay's own workings: its keys in Redis, their expiry, what it skips, a server
that refuses writes. The contract every relay keeps is in ``test_relay_conformance.py``."""

from __future__ import annotations

import sys

import pytest
from conftest import wait_for
from relay_kit import SCOPE, T0, entry, listening, text

from streamlit_tabsync._relay import RedisRelay, RelayUnavailable
from streamlit_tabsync._relay.base import now_ms
from streamlit_tabsync._relay.redis_relay import entries_key, stamps_key


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


def test_a_missing_redis_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # makes `import redis` raise ImportError
    with pytest.raises(ImportError, match=r'pip install "streamlit-tabsync\[redis\]"'):
        RedisRelay("redis://127.0.0.1:1/0")
