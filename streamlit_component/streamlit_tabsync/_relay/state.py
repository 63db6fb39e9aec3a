"""One ``sync(across="devices")`` call's dealings with the relay, kept per tab.

A :class:`RelayState` lives in the tab's :class:`~.._state.ChannelState` (``relay``) and is
changed only through its methods: it hands a delivery's outbox to the relay once
(:meth:`RelayState.hand_over`), remembers what the relay refused so the browser takes the
relay's value back and the app hears of the conflict, and builds the ``relay`` part of the
render args.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from .._conflicts import Conflict, conflict_of, value_of_entry
from .._protocol import Delivery
from .hub import RelayHub, RelayView
from .intake import screen_outbox

#: How many refused edit ids the render args name (the browser handles each once).
MAX_REFUSED_IDS = 16


@dataclass
class RelayState:
    """The devices-mode bookkeeping of one tab (see the module docs)."""

    #: Id of the last delivery whose outbox went to the relay (each goes once).
    handed_over: str | None = None
    #: Bumped when a hand-over failed (relay unreachable), so the browser compares its
    #: entries with the relay's again once it is back, and resends what the relay lacks.
    gen: int = 0
    #: Ids of this tab's edits the relay refused under ``conflict="reject"`` (another device
    #: wrote first): the browser adopts the relay's value for their keys.
    refused: list[str] = field(default_factory=list)
    #: Edits the relay refused, to report in the next run of the app.
    conflicts: list[Conflict] = field(default_factory=list)
    #: Ids of the refused edits already reported (each is reported once).
    reported: set[str] = field(default_factory=set)
    #: Entries handed over that the server refused (keys ``sync()`` does not name, over the
    #: caps, malformed), since the session started.
    refused_entries: int = 0
    #: Id of the last delivery the Python side has seen (sent back in the render args, so
    #: the browser posts the state again when Streamlit dropped a delivery's run).
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
        like: Callable[[str], Any],
    ) -> bool:
        """Hands the outbox of ``delivery`` to the relay (once per delivery).

        Only entries of ``keys`` (the keys the app's ``sync()`` names) pass, within the caps
        of :mod:`.intake`; the rest are counted in :attr:`refused_entries` and never reach the
        relay. An entry the relay refuses under ``conflict="reject"`` is named in the next
        render args (:attr:`refused`) and reported as a conflict, its values shaped by
        ``like(key)`` (the key's shared value); a hand-over that fails (relay unreachable)
        bumps :attr:`gen`.

        Returns
        -------
        bool
            True when the relay refused an edit: the browser must hear of it in a new render.
        """
        if not delivery.outbox or delivery.id == self.handed_over:
            return False
        self.handed_over = delivery.id
        screened = screen_outbox(delivery.outbox, scope, keys)
        refused = False
        for item, entry in screened.accepted:
            outcome = hub.put(scope, entry, base=item.base, compare=item.cas, origin=origin)
            if outcome is None:
                self.gen += 1
            elif outcome.full:
                screened.refused["over the scope's caps"] += 1
            elif (
                not outcome.stored
                and item.cas
                and item.edit_id is not None
                # An entry rides along until seen: the relay holding it is no refusal.
                and (outcome.current is None or outcome.current.text != item.entry)
            ):
                if outcome.current is not None:
                    self._report(item.edit_id, entry.key, item.entry, outcome.current.text, like)
                if item.edit_id not in self.refused:
                    self.refused = [*self.refused, item.edit_id][-MAX_REFUSED_IDS:]
                refused = True
        self.refused_entries += screened.refused_count
        return refused

    def _report(
        self, edit_id: str, key: str, mine: str, theirs: str, like: Callable[[str], Any]
    ) -> None:
        """Records a refused edit once, as a :class:`Conflict` of the two entries' values."""
        if edit_id in self.reported:
            return
        self.reported.add(edit_id)
        self.conflicts.append(
            conflict_of(key, value_of_entry(mine), value_of_entry(theirs), like(key))
        )

    def take_conflicts(self) -> list[Conflict]:
        """The refused edits not reported yet (reported once: the list is emptied)."""
        found, self.conflicts = self.conflicts, []
        return found

    def render_part(self, view: RelayView) -> dict[str, Any] | None:
        """The ``relay`` part of the render args: what the relay holds, when reachable."""
        if view.entries is None:
            return None
        part: dict[str, Any] = {"gen": self.gen, "entries": list(view.entries)}
        if self.refused:
            part["refused"] = list(self.refused)
        return part

    def poll(self, version: int) -> bool:
        """Takes the hub's news counter (polling fallback); True when it moved since the
        last poll (the first poll only sets the mark)."""
        moved = self.version is not None and self.version != version
        self.version = version
        return moved
