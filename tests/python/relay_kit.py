"""What the relay tests share: entries to put, a recorder of listener calls, and the relays
under test by name (``embedded``, ``redis``, ``postgres``) on the real servers of
``conftest.py``."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from conftest import wait_for

from streamlit_tabsync._relay import EmbeddedRelay, PostgresRelay, RedisRelay, Relay, RelayEntry

T0 = 1_764_110_000_000
SCOPE = "u-3f9c2a61b0d4"

#: Every relay, and the ones shared by several processes through a server.
ALL_RELAYS = ["embedded", "redis", "postgres"]
SHARED_RELAYS = ["redis", "postgres"]


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
    """An entry's JSON text, as the browser's engine writes it."""
    raw: dict[str, Any] = {"f": 1, "ns": scope, "k": key, "v": value, "s": [wall, counter, tab]}
    if x is not None:
        raw["x"] = x
    return json.dumps(raw, separators=(",", ":"))


def entry(*args: Any, scope: str = SCOPE, **kwargs: Any) -> RelayEntry:
    """A parsed entry (see :func:`text`)."""
    return RelayEntry.parse(text(*args, scope=scope, **kwargs), scope)


def url_of(kind: str, request: pytest.FixtureRequest) -> str:
    """The URL of the shared (emptied) server of relay ``kind``."""
    return request.getfixturevalue(f"{kind}_url")


def make_relay(kind: str, url: str | None = None, **options: Any) -> Relay:
    """A relay of ``kind`` (on ``url`` for the shared ones)."""
    if kind == "embedded":
        return EmbeddedRelay()
    assert url is not None
    if kind == "redis":
        return RedisRelay(url, **options)
    return PostgresRelay(url, **options)


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
