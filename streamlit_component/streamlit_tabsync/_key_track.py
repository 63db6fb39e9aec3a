"""What a tab remembers of one bound key: the shared value, its own edit, its past values.

:class:`KeyTrack` is one key's record in :class:`~._state.ChannelState`; its ``rule`` is the
key's place in the edit rule (:mod:`._edit_rule`), and :class:`Recent` the values the key
held, which the rule takes for stale copies when a widget reports them again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ._edit_rule import RuleState
from ._protocol import decode_value
from ._values import coerce_like, untag

#: How many recent values of a key a tab remembers as states its widget may report again
#: when it is shown again (a page switch, a vanished key).
HISTORY = 8

#: How many values of a key a tab remembers having held (as digests), to tell a stale widget
#: state from a user's new value in a run of the component's fragment alone.
HELD = 256


def _digest(text: str) -> bytes:
    """A short digest of a value's text: what :attr:`Recent.held` keeps."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).digest()


@dataclass
class Known:
    """What this tab last agreed with the other tabs on for one key."""

    #: Canonical JSON text of the value.
    text: str
    #: Stamp of that value in shared storage; ``None`` when it was never read from there.
    stamp: str | None

    def shaped_like(self, like: Any) -> tuple[bool, Any]:
        """The value, shaped like ``like`` (see :func:`coerce_like`): ``(ok, value)``."""
        return coerce_like(untag(decode_value(self.text)), like)


@dataclass
class Recent:
    """The values a key held in this tab: the last :data:`HISTORY` texts in order, and
    digests of the last :data:`HELD`."""

    history: list[str] = field(default_factory=list)
    held: dict[bytes, None] = field(default_factory=dict)

    def add(self, text: str) -> None:
        """Remember ``text`` as the newest value held."""
        if text in self.history:
            self.history.remove(text)
        self.history.append(text)
        del self.history[:-HISTORY]
        digest = _digest(text)
        self.held.pop(digest, None)
        self.held[digest] = None
        while len(self.held) > HELD:
            del self.held[next(iter(self.held))]

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and _digest(text) in self.held


@dataclass
class KeyTrack:
    """Everything a tab remembers of one bound key."""

    #: The shared value this tab last agreed on; ``None`` until it has one.
    known: Known | None = None
    #: Where the key stands in the edit rule.
    rule: RuleState = field(default_factory=RuleState)
    #: The latest local edit, ``{"id", "t", "base"}``, sent in the render args (``t`` the
    #: value's canonical JSON text, what gets stored; ``base`` the stamp it was made on).
    edit: dict[str, Any] | None = None
    #: Id of the edit published and not yet acknowledged by a delivery.
    pending: str | None = None
    #: The values the key held.
    recent: Recent = field(default_factory=Recent)
    #: Whether a fresh delivery was asked for since the key last vanished.
    asked: bool = False
    #: The text of the value the last run drew (what the browser shows until it draws the
    #: next run); ``None`` when unknown.
    drawn: str | None = None

    def is_old_state(self, text: str) -> bool:
        """Whether ``text`` is a value this key held recently (or one an applied value
        replaced): a state its widget may still report before the browser draws the shared
        value. A value never held cannot be such a leftover: the user made it."""
        return text in self.rule.stale or text in self.recent
