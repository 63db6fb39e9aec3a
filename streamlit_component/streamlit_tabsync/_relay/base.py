"""What every relay shares: stamps, stored entries, outcomes and the :class:`Relay` contract.

An *entry* is the JSON text the browser's WASM engine writes for one key (the same format as
its ``localStorage`` entries, ``src/core/envelope.rs``)::

    {"f":1,"ns":"<scope>","k":"<key>","v":<any JSON>,"s":[<wall ms>,<counter>,"<tab id>"],
     "x":<optional expiry, ms since the epoch>}

A relay keeps, per scope and key, the entry with the greatest stamp. It checks the envelope
(format, scope, key, stamp, expiry) but never the value: the engine checks the value of every
entry it reads, so a relay has no business second-guessing it. The name, key and stamp rules
are the package's one copy of them (``streamlit_tabsync._rules``); ``tests/protocol/entries.json``
holds :meth:`RelayEntry.parse` and the engine's decoder to the same verdicts.
"""

from __future__ import annotations

import abc
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .._rules import (
    MAX_KEY_BYTES,
    MAX_WALL_MS,
    Stamp,
    check_stamp,
    is_int,
    is_valid_key,
    is_valid_name,
    utf8_len,
)

#: The entry format version this package reads.
FORMAT_VERSION = 1
#: Largest entry text, in UTF-8 bytes (the engine refuses larger ones too).
MAX_ENTRY_BYTES = 96 * 1024
#: How far ahead of the server's clock a stamp may be, in ms (the engine's ``MAX_AHEAD_MS``):
#: a forged far-future stamp would otherwise win every later write of its key for good.
MAX_AHEAD_MS = 24 * 60 * 60 * 1000
#: Most keys a relay holds per scope: an app binds a few dozen at most, and every key must be
#: one the app's ``sync()`` names, so this only bounds what a hostile browser could grow.
MAX_SCOPE_ENTRIES = 256
#: Most bytes (UTF-8, entry texts) a relay holds per scope: about what one browser's
#: ``localStorage`` can hold (5 MiB of UTF-16 per origin), so a scope beyond it could not be
#: held by a tab anyway.
MAX_SCOPE_BYTES = 2 * 1024 * 1024

_FIELDS = frozenset({"f", "ns", "k", "v", "s", "x"})

log = logging.getLogger("streamlit_tabsync")


def now_ms() -> int:
    """The wall clock in ms since the epoch (the unit of stamps and expiry times)."""
    return time.time_ns() // 1_000_000


class RelayEntryError(ValueError):
    """A text that is not a valid entry for the scope; the message says why."""


class RelayUnavailable(Exception):
    """The relay cannot be reached right now; ``str(exc)`` says why (never with a password)."""


@dataclass(frozen=True)
class RelayEntry:
    """One key's stored entry: its text as the engine wrote it, and what a relay needs of it.

    Build it with :meth:`parse`, which checks the envelope for one scope.
    """

    #: The session-state key.
    key: str
    #: The entry's JSON text, exactly as written (relays store and hand back this text).
    text: str
    #: The entry's stamp.
    stamp: Stamp
    #: When the entry expires, in ms since the epoch; ``None`` for never.
    expires: int | None
    #: The text's length in UTF-8 bytes (what counts towards :data:`MAX_SCOPE_BYTES`).
    size: int = field(default=0, compare=False)

    def expired(self, at_ms: int | None = None) -> bool:
        """True once ``at_ms`` (default: now) has reached the entry's expiry time."""
        if self.expires is None:
            return False
        return self.expires <= (now_ms() if at_ms is None else at_ms)

    @classmethod
    def parse(cls, text: object, scope: str, *, now: int | None = None) -> RelayEntry:
        """Check ``text`` as an entry of ``scope`` and read its key, stamp and expiry.

        Parameters
        ----------
        text
            The entry's JSON text.
        scope
            The scope the entry must name in ``ns``.
        now
            The server's clock in ms, for what a browser hands over: a stamp more than
            :data:`MAX_AHEAD_MS` ahead of it is refused. ``None`` (entries read back from a
            relay, checked when they were put): no such check, so a server whose clock is
            behind the writer's never hides an entry.

        Returns
        -------
        RelayEntry
            The entry, its text unchanged.

        Raises
        ------
        RelayEntryError
            With the reason, if the text is not a valid entry of ``scope``. The value ``v`` is
            not checked (the engine checks it), only that it is present.
        """
        if not isinstance(text, str):
            raise RelayEntryError(f"an entry must be a str, not {type(text).__name__}")
        size = utf8_len(text)
        if size < 0:
            raise RelayEntryError("the entry is not valid Unicode (it holds a lone surrogate)")
        if size > MAX_ENTRY_BYTES:
            raise RelayEntryError(f"the entry is {size} bytes, over the {MAX_ENTRY_BYTES} cap")
        raw = _decode(text)
        if not isinstance(raw, dict):
            raise RelayEntryError(f"an entry must be a JSON object, not {_json_type(raw)}")
        if "f" not in raw or not is_int(raw["f"]) or raw["f"] != FORMAT_VERSION:
            raise RelayEntryError(
                f"unsupported entry format f={raw.get('f')!r} (expected {FORMAT_VERSION})"
            )
        if raw.get("ns") != scope:
            raise RelayEntryError(f"the entry names scope {raw.get('ns')!r}, not {scope!r}")
        key = raw.get("k")
        if not is_valid_key(key):
            raise RelayEntryError(
                f"bad key {key!r}: a key is 1 to {MAX_KEY_BYTES} bytes without control characters"
            )
        if "v" not in raw:
            raise RelayEntryError("the entry has no value 'v'")
        try:
            stamp = check_stamp(raw.get("s"))
        except ValueError as exc:
            raise RelayEntryError(str(exc)) from None
        ahead = 0 if now is None else stamp[0] - now
        if ahead > MAX_AHEAD_MS:
            raise RelayEntryError(
                f"the stamp is {ahead} ms ahead of the server's clock (at most {MAX_AHEAD_MS})"
            )
        expires = raw.get("x")
        if expires is not None and not (is_int(expires) and 0 <= expires <= MAX_WALL_MS):
            raise RelayEntryError(
                f"bad expiry x={expires!r}: expected an integer in 0..{MAX_WALL_MS} (ms)"
            )
        return cls(key=key, text=text, stamp=stamp, expires=expires, size=size)


@dataclass(frozen=True)
class PutOutcome:
    """What :meth:`Relay.put` did."""

    #: True when the entry was stored (and news published).
    stored: bool
    #: The entry held for the key after the call: the new one if stored, else the one that won
    #: (``None`` if none could be read, or none is held).
    current: RelayEntry | None
    #: True when it was refused because the scope is at :data:`MAX_SCOPE_ENTRIES` or
    #: :data:`MAX_SCOPE_BYTES` (and the entry would add a key or bytes).
    full: bool = False


#: ``on_news(scope, origin)``: a put was stored in ``scope`` by the session ``origin``.
NewsCallback = Callable[[str, str], None]
#: ``on_health(healthy, reason)``; ``(True, None)`` also means "resync now".
HealthCallback = Callable[[bool, "str | None"], None]


class Relay(abc.ABC):
    """A store of the newest entry per scope and key, shared by every server process using it.

    The contract below is what every relay keeps; ``tests/python/test_relay_conformance.py``
    checks it on each one against a real server, and ``docs/relays.md`` tells users.

    Put
        :meth:`put` stores an entry only when its stamp is strictly greater than the stamp
        of the key's held entry (walls and counters as numbers, then tab ids byte by byte:
        :func:`stamp_order`), or when the key holds no unexpired entry. Equal or older is a
        no-op that returns the held entry. Comparing and writing are one atomic step for
        every process sharing the store.
    Snapshot
        :meth:`snapshot` returns the scope's unexpired entries, their texts exactly as put.
        Scopes never see each other's entries.
    Compare-and-set
        With ``compare=True`` (``conflict="reject"``) a put is also refused unless the
        writer's ``base`` is at least the held entry's stamp (no base: refused when any
        unexpired entry is held). Of two writers with the same base, exactly one wins.
    News
        After every stored put, and only then, each listener of each process sharing the
        store hears ``on_news(scope, origin)`` once, the writer's own process included.
    Expiry
        An entry with ``x`` expires at ``x`` (ms since the epoch): :meth:`snapshot` never
        returns it and :meth:`put` counts it as absent. Its storage is reclaimed later (how
        soon is the relay's business, but never before it expires).
    Caps
        A scope holds at most :data:`MAX_SCOPE_ENTRIES` keys and :data:`MAX_SCOPE_BYTES`
        bytes of entry text: a put that would add a key past the first, or grow the scope
        past the second, is refused with ``full``. Replacing an entry with one no larger
        always fits, so a full scope never freezes its keys.
    Outage and heal
        While the store cannot be reached, :meth:`put` and :meth:`snapshot` raise
        :class:`RelayUnavailable` (a reason, never a password), :attr:`healthy` is
        ``(False, reason)`` and health listeners hear it once. Once it is reachable again
        they hear ``(True, None)``, which means "resync now": news sent meanwhile are lost,
        so every session reads the store again and hands over what its browser holds,
        healing a store that lost entries (a Redis restarted empty).

    Entries are untrusted: a relay checks their envelope (:meth:`RelayEntry.parse`), never
    their value, and skips stored texts that are not valid entries of the scope.
    """

    #: Short name of the implementation ("embedded", "redis", "postgres").
    name: str = ""

    @abc.abstractmethod
    def snapshot(self, scope: str) -> dict[str, RelayEntry]:
        """The scope's unexpired entries by key.

        Raises
        ------
        RelayUnavailable
            If the store cannot be read now.
        """

    @abc.abstractmethod
    def put(
        self,
        scope: str,
        entry: RelayEntry,
        *,
        base: Stamp | None = None,
        compare: bool = False,
        origin: str = "",
    ) -> PutOutcome:
        """Store ``entry`` if it is newer than the key's stored entry, atomically.

        Parameters
        ----------
        scope
            The scope; ``entry`` must have been parsed for it.
        entry
            The entry; stored only when its stamp is strictly greater than the stored one's
            (or nothing unexpired is stored). Equal or older is a no-op.
        base
            With ``compare``: the stamp the writer last saw for the key (``None``: none).
        compare
            Compare-and-set (``conflict="reject"``): also refuse when a stored entry exists
            whose stamp is greater than ``base`` (any stored entry when ``base`` is None).
            Then, whatever the stamps: refuse (``full``) an entry that would take the scope
            past :data:`MAX_SCOPE_ENTRIES` keys or :data:`MAX_SCOPE_BYTES` bytes.
        origin
            Opaque id of the writing session, handed to news listeners.

        Returns
        -------
        PutOutcome
            Whether it was stored, and the entry held afterwards.

        Raises
        ------
        RelayUnavailable
            If the store cannot be written now.
        """

    @abc.abstractmethod
    def listen(self, on_news: NewsCallback, on_health: HealthCallback) -> None:
        """Call ``on_news(scope, origin)`` for every stored put, from any process.

        ``on_health(healthy, reason)`` is called when the relay turns unhealthy or healthy,
        and with ``(True, None)`` once listening starts and after each reconnect: news sent
        while disconnected are lost, so the caller must then resync with :meth:`snapshot`.
        Callbacks run on a relay's thread (or the putting thread) and must be quick.
        """

    @property
    @abc.abstractmethod
    def healthy(self) -> tuple[bool, str | None]:
        """``(True, None)``, or ``(False, reason)`` while the relay is unreachable."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stop listening and release connections. Idempotent."""


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _decode(text: str) -> Any:
    # The engine's parser (serde) refuses an object that repeats one of its fields, where
    # Python keeps the last: refuse too, so the relay never keeps what the engine drops. The
    # hook runs innermost object first, so its last call is the top-level object.
    repeated: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        repeated.clear()
        for name, value in items:
            if name in seen and name in _FIELDS:
                repeated.append(name)
            seen[name] = value
        return seen

    try:
        raw = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=pairs)
    except (ValueError, RecursionError) as exc:
        raise RelayEntryError(f"the entry is not JSON: {exc}") from None
    if isinstance(raw, dict) and repeated:
        raise RelayEntryError(f"the entry repeats field {repeated[0]!r}")
    return raw


def entry_value(entry: RelayEntry) -> Any:
    """The value ``v`` of an entry, decoded exactly (integers of any size, every float).

    Raises
    ------
    RelayEntryError
        (a ``ValueError``) if the text no longer decodes (it was checked when parsed).
    """
    return _decode(entry.text)["v"]


def check_scope(scope: object) -> str:
    """Return ``scope`` if it is a valid scope name, else raise ``ValueError``."""
    if not is_valid_name(scope):
        raise ValueError(f"bad relay scope {scope!r}: expected 1 to 64 of A-Z a-z 0-9 _ . -")
    return scope  # type: ignore[return-value]


def call_quietly(callback: Callable[..., Any], *args: Any) -> None:
    """Call a listener; log what it raises (a listener's failure must not fail a put)."""
    try:
        callback(*args)
    except Exception:
        log.exception("streamlit-tabsync: a relay listener raised")
