"""The Redis relay: entries in Redis, news over pub/sub, for several server processes.

Layout (the ``{scope}`` hash tag keeps a scope's keys in one cluster slot):

* ``tabsync:{<scope>}:entries``: hash, field ``<key>`` = the entry text (snapshots read it);
* ``tabsync:{<scope>}:stamps``: hash, field ``<key>`` = ``"<wall>:<counter>:<tab>:<x>"``
  (``<x>`` empty when the entry never expires), so the Lua script never parses JSON; plus
  two bookkeeping fields named with a leading NUL byte (see ``put.lua``);
* channel ``tabsync:news``: message ``"<scope> <origin>"`` after every stored put.

Writes go through ``put.lua`` (one atomic compare-and-write, publishing in the same script).
Expiry rule: a scope's keys never expire while any of its keys holds an entry without ``x``;
otherwise they expire at the greatest ``x`` stored since they were created.
"""

from __future__ import annotations

import contextlib
import threading
import time
from importlib import resources
from typing import Any

from .._rules import Stamp, is_valid_name
from .base import (
    MAX_SCOPE_BYTES,
    MAX_SCOPE_ENTRIES,
    NewsCallback,
    PutOutcome,
    Relay,
    RelayEntry,
    RelayEntryError,
    RelayUnavailable,
    call_quietly,
    check_scope,
    log,
    now_ms,
)
from .health import RelayHealth
from .listener import POLL_S, NewsThread
from .redact import Redactor, secrets_of

#: The pub/sub channel of news.
NEWS_CHANNEL = "tabsync:news"

# Listener reconnect backoff, in seconds: doubling from the first to the cap.
_BACKOFF_FIRST = 0.2
_BACKOFF_MAX = 2.0
# How long get_message waits per loop turn: bounds how late close() is noticed.
_POLL_S = POLL_S
# How long the listener waits for the server to confirm its subscription.
_SUBSCRIBE_TIMEOUT_S = 2.0


class RedisMissingError(ImportError):
    """The ``redis`` package is not installed."""


def entries_key(scope: str) -> str:
    """The Redis key of the hash of a scope's entry texts."""
    return f"tabsync:{{{scope}}}:entries"


def stamps_key(scope: str) -> str:
    """The Redis key of the hash of a scope's stamps (and expiry bookkeeping)."""
    return f"tabsync:{{{scope}}}:stamps"


def lua_script(name: str) -> str:
    """The text of script ``name`` (``"put"`` or ``"compare"``), with ``stamp.lua`` before it.

    ``stamp.lua`` is the one source of the stamp order in Lua; every script gets it this way.
    """
    folder = resources.files(__package__)
    return (
        folder.joinpath("stamp.lua").read_text(encoding="utf-8")
        + "\n"
        + folder.joinpath(f"{name}.lua").read_text(encoding="utf-8")
    )


def _import_redis() -> Any:
    try:
        import redis
        import redis.backoff
        import redis.retry
    except ImportError as exc:
        raise RedisMissingError(
            'the Redis relay needs the redis package: pip install "streamlit-tabsync[redis]"'
        ) from exc
    return redis


class RedisRelay(NewsThread, Relay):
    """A :class:`~.base.Relay` in Redis (7.0 or later), shared by every process using the URL.

    Parameters
    ----------
    url
        A redis-py URL: ``redis://[[user]:password@]host[:port][/db]``, ``rediss://...`` or
        ``unix://...``. Its password never appears in reasons or logs.
    client_name
        The name the connections give themselves (``CLIENT LIST`` shows it).

    Raises
    ------
    RedisMissingError
        If the ``redis`` package is not installed.
    ValueError
        If the URL is not a Redis URL.

    Notes
    -----
    Health is optimistic until a call or the listener finds otherwise. After a failed call it
    stays unhealthy until a call succeeds, the listener (re)subscribes, or - while listening -
    the listener's PING probe (about once a second) gets an answer. Nothing connects in the
    constructor; the first command or :meth:`listen` does.
    """

    _label = "Redis"

    name = "redis"

    def __init__(self, url: str, *, client_name: str = "streamlit-tabsync") -> None:
        redis = _import_redis()
        self._redis = redis
        self._redact = Redactor(secrets_of(url))
        # No client-side retries (redis-py's Retry(NoBackoff(), 0), which from_url also gives
        # by default, said explicitly): a failed command must surface as RelayUnavailable
        # at once, and a retried put.lua whose first reply was lost would come back as "refused"
        # although it was stored. A dead pooled connection is replaced when it is taken.
        options: dict[str, Any] = dict(
            socket_timeout=2,
            socket_connect_timeout=1,
            health_check_interval=10,
            retry=redis.retry.Retry(redis.backoff.NoBackoff(), 0),
        )
        try:
            self._client = redis.Redis.from_url(url, client_name=client_name, **options)
            # The listener's own client: its connection is blocked in reads, and a pub/sub
            # connection that silently reconnected (retries) would hide lost news.
            self._news_client = redis.Redis.from_url(
                url, client_name=f"{client_name}.news", **options
            )
        except ValueError as exc:
            raise ValueError(f"bad Redis URL: {self._redact(str(exc))}") from None
        self._where = _where(self._client.connection_pool.connection_kwargs)
        self._put_script = self._client.register_script(lua_script("put"))

        self._lock = threading.Lock()
        self._health = RelayHealth()
        self._news_listeners: list[NewsCallback] = []
        self._thread: threading.Thread | None = None
        self._subscribed = False
        self._stop = threading.Event()
        #: How many stored entries snapshots skipped as invalid (corrupt or foreign texts).
        self.skipped = 0

    # -- the Relay contract ---------------------------------------------------------------

    def snapshot(self, scope: str) -> dict[str, RelayEntry]:
        """The scope's unexpired, valid entries by key (invalid ones are counted in
        :attr:`skipped`)."""
        check_scope(scope)
        try:
            raw = self._client.hgetall(entries_key(scope))
        except self._redis.RedisError as exc:
            raise RelayUnavailable(self._command_failed(exc)) from None
        self._health.report(command=None)
        now = now_ms()
        out: dict[str, RelayEntry] = {}
        for field, value in raw.items():
            entry = self._read(scope, field, value)
            if entry is not None and not entry.expired(now):
                out[entry.key] = entry
        return out

    def put(
        self,
        scope: str,
        entry: RelayEntry,
        *,
        base: Stamp | None = None,
        compare: bool = False,
        origin: str = "",
    ) -> PutOutcome:
        """Store ``entry`` atomically with ``put.lua``; see :meth:`.base.Relay.put`."""
        check_scope(scope)
        if base is not None and not is_valid_name(base[2]):
            # put.lua takes an empty base tab for "no base".
            raise ValueError(f"bad base stamp {base!r}")
        wall, counter, tab = entry.stamp
        base_wall, base_counter, base_tab = base if base is not None else ("", "", "")
        args = [
            entry.key,
            entry.text,
            wall,
            counter,
            tab,
            "1" if compare else "0",
            base_wall,
            base_counter,
            base_tab,
            "" if entry.expires is None else entry.expires,
            NEWS_CHANNEL,
            f"{scope} {origin}",
            MAX_SCOPE_ENTRIES,
            MAX_SCOPE_BYTES,
            entry.size,
        ]
        try:
            stored, text = self._put_script(
                keys=[entries_key(scope), stamps_key(scope)], args=args, client=self._client
            )
        except self._redis.RedisError as exc:
            raise RelayUnavailable(self._command_failed(exc)) from None
        self._health.report(command=None)
        if stored == 1:
            return PutOutcome(stored=True, current=entry)
        current = self._read(scope, entry.key.encode(), text) if text else None
        return PutOutcome(stored=False, current=current, full=stored == 2)

    def close(self) -> None:
        """Stop the listener thread (within about a second) and close the connections."""
        self._stop_listening()
        for client in (self._client, self._news_client):
            # Closing a broken connection may fail; fine.
            with contextlib.suppress(Exception):
                client.close()

    # -- entries ----------------------------------------------------------------------------

    def _read(self, scope: str, field: bytes, value: Any) -> RelayEntry | None:
        """A stored text as an entry of ``scope`` under ``field``, or None (and counted)."""
        try:
            key = field.decode("utf-8")
            text = value.decode("utf-8") if isinstance(value, bytes) else value
            entry = RelayEntry.parse(text, scope)
            if entry.key != key:
                raise RelayEntryError(f"the entry of key {entry.key!r} is stored under {key!r}")
        except (UnicodeDecodeError, RelayEntryError) as exc:
            with self._lock:
                self.skipped += 1
            log.debug("streamlit-tabsync: skipped a stored entry of scope %s: %s", scope, exc)
            return None
        return entry

    # -- the listener thread ----------------------------------------------------------------

    def _listen_loop(self) -> None:
        delay = _BACKOFF_FIRST
        pubsub = None
        while not self._stop.is_set():
            try:
                if pubsub is None:
                    pubsub = self._news_client.pubsub()
                    pubsub.subscribe(NEWS_CHANNEL)
                    self._await_subscription(pubsub)
                    delay = _BACKOFF_FIRST
                    with self._lock:
                        self._subscribed = True
                    # The server answered: both faults are over. Announced even when health
                    # did not change, since news sent while unsubscribed are lost: resync.
                    self._health.report(command=None, listen=None, announce=True)
                message = pubsub.get_message(timeout=_POLL_S)
                if message is not None and message.get("type") == "message":
                    self._dispatch(message.get("data"))
                if self._health.command_fault is not None:
                    self._probe()
            except Exception as exc:  # noqa: BLE001 - the thread must outlive any failure
                with self._lock:
                    self._subscribed = False
                _close_quietly(pubsub)
                pubsub = None
                if self._stop.is_set():
                    break
                self._health.report(listen=self._reason(exc))
                # Event.wait, not sleep: close() ends the wait at once.
                self._stop.wait(delay)
                delay = min(delay * 2, _BACKOFF_MAX)
        _close_quietly(pubsub)

    def _probe(self) -> None:
        # A failed command leaves the relay unhealthy until a command succeeds, and a caller
        # that stops calling while unhealthy would never see it recover: probe for it here.
        try:
            self._client.ping()
        except self._redis.RedisError:
            return
        self._health.report(command=None)

    def _await_subscription(self, pubsub: Any) -> None:
        # Only once the server has confirmed the subscription is every later PUBLISH sure to
        # reach us, so (True, None) - "resync now" - must wait for it.
        deadline = time.monotonic() + _SUBSCRIBE_TIMEOUT_S
        while time.monotonic() < deadline and not self._stop.is_set():
            message = pubsub.get_message(timeout=min(_POLL_S, _SUBSCRIBE_TIMEOUT_S))
            if message is not None and message.get("type") == "subscribe":
                return
        raise self._redis.TimeoutError("the subscription to news was not confirmed")

    def _dispatch(self, data: Any) -> None:
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
        scope, _, origin = text.partition(" ")
        if not is_valid_name(scope):
            return
        with self._lock:
            listeners = list(self._news_listeners)
        for on_news in listeners:
            call_quietly(on_news, scope, origin)

    # -- health -----------------------------------------------------------------------------

    def _command_failed(self, exc: BaseException) -> str:
        reason = self._reason(exc)
        self._health.report(command=reason)
        return reason

    def _reason(self, exc: BaseException) -> str:
        broken = isinstance(exc, (self._redis.ConnectionError, self._redis.TimeoutError, OSError))
        what = "unreachable" if broken else "failed"
        return self._redact(f"Redis at {self._where} {what}: {exc}")


def _where(kwargs: dict[str, Any]) -> str:
    """Where the server is, without credentials: ``host:port`` or the socket path."""
    if kwargs.get("path"):
        return str(kwargs["path"])
    return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"


def _close_quietly(pubsub: Any) -> None:
    if pubsub is None:
        return
    with contextlib.suppress(Exception):  # its connection is already broken
        pubsub.close()
