"""The embedded relay: entries in this process's memory, for one server process.

Every Streamlit session of the process shares it. Nothing survives a restart, and two
processes (behind a load balancer) do not see each other's entries: that takes the Redis
relay.
"""

from __future__ import annotations

import threading

from .._rules import Stamp, stamp_order
from .base import (
    MAX_SCOPE_BYTES,
    MAX_SCOPE_ENTRIES,
    HealthCallback,
    NewsCallback,
    PutOutcome,
    Relay,
    RelayEntry,
    call_quietly,
    check_scope,
    now_ms,
)

#: How often (ms) a put also sweeps every scope for expired entries, so that scopes nobody
#: reads again do not keep their expired entries forever.
_SWEEP_EVERY_MS = 60_000


class EmbeddedRelay(Relay):
    """A :class:`~.base.Relay` in a dict under a lock; always healthy.

    Listeners are called on the putting thread, after the lock is released (so a listener may
    call :meth:`snapshot`); one that raises is logged and does not fail the put.
    """

    name = "embedded"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scopes: dict[str, dict[str, RelayEntry]] = {}
        self._listeners: list[tuple[NewsCallback, HealthCallback]] = []
        self._next_sweep = now_ms() + _SWEEP_EVERY_MS

    def snapshot(self, scope: str) -> dict[str, RelayEntry]:
        """The scope's unexpired entries by key (a copy)."""
        check_scope(scope)
        with self._lock:
            return dict(self._live(scope, now_ms()))

    def put(
        self,
        scope: str,
        entry: RelayEntry,
        *,
        base: Stamp | None = None,
        compare: bool = False,
        origin: str = "",
    ) -> PutOutcome:
        """Store ``entry`` if newer (and, with ``compare``, if ``base`` is current); see
        :meth:`.base.Relay.put`."""
        check_scope(scope)
        now = now_ms()
        with self._lock:
            self._sweep(now)
            entries = self._live(scope, now)
            held = entries.get(entry.key)
            if held is not None:
                if stamp_order(entry.stamp, held.stamp) <= 0:
                    return PutOutcome(stored=False, current=held)
                if compare and (base is None or stamp_order(held.stamp, base) > 0):
                    return PutOutcome(stored=False, current=held)
            if _over_caps(entries, entry):
                return PutOutcome(stored=False, current=held, full=True)
            entries[entry.key] = entry
            self._scopes[scope] = entries
            listeners = list(self._listeners)
        for on_news, _ in listeners:
            call_quietly(on_news, scope, origin)
        return PutOutcome(stored=True, current=entry)

    def drop(self, scope: str) -> None:
        """Forgets every entry of ``scope`` (a scope nobody follows any more)."""
        with self._lock:
            self._scopes.pop(scope, None)

    def listen(self, on_news: NewsCallback, on_health: HealthCallback) -> None:
        """Register listeners; ``on_health(True, None)`` is called at once (always healthy)."""
        with self._lock:
            self._listeners.append((on_news, on_health))
        call_quietly(on_health, True, None)

    @property
    def healthy(self) -> tuple[bool, str | None]:
        """Always ``(True, None)``."""
        return (True, None)

    def close(self) -> None:
        """Drop listeners and entries."""
        with self._lock:
            self._listeners.clear()
            self._scopes.clear()

    def _live(self, scope: str, now: int) -> dict[str, RelayEntry]:
        # Expired entries are dropped on access, so memory stays bounded by live entries.
        entries = self._scopes.get(scope)
        if entries is None:
            return {}
        expired = [key for key, entry in entries.items() if entry.expired(now)]
        for key in expired:
            del entries[key]
        if not entries:
            del self._scopes[scope]
        return entries

    def _sweep(self, now: int) -> None:
        if now < self._next_sweep:
            return
        self._next_sweep = now + _SWEEP_EVERY_MS
        for scope in list(self._scopes):
            self._live(scope, now)



def _over_caps(entries: dict[str, RelayEntry], entry: RelayEntry) -> bool:
    """Whether storing ``entry`` takes a scope holding ``entries`` past its caps. Replacing a
    key with an entry no larger is always allowed, so a full scope never freezes its keys."""
    held = entries.get(entry.key)
    if held is None and len(entries) >= MAX_SCOPE_ENTRIES:
        return True
    growth = entry.size - (held.size if held is not None else 0)
    return growth > 0 and sum(e.size for e in entries.values()) + growth > MAX_SCOPE_BYTES
