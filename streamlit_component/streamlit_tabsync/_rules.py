"""The rules the Python side shares with the WASM engine (``src/core``): names, keys, stamps.

One place for each rule on this side; the golden vectors in ``tests/protocol/`` (``names.json``,
``stamps.json``, ``entries.json``) are read by the Rust, Python and Lua tests alike, so the
sides cannot drift apart unnoticed.

* A *name* (channel, relay scope, tab id) is 1 to 64 of ``A-Z a-z 0-9 _ . -``.
* A session-state *key* is 1 to 256 UTF-8 bytes, with no control character (Unicode category
  Cc) and no lone surrogate.
* A *stamp* is ``(wall ms, counter, tab id)``: the wall in ``0..MAX_WALL_MS`` (exact in a
  double: JS numbers, Lua), the counter in ``0..MAX_COUNTER`` (u32), the tab id a name. Its
  text form, as deliveries carry it, is ``wall.counter.tab`` with ASCII digits; stamps are
  ordered by wall, then counter, then tab id byte by byte (:func:`stamp_order`).
"""

from __future__ import annotations

import re
from typing import Any

#: A stamp: ``(wall ms, counter, tab id)``; see :func:`stamp_order`.
Stamp = tuple[int, int, str]

#: Largest session-state key, in UTF-8 bytes.
MAX_KEY_BYTES = 256
#: Largest wall time (and expiry time) of an entry, in ms: 2**53 - 1, exact in a double.
MAX_WALL_MS = 2**53 - 1
#: Counters are u32 in the engine.
MAX_COUNTER = 2**32 - 1

# Names: the class is spelt out rather than written as \w (ASCII only), and matched whole
# with fullmatch (a pattern anchored with `$` would also take a trailing newline).
_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
# Rust's char::is_control: the Unicode category Cc, i.e. C0, DEL and C1.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The numbers of a stamp's text form: ASCII digits only (str.isdigit also takes other
# scripts' digits and superscripts).
_DIGITS = re.compile(r"[0-9]+")


def is_valid_name(name: object) -> bool:
    """True for a channel, relay scope or tab id: 1 to 64 of ``A-Z a-z 0-9 _ . -``."""
    return isinstance(name, str) and _NAME.fullmatch(name) is not None


def is_valid_key(key: object) -> bool:
    """True for a session-state key: 1 to 256 UTF-8 bytes, no control characters.

    A lone surrogate (from a ``"\\ud800"`` escape) is refused too, as the engine does.
    """
    return (
        isinstance(key, str)
        and key != ""
        and _CONTROL.search(key) is None
        and 0 < utf8_len(key) <= MAX_KEY_BYTES
    )


def utf8_len(text: str) -> int:
    """UTF-8 length of ``text``; ``-1`` if it holds a lone surrogate (not encodable)."""
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return -1


def is_int(value: Any) -> bool:
    """True for a JSON integer (bool is an int subclass, and 1.0 a float: neither is one)."""
    return type(value) is int


def check_stamp(raw: Any) -> Stamp:
    """Read a stamp given as ``[wall ms, counter, tab id]`` (an entry's ``s``).

    Raises
    ------
    ValueError
        Saying which part is wrong.
    """
    if not (isinstance(raw, list) and len(raw) == 3):
        raise ValueError(f"bad stamp s={raw!r}: expected [wall ms, counter, tab id]")
    wall, counter, tab = raw
    if not (is_int(wall) and 0 <= wall <= MAX_WALL_MS):
        raise ValueError(f"bad stamp wall {wall!r}: expected an integer in 0..2**53-1")
    if not (is_int(counter) and 0 <= counter <= MAX_COUNTER):
        raise ValueError(f"bad stamp counter {counter!r}: expected an integer in 0..2**32-1")
    if not is_valid_name(tab):
        raise ValueError(f"bad stamp tab id {tab!r}: expected 1 to 64 of A-Z a-z 0-9 _ . -")
    return (wall, counter, tab)


def parse_stamp_text(text: str | None) -> Stamp | None:
    """A stamp's text form (``wall.counter.tab``, as deliveries carry it) as a tuple.

    Returns
    -------
    Stamp or None
        ``None`` when ``text`` is not a stamp: parts that are not ASCII digits, a wall or
        counter out of range, a tab id that is not a name.
    """
    if not text:
        return None
    parts = text.split(".", 2)
    if len(parts) != 3 or not all(_DIGITS.fullmatch(p) for p in parts[:2]):
        return None
    try:
        return check_stamp([int(parts[0]), int(parts[1]), parts[2]])
    except ValueError:
        return None


def stamp_order(a: Stamp, b: Stamp) -> int:
    """Order two stamps: by wall, then counter, then tab id byte by byte.

    Returns
    -------
    int
        ``-1`` when ``a`` is older than ``b``, ``0`` when equal, ``1`` when newer.
    """
    # Tab ids are ASCII, but comparing bytes makes the rule the engine's (Rust String Ord)
    # and the Lua script's whatever reaches here.
    ka = (a[0], a[1], a[2].encode("utf-8"))
    kb = (b[0], b[1], b[2].encode("utf-8"))
    return (ka > kb) - (ka < kb)
