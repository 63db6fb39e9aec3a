"""Which relay ``sync(across="devices")`` uses: embedded, Redis (``TABSYNC_REDIS_URL``) or
PostgreSQL (``TABSYNC_DATABASE_URL``, or ``database_url`` under ``[tabsync]`` in secrets), and
the clear errors when that cannot be (both set, a driver missing, no right to the schema).
Run inside Streamlit's AppTest, with the process's hub made afresh for each test."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from streamlit_tabsync import TabSyncError
from streamlit_tabsync._relay import EmbeddedRelay, PostgresRelay, RedisRelay, hub
from streamlit_tabsync._relay.hub import make_relay
from tests.support.postgres_server import PostgresServer

APP = (
    "import streamlit as st\nimport streamlit_tabsync as tabsync\n"
    "try:\n"
    '    info = tabsync.sync(["a"], user="ann", across="devices")\n'
    "    st.text(f'{info.relay} {info.relay_healthy}')\n"
    "except tabsync.TabSyncError as exc:\n"
    "    st.text(f'{type(exc).__name__}: {exc}')\n"
)


@pytest.fixture(autouse=True)
def fresh_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No relay URL set, and a hub made on first use (closed after the test)."""
    monkeypatch.delenv("TABSYNC_REDIS_URL", raising=False)
    monkeypatch.delenv("TABSYNC_DATABASE_URL", raising=False)
    monkeypatch.setattr(hub, "_hub", None)
    yield
    made = hub._hub
    if made is not None:
        made.close()


def run(secrets: dict[str, str] | None = None) -> str:
    at = AppTest.from_string(APP, default_timeout=30)
    if secrets:
        at.secrets["tabsync"] = secrets
    at.run()
    assert not at.exception
    return at.text[0].value


def test_without_a_url_the_relay_is_embedded() -> None:
    assert isinstance(make_relay(), EmbeddedRelay)


def test_each_url_picks_its_relay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABSYNC_REDIS_URL", "redis://127.0.0.1:1/0")
    redis = make_relay()
    assert isinstance(redis, RedisRelay)
    redis.close()
    monkeypatch.delenv("TABSYNC_REDIS_URL")
    monkeypatch.setenv("TABSYNC_DATABASE_URL", "postgresql://u@127.0.0.1:1/db")
    postgres = make_relay()
    assert isinstance(postgres, PostgresRelay)
    postgres.close()


def test_sync_reports_the_postgres_relay(
    monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    monkeypatch.setenv("TABSYNC_DATABASE_URL", postgres_url)
    assert run() == "postgres True"


def test_the_database_url_may_come_from_secrets(postgres_url: str) -> None:
    assert run({"database_url": postgres_url}) == "postgres True"


def test_both_urls_are_a_clear_error_naming_both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABSYNC_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("TABSYNC_DATABASE_URL", "postgresql://u:Sup3r@127.0.0.1:1/db")
    with pytest.raises(TabSyncError) as info:
        make_relay()
    for name in ("TABSYNC_REDIS_URL", "TABSYNC_DATABASE_URL"):
        assert name in str(info.value)
    assert "Sup3r" not in str(info.value)
    shown = run()
    assert shown.startswith("TabSyncError: both TABSYNC_REDIS_URL") and "Sup3r" not in shown


def test_a_missing_psycopg_is_a_clear_error_from_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABSYNC_DATABASE_URL", "postgresql://u@127.0.0.1:1/db")
    monkeypatch.setitem(sys.modules, "psycopg", None)
    shown = run()
    assert shown.startswith("TabSyncError: ")
    assert 'pip install "streamlit-tabsync[postgres]"' in shown


def test_a_bad_database_url_is_a_clear_error_from_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABSYNC_DATABASE_URL", "postgresql://u:Sup3r@h/db?no_such_setting=1")
    shown = run()
    assert shown.startswith("TabSyncError: the relay URL cannot be used: bad PostgreSQL URL")
    assert "Sup3r" not in shown


def test_no_right_to_create_the_schema_is_a_setup_error_from_sync(
    monkeypatch: pytest.MonkeyPatch, postgres_server: PostgresServer, postgres_url: str
) -> None:
    with postgres_server.connect() as admin:
        admin.execute("DROP ROLE IF EXISTS plain2")
        admin.execute("CREATE ROLE plain2 LOGIN")
    try:
        monkeypatch.setenv("TABSYNC_DATABASE_URL", postgres_server.url_for("plain2"))
        shown = run()
        assert shown.startswith("RelaySetupError: ")
        assert 'CREATE SCHEMA IF NOT EXISTS tabsync AUTHORIZATION "plain2";' in shown
    finally:
        if hub._hub is not None:
            hub._hub.close()
            hub._hub = None
        with postgres_server.connect() as admin:
            admin.execute("DROP ROLE IF EXISTS plain2")
