"""The health of a relay served over the network (Redis, PostgreSQL): two faults, one state.

A shared relay can fail in two places: a command (a put, a snapshot) and the listener's
connection (news). Each is recorded as a reason or ``None``; the relay is healthy while both
are ``None``, and its reason is the listener's fault, else the command's. Listeners hear of
every flip once, in order, and of ``(True, None)`` again whenever the listener (re)subscribes
(``announce``): news sent while it was not subscribed are lost, so that is "resync now".
"""

from __future__ import annotations

import threading
from typing import Any

from .base import HealthCallback, call_quietly

#: "Leave this fault as it is" for :meth:`RelayHealth.report`.
KEEP: Any = object()


class RelayHealth:
    """Faults of a shared relay and the listeners told when its health flips.

    Health is optimistic: ``(True, None)`` until a fault is reported.
    """

    def __init__(self) -> None:
        # Re-entrant: a health listener may call put() or snapshot(), which report too.
        self._lock = threading.RLock()
        self._command_fault: str | None = None
        self._listen_fault: str | None = None
        self._state: tuple[bool, str | None] = (True, None)
        self._listeners: list[HealthCallback] = []

    @property
    def state(self) -> tuple[bool, str | None]:
        """``(True, None)``, or ``(False, reason)`` while a fault lasts."""
        return self._state

    @property
    def command_fault(self) -> str | None:
        """Why the last command failed, until one succeeds (``None`` when it did)."""
        return self._command_fault

    def add_listener(self, on_health: HealthCallback) -> None:
        """Tell ``on_health`` of every later flip (and announcement)."""
        with self._lock:
            self._listeners.append(on_health)

    def report(self, *, command: Any = KEEP, listen: Any = KEEP, announce: bool = False) -> None:
        """Record a fault (a reason) or its end (``None``); tell listeners when health flips,
        and of ``(True, None)`` whenever ``announce`` is given while healthy."""
        with self._lock:
            if command is not KEEP:
                self._command_fault = command
            if listen is not KEEP:
                self._listen_fault = listen
            reason = self._listen_fault or self._command_fault
            before, self._state = self._state, (reason is None, reason)
            if self._state[0] == before[0] and not (announce and self._state[0]):
                return
            for on_health in list(self._listeners):
                call_quietly(on_health, *self._state)
