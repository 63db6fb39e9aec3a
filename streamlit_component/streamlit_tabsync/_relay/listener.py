"""The news listener's lifecycle that the relays served over the network share (Redis,
PostgreSQL): listeners registered, one daemon thread started on first use, health reported,
the thread stopped on close. Each relay brings its own ``_listen_loop``."""

from __future__ import annotations

import threading
from typing import Any

from .base import HealthCallback, NewsCallback, call_quietly

#: How often a listener thread looks at its stop flag, in seconds.
POLL_S = 1.0


class NewsThread:
    """Mixin of a relay whose news come from a listener thread.

    The relay sets, in its ``__init__``: ``_lock`` (a lock), ``_stop`` (an event),
    ``_news_listeners`` (a list), ``_health`` (a :class:`~.health.RelayHealth`), ``_thread``
    (``None``) and ``_subscribed`` (False), and defines ``_listen_loop``. ``_label`` names the
    relay in errors and its thread.
    """

    _label: str = "relay"
    _lock: Any
    _stop: threading.Event
    _news_listeners: list[NewsCallback]
    _health: Any
    _thread: threading.Thread | None
    _subscribed: bool

    def _listen_loop(self) -> None:  # pragma: no cover - every relay defines its own
        raise NotImplementedError

    def listen(self, on_news: NewsCallback, on_health: HealthCallback) -> None:
        """Register listeners; the first call starts the listener thread.

        ``on_health(True, None)`` comes once the thread is listening (at once for a listener
        registered after that), and again after every reconnect.
        """
        with self._lock:
            if self._stop.is_set():
                raise RuntimeError(f"the {self._label} relay is closed")
            self._news_listeners.append(on_news)
            self._health.add_listener(on_health)
            start = self._thread is None
            if start:
                name = f"streamlit-tabsync-{self._label.lower()}-news"
                self._thread = threading.Thread(target=self._listen_loop, name=name, daemon=True)
            subscribed = self._subscribed
        if start:
            self._thread.start()  # type: ignore[union-attr]
        elif subscribed:
            call_quietly(on_health, True, None)

    @property
    def healthy(self) -> tuple[bool, str | None]:
        """``(True, None)``, or ``(False, reason)`` since the last failure."""
        return self._health.state  # type: ignore[no-any-return]

    def _stop_listening(self) -> None:
        """Stops the listener thread (within about a second)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=POLL_S + 3.0)
