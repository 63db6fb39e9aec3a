"""Relays: the server-side stores behind ``across="devices"``.

A relay keeps, per *scope* (one user's channel) and session-state key, the entry with the
greatest stamp, and tells listeners in every server process that a scope has news.

* :class:`EmbeddedRelay`: in this process's memory (one server process).
* :class:`RedisRelay`: in Redis 7.0+ (several processes); needs ``streamlit-tabsync[redis]``.
* :class:`PostgresRelay`: in PostgreSQL (several processes); needs
  ``streamlit-tabsync[postgres]``.

Every relay keeps the contract written on :class:`Relay` (and in ``docs/relays.md``), which
``tests/python/test_relay_conformance.py`` checks on all three against real servers.

Entries are the JSON texts the browser's WASM engine writes; :meth:`RelayEntry.parse` checks
their envelope for a scope, and :func:`stamp_order` orders their stamps.
"""

from __future__ import annotations

from .._rules import Stamp, stamp_order
from .base import (
    PutOutcome,
    Relay,
    RelayEntry,
    RelayEntryError,
    RelayUnavailable,
)
from .embedded import EmbeddedRelay
from .postgres import PostgresMissingError, PostgresRelay
from .redis_relay import RedisMissingError, RedisRelay

__all__ = [
    "EmbeddedRelay",
    "PostgresMissingError",
    "PostgresRelay",
    "PutOutcome",
    "RedisMissingError",
    "RedisRelay",
    "Relay",
    "RelayEntry",
    "RelayEntryError",
    "RelayUnavailable",
    "Stamp",
    "stamp_order",
]
