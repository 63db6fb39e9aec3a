"""What crosses between this package and the WASM module, parsed and built in one place.

The Rust side defines the messages (``src/core/protocol.rs``); golden messages written by its
tests (``tests/protocol/*.json``) are read by the Python tests, so the two sides cannot drift
apart unnoticed.

* Render args (Python -> module): :func:`render_args`.
* A delivery (module -> Python, the component value): :meth:`Delivery.parse`.

Values cross as JSON **text** both ways (an edit's ``t``, a delivered value's ``t``, a
conflict's ``mine`` and ``theirs``) and are decoded here by :func:`decode_value` with
Python's own ``json``: integers of any size, ``-0.0`` and every float arrive with their
writer's digits, which a JS number could not carry.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Version of the messages; the module refuses render args of another version and says so.
PROTOCOL_VERSION = 3


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON data")


def decode_value(text: str) -> Any:
    """Decode a value's JSON text exactly (``NaN``/``Infinity`` are refused).

    Raises
    ------
    ValueError
        If ``text`` is not strict JSON.
    """
    return json.loads(text, parse_constant=_refuse_constant)


@dataclass(frozen=True)
class DeliveredValue:
    """The newest shared value of a key: its JSON text and its stamp."""

    #: The value's JSON text, as its writer made it.
    text: str
    #: The value's stamp (text order is stamp order).
    stamp: str


@dataclass(frozen=True)
class ReportedConflict:
    """A local edit the module refused under ``conflict="reject"``, values as JSON text."""

    key: str
    id: str
    mine: str
    theirs: str


@dataclass(frozen=True)
class OutboxItem:
    """A stamped entry the module hands over for the server relay (``across="devices"``)."""

    #: The entry as stored text: the relay stores it as is, stamp and all.
    entry: str
    #: For a compare-and-set (``conflict="reject"``): the stamp (text form) the edit was made
    #: on, or ``None``.
    base: str | None = None
    #: Whether the relay must refuse the entry when it holds a value newer than ``base``.
    cas: bool = False
    #: Id of the local edit carried; ``None`` for an entry resent to heal the relay.
    edit_id: str | None = None


def _outbox(raw: Any) -> tuple[OutboxItem, ...]:
    items = raw if isinstance(raw, list) else []
    return tuple(
        OutboxItem(
            item["e"],
            item.get("base") if isinstance(item.get("base"), str) else None,
            item.get("cas") is True,
            item.get("id") if isinstance(item.get("id"), str) else None,
        )
        for item in items
        if isinstance(item, dict) and isinstance(item.get("e"), str)
    )


def _str_map(raw: Any) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if isinstance(k, str)} if isinstance(raw, dict) else {}


@dataclass(frozen=True)
class Delivery:
    """One component value posted by the module (each reruns the tab's script once).

    Every field has a safe default: a part of a delivery that does not have its expected
    type is dropped on its own, never raised, whatever put it there.
    """

    #: Unique id: a delivery is applied once.
    id: str
    #: The namespace the values belong to; ``None`` only in a report that the module could
    #: not read its render args (then there are no values, only ``status`` and ``error``).
    ns: str | None
    #: ``"live"``, ``"degraded"`` or ``"blocked"``.
    status: str = "live"
    values: dict[str, DeliveredValue] = field(default_factory=dict)
    #: Id of the last local edit the module handled (written or refused), per key.
    acks: dict[str, str] = field(default_factory=dict)
    conflicts: tuple[ReportedConflict, ...] = ()
    #: Entries ignored as invalid since the component started.
    ignored: int = 0
    error: str | None = None
    #: Entries for the server relay (``across="devices"``), oldest first.
    outbox: tuple[OutboxItem, ...] = ()
    #: True when the delivery carries nothing but the outbox (no news for this tab).
    quiet: bool = False
    #: How many other live instances of the namespace are open in this browser; ``None``
    #: when unknown (presence off, not counted yet, or no Web Locks/BroadcastChannel).
    peers: int | None = None
    #: Whether this instance holds the namespace's leadership (a Web Lock); ``None`` when
    #: unknown (presence off, not known yet, or no Web Locks).
    leader: bool | None = None
    #: The browser's random id (32 hex digits, kept in its storage): the tabs of one
    #: browser on one server process form a group the server carries edits within.
    #: ``None`` without storage (or from a module that does not say).
    browser: str | None = None

    @classmethod
    def parse(cls, raw: Any) -> Delivery | None:
        """The delivery in a component value, or ``None`` when it is not one."""
        if not isinstance(raw, dict):
            return None
        delivery_id, ns = raw.get("id"), raw.get("ns")
        if not isinstance(delivery_id, str) or not (ns is None or isinstance(ns, str)):
            return None
        values = {
            key: DeliveredValue(entry["t"], entry["s"])
            for key, entry in _str_map(raw.get("values")).items()
            if isinstance(entry, dict)
            and isinstance(entry.get("t"), str)
            and isinstance(entry.get("s"), str)
        }
        acks = {k: v for k, v in _str_map(raw.get("acks")).items() if isinstance(v, str)}
        conflicts = tuple(
            ReportedConflict(item["key"], item["id"], item["mine"], item["theirs"])
            for item in (raw.get("conflicts") if isinstance(raw.get("conflicts"), list) else [])
            if isinstance(item, dict)
            and all(isinstance(item.get(f), str) for f in ("key", "id", "mine", "theirs"))
        )
        status, error, ignored = raw.get("status"), raw.get("error"), raw.get("ignored")
        peers, leader = raw.get("peers"), raw.get("leader")
        return cls(
            id=delivery_id,
            ns=ns,
            status=status if status in ("live", "degraded", "blocked") else "live",
            values=values,
            acks=acks,
            conflicts=conflicts,
            ignored=ignored if isinstance(ignored, int) and not isinstance(ignored, bool) else 0,
            error=error if isinstance(error, str) else None,
            outbox=_outbox(raw.get("outbox")),
            quiet=raw.get("quiet") is True,
            peers=peers if _is_count(peers) else None,
            leader=leader if isinstance(leader, bool) else None,
            browser=_browser_id(raw.get("browser")),
        )


def _browser_id(value: Any) -> str | None:
    """A browser id (32 lowercase hex digits), or ``None`` for anything else."""
    if isinstance(value, str) and len(value) == 32 and all(c in "0123456789abcdef" for c in value):
        return value
    return None


def _is_count(value: Any) -> bool:
    """Whether ``value`` is a non-negative JSON integer (``True`` is not one)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


#: The fields of an edit the module reads (the rest is the Python side's own bookkeeping).
EDIT_FIELDS = ("id", "e", "base")


def render_args(
    namespace: str,
    tab: str,
    keys: Sequence[str],
    edits: Mapping[str, Mapping[str, Any]],
    *,
    ttl_ms: int | None,
    conflict: str,
    resend: int,
    devices: bool = False,
    relay: tuple[int, Sequence[str]] | None = None,
    presence: bool = False,
    route: str | None = None,
    have: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The render args of one ``sync`` call.

    ``edits`` maps a key to its latest local edit ``{"id", "e", "base"}``: ``e`` the entry
    the Python side stamped (see :mod:`._entry`), which the module checks and writes as it
    is, ``base`` the stamp the edit was made on. ``resend`` is a counter the Python side
    bumps to ask the module for a fresh delivery of every value (after a bound key vanished
    from session state on a page where its type is not known yet). The args change only on
    real news: each change is a render message, not a rerun.

    ``devices`` marks ``across="devices"``; ``relay`` is ``(generation, entry texts)`` of
    what the server relay holds, when it is reachable: the module merges what is newer into
    storage (no delivery: this run applied it) and hands back, in a delivery's outbox, what
    the relay lacks (a new generation asks it to compare again with unchanged entries).

    ``route`` is the server path this session is reached by, while it works: an entry marked
    with it reaches the Python side through the server, so the module makes no delivery for
    it unless ``have`` (the stamp of each bound key's value the Python side holds) still
    lacks it after a while.

    ``presence`` makes the module count the other live instances of the namespace and compete
    for its leadership (a delivery's ``peers`` and ``leader``). Like ``devices`` it is sent
    only when true: the module reads a missing field as false.
    """
    args: dict[str, Any] = {
        "v": PROTOCOL_VERSION,
        "ns": namespace,
        "tab": tab,
        "keys": list(keys),
        "edits": {
            k: {f: e[f] for f in EDIT_FIELDS if f in e} for k, e in edits.items() if k in keys
        },
        "ttl_ms": ttl_ms,
        "conflict": conflict,
        "resend": resend,
    }
    if presence:
        args["presence"] = True
    if route is not None:
        args["route"] = route
        args["have"] = {k: s for k, s in (have or {}).items() if k in keys}
    if devices:
        args["devices"] = True
        args["relay"] = None if relay is None else {"gen": relay[0], "entries": list(relay[1])}
    return args
