"""One ``sync(across="devices")`` call's dealings with the relay, kept per tab.

A :class:`RelayState` lives in the tab's :class:`~.._state.ChannelState` (``relay``) and is
changed only through its methods: it hands what a delivery's outbox holds (entries the relay
missed, resent by the browser to heal it) to the relay once (:meth:`RelayState.hand_over`),
keeps the conflicts to report, and builds the ``relay`` part of the render args.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from .._conflicts import Conflict
from .._protocol import Delivery, OutboxItem
from .base import RelayEntry
from .hub import RelayHub, RelayView
from .intake import screen_outbox


@dataclass(frozen=True)
class Refusal:
    """An entry of this tab the relay refused under ``conflict="reject"``: another device
    wrote the key first. The caller takes the relay's value back (see
    :meth:`~.._devices.DevicesRun.hand_over`)."""

    #: The outbox item refused (its entry, and the id of the edit it carries).
    item: OutboxItem
    #: The key.
    key: str
    #: The entry the relay holds, which won.
    winner: RelayEntry


@dataclass
class RelayState:
    """The devices-mode bookkeeping of one tab (see the module docs)."""

    #: Id of the last delivery whose outbox went to the relay (each goes once).
    handed_over: str | None = None
    #: Bumped when a hand-over failed (relay unreachable), so the browser compares its
    #: entries with the relay's again once it is back, and resends what the relay lacks.
    gen: int = 0
    #: Edits the relay refused, to report in this run or the next run of the app.
    conflicts: list[Conflict] = field(default_factory=list)
    #: Ids of the refused edits already reported (each is reported once).
    reported: set[str] = field(default_factory=set)
    #: Entries handed over that the server refused (keys ``sync()`` does not name, over the
    #: caps, malformed), since the session started.
    refused_entries: int = 0
    #: Id of the last delivery the Python side has seen (sent back in the render args, so
    #: the outbox entries it carried leave the browser's outbox).
    seen_delivery: str | None = None
    #: The hub's news counter last seen by the polling fallback.
    version: int | None = None

    def hand_over(
        self,
        hub: RelayHub,
        scope: str,
        origin: str,
        delivery: Delivery,
        keys: Collection[str],
    ) -> list[Refusal]:
        """Hands the outbox of ``delivery`` to the relay (once per delivery).

        Only entries of ``keys`` (the keys the app's ``sync()`` names) pass, within the caps
        of :mod:`.intake`; the rest are counted in :attr:`refused_entries` and never reach the
        relay. A hand-over that fails (relay unreachable) bumps :attr:`gen`.

        Returns
        -------
        list of Refusal
            The entries the relay refused under ``conflict="reject"``.
        """
        if not delivery.outbox or delivery.id == self.handed_over:
            return []
        self.handed_over = delivery.id
        screened = screen_outbox(delivery.outbox, scope, keys)
        refusals = []
        for item, entry in screened.accepted:
            outcome = hub.put(scope, entry, base=item.base, compare=item.cas, origin=origin)
            if outcome is None:
                self.gen += 1
            elif outcome.full:
                screened.refused["over the scope's caps"] += 1
            elif (
                not outcome.stored
                and item.cas
                and outcome.current is not None
                # An entry rides along until seen: the relay holding it is no refusal.
                and outcome.current.text != item.entry
            ):
                refusals.append(Refusal(item, entry.key, outcome.current))
        self.refused_entries += screened.refused_count
        return refusals

    def report(self, edit_id: str | None, conflict: Conflict) -> None:
        """Keeps ``conflict`` to report, once per edit (``None``: no id to tell apart)."""
        if edit_id is not None:
            if edit_id in self.reported:
                return
            self.reported.add(edit_id)
        self.conflicts.append(conflict)

    def take_conflicts(self) -> list[Conflict]:
        """The refused edits not reported yet (reported once: the list is emptied)."""
        found, self.conflicts = self.conflicts, []
        return found

    def render_part(self, view: RelayView) -> dict[str, Any] | None:
        """The ``relay`` part of the render args: what the relay holds, when reachable."""
        if view.entries is None:
            return None
        return {"gen": self.gen, "entries": list(view.entries)}

    def poll(self, version: int) -> bool:
        """Takes the hub's news counter (polling fallback); True when it moved since the
        last poll (the first poll only sets the mark)."""
        moved = self.version is not None and self.version != version
        self.version = version
        return moved
