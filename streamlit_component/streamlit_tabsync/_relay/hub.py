"""The process-wide meeting point of ``sync(across="devices")`` calls and the server relay.

One :class:`RelayHub` per Streamlit server process. Each run of a devices-mode ``sync``
*joins* its session to its scope (one user's channel), reads the relay's entries for the
render args, and *publishes* the stamped entries its browser handed over. When the relay
reports news for a scope (a put in this process or, through Redis or PostgreSQL, in
another), the hub asks every other session of that scope to run again, so idle tabs on other
devices update without interaction; when the relay comes back after an outage, every session
runs again to resync (news sent meanwhile are lost) and to heal the relay from its browser.

The hub never merges: it stores what the relay decides (strictly newer stamp wins) and hands
entries to the browsers, where the WASM engine checks and merges them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .base import (
    PutOutcome,
    Relay,
    RelayEntry,
    RelayEntryError,
    RelayUnavailable,
    Stamp,
    now_ms,
)

_LOG = logging.getLogger("streamlit_tabsync")

#: How often (joins) the hub looks for sessions that ended without news to notice it.
_SWEEP_EVERY = 64


def parse_stamp_text(text: str | None) -> Stamp | None:
    """A stamp's text form (``wall.counter.tab``, as deliveries carry it) as a tuple."""
    if not text:
        return None
    parts = text.split(".", 2)
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or not parts[2]:
        return None
    return (int(parts[0]), int(parts[1]), parts[2])


@dataclass(frozen=True)
class RelayView:
    """What a run learns of the relay: which one, its health, and the scope's entries."""

    #: ``"embedded"``, ``"redis"`` or ``"postgres"``.
    name: str
    healthy: bool
    #: Why the relay is not healthy, when it is not.
    reason: str | None
    #: The scope's entry texts (sorted by key), or ``None`` when the relay is unreachable.
    entries: tuple[str, ...] | None


class RelayHub:
    """Sessions per scope, the relay they share, and the reruns that carry news to them.

    Parameters
    ----------
    relay
        The relay (embedded, Redis or PostgreSQL).
    rerun
        ``rerun(session_id, fragment_id)`` asks a session to run again (only that fragment
        when ``fragment_id`` is not ``None``); returns False when the session has ended.
    alive
        Whether a session still exists (used to forget ended sessions between news).
    """

    def __init__(
        self,
        relay: Relay,
        rerun: Callable[[str, str | None], bool],
        alive: Callable[[str], bool],
    ) -> None:
        self.relay = relay
        self._rerun = rerun
        self._alive = alive
        self._lock = threading.Lock()
        # scope -> session id -> the fragment that reads the relay (None: rerun the app).
        self._sessions: dict[str, dict[str, str | None]] = {}
        self._versions: dict[str, int] = {}
        self._joins = 0
        relay.listen(self._on_news, self._on_health)

    # -- sessions -------------------------------------------------------------------------

    def join(self, scope: str, session_id: str, fragment_id: str | None = None) -> None:
        """Registers ``session_id`` for news of ``scope`` (idempotent; called every run).

        News reruns ``fragment_id`` alone when given: the fragment brings the relay's
        entries to the browser, whose engine asks for a run of the app only when they are
        news to it (a session that already has them pays one fragment run).
        """
        with self._lock:
            self._sessions.setdefault(scope, {})[session_id] = fragment_id
            self._joins += 1
            sweep = self._joins % _SWEEP_EVERY == 0
        if sweep:
            self.sweep()

    def sweep(self) -> int:
        """Forgets every session that has ended; returns how many were forgotten."""
        with self._lock:
            pairs = [(s, sid) for s, ids in self._sessions.items() for sid in ids]
        gone = [(s, sid) for s, sid in pairs if not self._alive(sid)]
        with self._lock:
            for scope, sid in gone:
                self._forget(scope, sid)
        return len(gone)

    def _forget(self, scope: str, session_id: str) -> None:
        ids = self._sessions.get(scope)
        if ids is not None:
            ids.pop(session_id, None)
            if not ids:
                del self._sessions[scope]
                self._versions.pop(scope, None)

    def session_count(self) -> int:
        """How many (scope, session) registrations the hub holds."""
        with self._lock:
            return sum(len(ids) for ids in self._sessions.values())

    def version(self, scope: str) -> int:
        """A number that changes whenever ``scope`` has news (for the polling fallback)."""
        with self._lock:
            return self._versions.get(scope, 0)

    # -- relay ----------------------------------------------------------------------------

    def view(self, scope: str) -> RelayView:
        """The relay's health and, when it is reachable, the scope's entries."""
        healthy, reason = self.relay.healthy
        entries: tuple[str, ...] | None = None
        if healthy:
            try:
                snapshot = self.relay.snapshot(scope)
                entries = tuple(snapshot[key].text for key in sorted(snapshot))
            except RelayUnavailable as exc:
                healthy, reason = False, str(exc)
        return RelayView(self.relay.name, healthy, reason, entries)

    def publish(
        self,
        scope: str,
        text: str,
        *,
        base: str | None = None,
        compare: bool = False,
        origin: str = "",
    ) -> PutOutcome | None:
        """Hands one stamped entry, as text, to the relay (see :meth:`put`).

        Returns
        -------
        PutOutcome or None
            What the relay did; ``None`` when the entry is malformed (reported in the log,
            never raised: it came from the browser) or the relay is unreachable.
        """
        try:
            entry = RelayEntry.parse(text, scope, now=now_ms())
        except RelayEntryError as exc:
            _LOG.warning("tabsync: an entry handed over for the relay was refused: %s", exc)
            return None
        return self.put(scope, entry, base=base, compare=compare, origin=origin)

    def put(
        self,
        scope: str,
        entry: RelayEntry,
        *,
        base: str | None = None,
        compare: bool = False,
        origin: str = "",
    ) -> PutOutcome | None:
        """Hands one checked entry of ``scope`` to the relay.

        ``base`` is the stamp (text form) a compare-and-set was made on. Returns what the
        relay did, or ``None`` when it is unreachable (the entry stays in the browser and
        heals the relay once it is back).
        """
        try:
            return self.relay.put(
                scope, entry, base=parse_stamp_text(base), compare=compare, origin=origin
            )
        except RelayUnavailable as exc:
            _LOG.info("tabsync: relay unavailable, entry kept in the browser: %s", exc)
            return None

    def _on_news(self, scope: str, origin: str) -> None:
        with self._lock:
            self._versions[scope] = self._versions.get(scope, 0) + 1
            ids = self._sessions.get(scope, {})
            targets = [(sid, frag) for sid, frag in ids.items() if sid != origin]
        self._rerun_all(scope, targets)

    def _on_health(self, healthy: bool, reason: str | None) -> None:
        # Back after an outage: news sent meanwhile was lost, and the relay may have lost
        # state: every session reads it again and heals it. Down: every session shows it.
        with self._lock:
            for scope in self._versions:
                self._versions[scope] += 1
            # The whole app: the status its script shows changes too.
            targets = [(s, [(sid, None) for sid in ids]) for s, ids in self._sessions.items()]
        for scope, pairs in targets:
            self._rerun_all(scope, pairs)

    def _rerun_all(self, scope: str, targets: list[tuple[str, str | None]]) -> None:
        ended = [sid for sid, fragment in targets if not self._rerun(sid, fragment)]
        if ended:
            with self._lock:
                for sid in ended:
                    self._forget(scope, sid)

    def close(self) -> None:
        """Stops the relay's listener."""
        self.relay.close()


_hub: RelayHub | None = None
_hub_lock = threading.Lock()


def make_relay() -> Relay:
    """The relay the settings ask for: Redis when a Redis URL is set, PostgreSQL when a
    database URL is, else the embedded relay.

    Raises
    ------
    TabSyncError
        If both a Redis URL and a database URL are set (one relay per deployment).
    ImportError
        If the chosen relay's driver is missing (the message names the ``pip`` command).
    ValueError
        If the URL cannot be used (the message never shows its password).
    """
    from .. import _settings
    from ..errors import TabSyncError

    redis_url, database_url = _settings.redis_url(), _settings.database_url()
    if redis_url and database_url:
        raise TabSyncError(
            "both TABSYNC_REDIS_URL (or redis_url under [tabsync] in secrets) and "
            "TABSYNC_DATABASE_URL (or database_url) are set: the devices relay is Redis or "
            "PostgreSQL, not both; unset one of them"
        )
    if redis_url:
        from .redis_relay import RedisRelay

        return RedisRelay(redis_url)
    if database_url:
        from .postgres import PostgresRelay

        return PostgresRelay(database_url)
    from .embedded import EmbeddedRelay

    return EmbeddedRelay()


def get_hub() -> RelayHub:
    """The process's hub, made on first use with :func:`make_relay`'s relay."""
    global _hub
    with _hub_lock:
        if _hub is None:
            from .. import _compat, _settings

            relay = make_relay()
            rerun = _compat.rerun_session
            if _settings.wakeup_forced_to_poll():
                # The public fallback only: sessions poll for news (see sync's wakeup).
                def rerun(session_id: str, fragment_id: str | None) -> bool:
                    return True

            _hub = RelayHub(
                relay,
                rerun=rerun,
                alive=lambda sid: _compat._app_session(sid) is not None,
            )
        return _hub
