"""The process-wide meeting point of ``sync(across="devices")`` calls and the server relay.

One :class:`RelayHub` per Streamlit server process. Each run of a devices-mode ``sync``
*joins* its session to its scope (one user's channel), reads the relay's entries, applies
what is news to it, and *puts* the stamped entries of its edits. When the relay reports news
for a scope (a put in this process or, through Redis or PostgreSQL, in another), the hub
asks every other session of that scope to run its whole script once, so idle tabs on other
devices update without interaction; when the relay comes back after an outage, every session
runs again to resync (news sent meanwhile are lost) and to heal the relay from its browser.

Reruns are *owed*, not queued: news for a session that already owes one adds nothing, and
a session that reads the relay (:meth:`RelayHub.reading`) pays its debt, so a session gets
one run per burst of news, and news that arrives while it runs (after it read the relay)
gets one run once that run ends.

The hub never merges: it stores what the relay decides (strictly newer stamp wins); each
session checks what it reads as strictly as the browser would.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from .._rules import parse_stamp_text
from .base import (
    PutOutcome,
    Relay,
    RelayEntry,
    RelayEntryError,
    RelayUnavailable,
    now_ms,
)

_LOG = logging.getLogger("streamlit_tabsync")

#: How often (joins) the hub looks for sessions that ended without news to notice it.
_SWEEP_EVERY = 64


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
    #: The same entries by key, parsed.
    snapshot: dict[str, RelayEntry] | None = None


class RelayHub:
    """Sessions per scope, the relay they share, and the reruns that carry news to them.

    Parameters
    ----------
    relay
        The relay (embedded, Redis or PostgreSQL).
    rerun
        ``rerun(session_id, wanted, location)`` asks a session to run its whole script again,
        once ``wanted()`` still says so when the session is idle, where its last run was
        (``location``: query string and page, as :meth:`join` got them, or ``None``); returns
        False when the session has ended.
    alive
        Whether a session still exists (used to forget ended sessions between news).
    route
        The id of the server path this hub's relay is (see :mod:`.._entry`): the same for
        every process sharing the relay, so a browser tab on any of them knows an entry
        marked with it reaches its session through the server. Random by default (one
        process).
    on_empty
        Called with a scope whose last session the hub forgot (the tab groups' hub drops the
        scope's entries then).
    """

    def __init__(
        self,
        relay: Relay,
        rerun: Callable[[str, Callable[[], bool], tuple[str, str] | None], bool],
        alive: Callable[[str], bool],
        route: str | None = None,
        on_empty: Callable[[str], None] | None = None,
    ) -> None:
        self.relay = relay
        self._on_empty = on_empty
        self.route = route or "p" + secrets.token_hex(8)
        self._rerun = rerun
        self._alive = alive
        self._lock = threading.Lock()
        # scope -> the sessions that follow it (a dict as an ordered set).
        self._sessions: dict[str, dict[str, None]] = {}
        # Sessions owed a run for news they have not read yet.
        self._owed: set[str] = set()
        # Where each session's last run was (query string, page), to run it there again.
        self._locations: dict[str, tuple[str, str] | None] = {}
        self._versions: dict[str, int] = {}
        self._joins = 0
        relay.listen(self._on_news, self._on_health)

    # -- sessions -------------------------------------------------------------------------

    def join(
        self, scope: str, session_id: str, location: tuple[str, str] | None = None
    ) -> None:
        """Registers ``session_id`` for news of ``scope`` (idempotent; called every run);
        ``location`` is where this run is (query string, page), where news reruns it."""
        with self._lock:
            self._sessions.setdefault(scope, {})[session_id] = None
            self._locations[session_id] = location
            self._joins += 1
            sweep = self._joins % _SWEEP_EVERY == 0
        if sweep:
            self.sweep()

    def reading(self, session_id: str) -> bool:
        """The session is about to read the relay: the run it was owed is being paid (news
        from now on owes it another). Returns True when it was owed one (this run is, most
        likely, the one the hub asked for)."""
        with self._lock:
            owed = session_id in self._owed
            self._owed.discard(session_id)
        return owed

    def owes(self, session_id: str) -> bool:
        """Whether ``session_id`` is owed a run for news it has not read."""
        with self._lock:
            return session_id in self._owed

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
                if self._on_empty is not None:
                    self._on_empty(scope)
        if not any(session_id in ids for ids in self._sessions.values()):
            self._owed.discard(session_id)
            self._locations.pop(session_id, None)

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
        snapshot: dict[str, RelayEntry] | None = None
        if healthy:
            try:
                snapshot = self.relay.snapshot(scope)
                entries = tuple(snapshot[key].text for key in sorted(snapshot))
            except RelayUnavailable as exc:
                healthy, reason, snapshot = False, str(exc), None
        return RelayView(self.relay.name, healthy, reason, entries, snapshot)

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
            targets = [sid for sid in ids if sid != origin]
        self._rerun_owed(scope, targets)

    def _on_health(self, healthy: bool, reason: str | None) -> None:
        # Back after an outage: news sent meanwhile was lost, and the relay may have lost
        # state: every session reads it again and heals it. Down: every session shows it.
        with self._lock:
            for scope in self._versions:
                self._versions[scope] += 1
            targets = [(s, list(ids)) for s, ids in self._sessions.items()]
        for scope, ids in targets:
            self._rerun_owed(scope, ids)

    def _rerun_owed(self, scope: str, targets: list[str]) -> None:
        """Owes each target a run; asks for one where none was owed yet."""
        with self._lock:
            fresh = [(sid, self._locations.get(sid)) for sid in targets if sid not in self._owed]
            self._owed.update(sid for sid, _ in fresh)
        ended = [
            sid for sid, where in fresh if not self._rerun(sid, lambda s=sid: self.owes(s), where)
        ]
        if ended:
            with self._lock:
                for sid in ended:
                    self._forget(scope, sid)

    def close(self) -> None:
        """Stops the relay's listener."""
        self.relay.close()


_hub: RelayHub | None = None
_hub_lock = threading.Lock()


def route_of_url(url: str) -> str:
    """The route id of a shared relay: a digest of its address without credentials, the
    same in every process configured with it."""
    parts = urlsplit(url)
    where = f"{parts.scheme}://{parts.hostname}:{parts.port}{parts.path}?{parts.query}"
    return "r" + hashlib.sha256(where.encode()).hexdigest()[:16]


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
            url = _settings.redis_url() or _settings.database_url()
            route = route_of_url(url) if url else None
            rerun = _compat.rerun_session
            if _settings.wakeup_forced_to_poll():
                # The public fallback only: sessions poll for news (see sync's wakeup).
                def rerun(
                    session_id: str,
                    wanted: Callable[[], bool],
                    location: tuple[str, str] | None,
                ) -> bool:
                    return True

            _hub = RelayHub(
                relay,
                rerun=rerun,
                alive=lambda sid: _compat._app_session(sid) is not None,
                route=route,
            )
        return _hub


_tabs_hub: RelayHub | None = None


def get_tabs_hub() -> RelayHub:
    """The process's hub of tab groups (``across="tabs"`` sessions of one browser here), made
    on first use: an embedded relay of its own, whose scopes are dropped as soon as their
    last session is gone (storage keeps the values; this only carries news)."""
    global _tabs_hub
    with _hub_lock:
        if _tabs_hub is None:
            from .. import _compat
            from .embedded import EmbeddedRelay

            relay = EmbeddedRelay()
            _tabs_hub = RelayHub(
                relay,
                rerun=_compat.rerun_session,
                alive=lambda sid: _compat._app_session(sid) is not None,
                on_empty=relay.drop,
            )
        return _tabs_hub
