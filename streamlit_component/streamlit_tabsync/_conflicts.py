"""Edits refused under ``conflict="reject"``, as the app sees them (:class:`Conflict`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._protocol import decode_value
from ._values import coerce_like, untag


@dataclass(frozen=True)
class Conflict:
    """A local edit refused under ``conflict="reject"``: another tab had replaced the value.

    Attributes
    ----------
    key : str
        The session-state key.
    mine : Any
        The value this tab tried to share (not applied anywhere).
    theirs : Any
        The stored value that won, now applied in this tab too.
    """

    key: str
    mine: Any
    theirs: Any


def value_of_text(text: str) -> Any:
    """The value of a JSON text (a delivered value); the text itself when it does not
    decode: a conflict is reported as it came, never as an exception in the app."""
    try:
        return untag(decode_value(text))
    except ValueError:
        return text


def value_of_entry(entry: str) -> Any:
    """The value ``v`` of a stored entry's text (a relay's); the text itself when it has
    none (see :func:`value_of_text`)."""
    try:
        return untag(decode_value(entry)["v"])
    except (ValueError, TypeError, KeyError):
        return entry


def conflict_of(key: str, mine: Any, theirs: Any, like: Any) -> Conflict:
    """The conflict of ``key`` between two values, each shaped like ``like`` (the key's
    shared value) where it fits."""
    shaped = []
    for value in (mine, theirs):
        ok, fitted = coerce_like(value, like)
        shaped.append(fitted if ok else value)
    return Conflict(key, shaped[0], shaped[1])
