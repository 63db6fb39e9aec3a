"""What the server takes from a browser for the relay: the keys ``sync()`` names, within caps.

A delivery's outbox (the stamped entries a tab hands over for the relay) comes from the
browser, and anything on the app's origin can shape it: it is untrusted input, like every
entry the engine reads. Before anything reaches the relay, :func:`screen_outbox` keeps only

* valid entries of the session's own scope (the envelope checks of
  :meth:`~.base.RelayEntry.parse`, far-future stamps included);
* whose key is one the app's ``sync()`` call names in this run (so a browser cannot grow
  the relay with keys the app never binds, nor rerun anyone with them);
* at most one per key (the newest stamp: an older one could only be refused by the relay);
* within the delivery's caps: :func:`examined_at_most` items looked at, and
  :data:`~.base.MAX_SCOPE_BYTES` bytes of entry text taken.

The relay then applies its own per-scope caps (:data:`~.base.MAX_SCOPE_ENTRIES`,
:data:`~.base.MAX_SCOPE_BYTES`). What is refused is counted (reported to the app in
``SyncInfo.ignored``) and logged once per delivery; it never raises and never reruns
anyone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from .._protocol import OutboxItem
from .._rules import stamp_order
from .base import MAX_SCOPE_BYTES, RelayEntry, RelayEntryError, log, now_ms


def examined_at_most(keys: int) -> int:
    """How many outbox items of one delivery are looked at, for ``keys`` bound keys.

    A well-behaved tab hands over at most a few entries per key (an edit, a take-back, a
    heal, each riding along until seen); the rest of a longer outbox is refused unread.
    """
    return 4 * keys + 16


@dataclass
class Screened:
    """The outcome of :func:`screen_outbox`."""

    #: The entries to hand to the relay, with the outbox item each came in (oldest first).
    accepted: list[tuple[OutboxItem, RelayEntry]] = field(default_factory=list)
    #: How many items were refused, by reason.
    refused: Counter[str] = field(default_factory=Counter)

    @property
    def refused_count(self) -> int:
        """How many items were refused in all."""
        return sum(self.refused.values())


def screen_outbox(
    items: Sequence[OutboxItem],
    scope: str,
    keys: Collection[str],
    *,
    now: int | None = None,
) -> Screened:
    """The items of a delivery's outbox the relay may take (see the module docs).

    Parameters
    ----------
    items
        The outbox, as parsed from the delivery.
    scope
        The session's scope (namespace): every entry must name it.
    keys
        The keys the app's ``sync()`` call names in this run.
    now
        The server's clock in ms (default: now), for the far-future check.

    Returns
    -------
    Screened
        The entries to hand over (one per key, the newest) and the refusals by reason.
    """
    screened = Screened()
    now = now_ms() if now is None else now
    limit = examined_at_most(len(keys))
    if len(items) > limit:
        screened.refused["over the delivery's item cap"] += len(items) - limit
    # Per key, the newest entry and where it came in the outbox (kept in that order).
    newest: dict[str, tuple[int, OutboxItem, RelayEntry]] = {}
    for position, item in enumerate(items[:limit]):
        try:
            entry = RelayEntry.parse(item.entry, scope, now=now)
        except RelayEntryError:
            screened.refused["malformed or of another scope"] += 1
            continue
        if entry.key not in keys:
            screened.refused["a key sync() does not name"] += 1
            continue
        held = newest.get(entry.key)
        if held is None or stamp_order(entry.stamp, held[2].stamp) > 0:
            newest[entry.key] = (position, item, entry)
    budget = MAX_SCOPE_BYTES
    for _, item, entry in sorted(newest.values(), key=lambda found: found[0]):
        if entry.size > budget:
            screened.refused["over the delivery's byte cap"] += 1
            continue
        budget -= entry.size
        screened.accepted.append((item, entry))
    if screened.refused:
        log.warning(
            "streamlit-tabsync: refused %d of %d entries a browser handed over for scope %s: %s",
            screened.refused_count,
            len(items),
            scope,
            ", ".join(f"{n} {why}" for why, n in screened.refused.items()),
        )
    return screened
