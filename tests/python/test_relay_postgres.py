"""The PostgreSQL relay's own workings: its schema (made on first use, versioned, or made by an
administrator for a user without CREATE rights), the sweep of expired rows, NOTIFY payloads,
what it skips. The contract every relay keeps is in ``test_relay_conformance.py``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import wait_for
from relay_kit import SCOPE, T0, entry, listening, text

from streamlit_tabsync import RelaySetupError, TabSyncError
from streamlit_tabsync._relay import PostgresRelay
from streamlit_tabsync._relay.base import now_ms
from streamlit_tabsync._relay.postgres_sql import NEWS_CHANNEL, SCHEMA_VERSION

pytest.importorskip("psycopg", reason="psycopg is not installed (requirements-dev.txt)")


@pytest.fixture
def admin(postgres_server: Any, postgres_url: str) -> Iterator[Any]:
    """A superuser connection to the shared server, the relay's schema dropped."""
    with postgres_server.connect() as conn:
        yield conn


@pytest.fixture
def plain_user(postgres_server: Any, admin: Any) -> Iterator[str]:
    """A role that may log in and nothing more (PostgreSQL 15 lets nobody create in
    ``public`` by default): its URL."""
    admin.execute("DROP ROLE IF EXISTS plain")
    admin.execute("CREATE ROLE plain LOGIN")
    yield postgres_server.url_for("plain")
    admin.execute("DROP SCHEMA IF EXISTS tabsync CASCADE")
    admin.execute("DROP ROLE IF EXISTS plain")


def test_the_schema_is_made_on_first_use_with_its_version(postgres_url: str, admin: Any) -> None:
    relay = PostgresRelay(postgres_url)
    try:
        assert admin.execute("SELECT to_regnamespace('tabsync')").fetchone()[0] is None
        assert relay.put(SCOPE, entry()).stored
        version = admin.execute("SELECT value FROM tabsync.meta WHERE name = 'version'")
        assert version.fetchone()[0] == str(SCHEMA_VERSION)
        tables = admin.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'tabsync'"
        ).fetchall()
        assert sorted(t[0] for t in tables) == ["entries", "meta"]
        # A second relay (another process) finds it made and uses it.
        other = PostgresRelay(postgres_url)
        assert other.snapshot(SCOPE) == {"zoom": entry()}
        other.close()
    finally:
        relay.close()


def test_a_dropped_schema_is_made_again(postgres_url: str, admin: Any) -> None:
    relay = PostgresRelay(postgres_url)
    try:
        assert relay.put(SCOPE, entry()).stored
        admin.execute("DROP SCHEMA tabsync CASCADE")
        assert relay.snapshot(SCOPE) == {}
        assert relay.put(SCOPE, entry(value=2)).stored
        assert relay.healthy == (True, None)
    finally:
        relay.close()


def test_a_user_who_may_not_create_the_schema_is_told_the_sql_to_run_once(
    plain_user: str, admin: Any
) -> None:
    relay = PostgresRelay(plain_user)
    try:
        with pytest.raises(RelaySetupError) as info:
            relay.put(SCOPE, entry())
        message = str(info.value)
        assert isinstance(info.value, TabSyncError)
        assert 'CREATE SCHEMA IF NOT EXISTS tabsync AUTHORIZATION "plain";' in message
        assert relay.healthy == (True, None), "a setup error is not an outage"
        # An administrator runs it once; the relay then makes its tables itself.
        admin.execute("CREATE SCHEMA IF NOT EXISTS tabsync AUTHORIZATION plain")
        assert relay.put(SCOPE, entry()).stored
        assert relay.snapshot(SCOPE) == {"zoom": entry()}
        owner = admin.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'entries'")
        assert owner.fetchone()[0] == "plain"
    finally:
        relay.close()


def test_a_user_without_rights_on_an_existing_schema_is_told_the_grants(
    plain_user: str, postgres_url: str, admin: Any
) -> None:
    owners = PostgresRelay(postgres_url)
    relay = PostgresRelay(plain_user)
    try:
        assert owners.put(SCOPE, entry()).stored  # the schema made by another user
        with pytest.raises(RelaySetupError) as info:
            relay.snapshot(SCOPE)
        grants = (
            'GRANT USAGE, CREATE ON SCHEMA tabsync TO "plain"; '
            'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA tabsync TO "plain";'
        )
        assert grants in str(info.value)
        assert "CREATE SCHEMA" not in str(info.value)
        admin.execute(grants)
        assert relay.snapshot(SCOPE) == {"zoom": entry()}
        assert relay.put(SCOPE, entry(wall=T0 + 1)).stored
    finally:
        owners.close()
        relay.close()


def test_a_schema_of_a_newer_release_is_refused(postgres_url: str, admin: Any) -> None:
    PostgresRelay(postgres_url).snapshot(SCOPE)
    admin.execute("UPDATE tabsync.meta SET value = %s WHERE name = 'version'",
                  (str(SCHEMA_VERSION + 1),))
    relay = PostgresRelay(postgres_url)
    try:
        with pytest.raises(RelaySetupError, match="upgrade streamlit-tabsync"):
            relay.snapshot(SCOPE)
    finally:
        relay.close()


def test_expired_rows_are_swept(postgres_url: str, admin: Any) -> None:
    relay = PostgresRelay(postgres_url, sweep_every_s=0.2)
    try:
        listening(relay)  # the listener sweeps
        now = now_ms()
        assert relay.put(SCOPE, entry("soon", now, x=now + 300)).stored
        assert relay.put(SCOPE, entry("kept", now)).stored
        rows = "SELECT key FROM tabsync.entries ORDER BY key"
        assert admin.execute(rows).fetchall() == [("kept",), ("soon",)]
        wait_for(lambda: admin.execute(rows).fetchall() == [("kept",)], 10, "the sweep")
    finally:
        relay.close()


def test_a_failing_sweep_is_no_outage(
    postgres_url: str, postgres_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    relay = PostgresRelay(postgres_url, sweep_every_s=0.2)
    try:
        recorder = listening(relay)
        assert relay.put(SCOPE, entry()).stored
        with caplog.at_level("DEBUG", logger="streamlit_tabsync"), \
                postgres_server.connect() as locker:
            # A lock the sweep waits for until its statement times out (5 s).
            locker.execute("BEGIN")
            locker.execute("LOCK TABLE tabsync.entries IN ACCESS EXCLUSIVE MODE")
            wait_for(lambda: "the sweep of expired entries failed" in caplog.text, 20,
                     "the sweep to time out")
            locker.execute("ROLLBACK")
        assert [ok for ok, _ in recorder.snapshot()[1]] == [True]
        assert relay.healthy == (True, None)
        assert relay.put(SCOPE, entry(wall=T0 + 1)).stored
    finally:
        relay.close()


def test_news_carry_the_scope_and_origin_never_the_value(postgres_url: str, admin: Any) -> None:
    relay = PostgresRelay(postgres_url)
    admin.execute(f"LISTEN {NEWS_CHANNEL}")
    try:
        big = entry(value="v" * (90 * 1024))
        assert relay.put(SCOPE, big, origin="session-1").stored
        assert not relay.put(SCOPE, big, origin="session-2").stored  # refused: no NOTIFY
        assert relay.put(SCOPE, entry(wall=T0 + 1), origin="session-3").stored
        payloads = [n.payload for n in admin.notifies(timeout=2, stop_after=2)]
        assert payloads == [f"{SCOPE} session-1", f"{SCOPE} session-3"]
        with pytest.raises(ValueError, match="origin"):
            relay.put(SCOPE, entry(wall=T0 + 2), origin="o" * 10_000)
    finally:
        relay.close()


def test_snapshot_skips_and_counts_invalid_stored_texts(postgres_url: str, admin: Any) -> None:
    relay = PostgresRelay(postgres_url)
    try:
        good = entry("good")
        assert relay.put(SCOPE, good).stored
        insert = (
            "INSERT INTO tabsync.entries (scope, key, entry, wall, counter, tab, size) "
            "VALUES (%s, %s, %s, 1, 0, 't', 1)"
        )
        for key, stored in [
            ("junk", "not json"),
            ("moved", text("elsewhere")),  # a valid entry under another key's name
            ("foreign", text("foreign", scope="u-other")),
        ]:
            admin.execute(insert, (SCOPE, key, stored))
        assert relay.snapshot(SCOPE) == {"good": good}
        assert relay.skipped == 3
    finally:
        relay.close()


def test_keys_that_look_like_sql_are_only_data(postgres_url: str, admin: Any) -> None:
    relay = PostgresRelay(postgres_url)
    try:
        key = "x'); DROP TABLE tabsync.entries; --"
        tricky = entry(key, value="'; SELECT pg_sleep(10); --")
        assert relay.put(SCOPE, tricky, origin="o'); --").stored
        assert relay.snapshot(SCOPE) == {key: tricky}
        assert admin.execute("SELECT count(*) FROM tabsync.entries").fetchone()[0] == 1
    finally:
        relay.close()


def test_a_bad_url_is_refused_without_its_password() -> None:
    with pytest.raises(ValueError, match="bad PostgreSQL URL") as info:
        PostgresRelay("postgresql://u:Sup3rsecret@host:5432/db?no_such_setting=Sup3rsecret")
    assert "Sup3r" not in str(info.value)
    with pytest.raises(ValueError, match="bad PostgreSQL URL"):
        PostgresRelay("redis://localhost:6379/0")


def test_a_missing_psycopg_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # makes `import psycopg` raise
    with pytest.raises(ImportError, match=r'pip install "streamlit-tabsync\[postgres\]"'):
        PostgresRelay("postgresql://127.0.0.1:1/db")
