"""The Python side's hybrid logical clock: it stamps this tab's edits in the run that makes
them, with the same rules as the WASM engine's clock (``src/core/clock.rs``).

A :class:`Stamp` is (wall-clock ms, counter, tab id), ordered in that order (the tab id byte
by byte). A tab's clock never goes backwards when the wall clock does, and every stamp it
observes pushes it forward: an edit stamped after a value was shown in this tab (every value
delivered to Python is observed first) always wins over that value, whatever the wall clocks
say. The browser's engine stamps nothing of its own any more; it writes these stamps as they
are, so one tab id never has two clocks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ._rules import MAX_COUNTER, Stamp, parse_stamp_text

__all__ = ["HybridClock", "Stamp", "parse_stamp", "stamp_text"]

#: A stamp's text form as a :data:`Stamp`, or ``None`` (the one rule, in :mod:`._rules`).
parse_stamp = parse_stamp_text


def stamp_text(stamp: Stamp) -> str:
    """The text form ``wall.counter.tab`` with fixed-width numbers (16 and 10 digits), so
    text order is stamp order (the engine's ``Stamp::text``)."""
    wall, counter, tab = stamp
    return f"{wall:016d}.{counter:010d}.{tab}"


@dataclass
class HybridClock:
    """One tab's clock (see the module docs)."""

    #: The tab id every stamp of this clock carries.
    tab: str
    wall: int = 0
    counter: int = 0

    def observe(self, stamp: Stamp) -> None:
        """Moves the clock past ``stamp`` (a value delivered to Python, or read from the
        relay). Stamps are checked on their way in; this only orders."""
        wall, counter, _ = stamp
        if wall > self.wall:
            self.wall, self.counter = wall, counter
        elif wall == self.wall and counter > self.counter:
            self.counter = counter

    def tick(self, now_ms: int | None = None) -> Stamp:
        """A new stamp, greater than every stamp this clock made or observed before."""
        now = time.time_ns() // 1_000_000 if now_ms is None else now_ms
        if now > self.wall:
            self.wall, self.counter = now, 0
        elif self.counter < MAX_COUNTER:
            self.counter += 1
        else:
            self.wall, self.counter = self.wall + 1, 0
        return (self.wall, self.counter, self.tab)
