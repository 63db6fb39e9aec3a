"""The per-tab bookkeeping behind :func:`streamlit_tabsync.sync`, free of Streamlit calls.

One :class:`ChannelState` lives in each tab's ``st.session_state`` per ``sync`` call. For
every bound key it keeps a :class:`~._key_track.KeyTrack`: the value this tab last agreed
with the others on (``known``), its own latest edit, the values the key held, and the key's
place in the edit rule (:mod:`._edit_rule`: is a value the user's edit or a stale copy?).

Protocol with the browser side (the WASM module; messages parsed and built in
:mod:`._protocol`):

* Render args carry ``edits``: for each key, the latest local edit ``{"id", "t", "base"}``
  (``t`` the value's canonical JSON text). An edit stays in the args until the next edit of
  that key, so the args only change on real news and a re-created iframe can tell (by id)
  which edits it has already written.
* A delivery carries the newest shared value of every key (its JSON text and stamp), and
  ``acks``: the id of the last edit of this tab the browser side has written for each key. A
  delivery that does not yet ack a key's pending edit was made before that edit was written,
  so its value for that key is stale and is skipped.
* A delivery may also carry ``peers`` and ``leader`` (who else is here, ``presence=True``),
  remembered like the status; a change of them is news like a new value.

A bound key can vanish from session state while the tab holds a shared value for it
(Streamlit drops a widget's state when the widget is not drawn in a run; app code may
``del`` it). Its next value would be the widget's default, never an edit: the shared value
is put back before the widget is drawn, shaped like the value the key last had *on this
page* (pages may bind one key with widgets of different types); on a page that never showed
the key its type is unknown, so the widget draws its default, held as a local value, and a
fresh delivery is requested, which applies the shared value if it fits.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._clock import HybridClock, parse_stamp, stamp_text
from ._conflicts import Conflict, conflict_of, value_of_text
from ._edit_rule import (
    SUPERSEDED_GRACE_S,
    FragmentRun,
    NewsApplied,
    PageSwitched,
    Phase,
    Reported,
    Vanished,
    Verdict,
    step,
)
from ._entry import entry_text
from ._key_track import KeyTrack, Known
from ._protocol import Delivery, decode_value, render_args
from ._relay.base import MAX_AHEAD_MS, RelayEntry, entry_value, now_ms
from ._relay.state import RelayState
from ._rules import stamp_order
from ._validate import Validator, check
from ._values import coerce_like, to_json_text, untag

__all__ = [
    "SUPERSEDED_GRACE_S",
    "Applied",
    "BrowserReport",
    "ChannelState",
    "Conflict",
    "Known",
    "Outcome",
    "Rejected",
]


@dataclass
class Applied:
    """A value from another tab, shaped for this tab and ready to assign."""

    key: str
    value: Any
    #: The value the key holds already, assigned again so that its widget shows it (see
    #: :attr:`~._edit_rule.Verdict.REDRAW`): no news, not a value put back.
    redraw: bool = False


@dataclass
class Rejected:
    """A value from another tab that was not applied, and why."""

    key: str
    reason: str


@dataclass
class Outcome:
    """What one delivery (or the relay's news) changes in this tab."""

    applied: list[Applied] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    def merge(self, other: Outcome) -> None:
        """Adds what ``other`` changes (applied later, so its values win)."""
        self.applied.extend(other.applied)
        self.rejected.extend(other.rejected)
        self.conflicts.extend(other.conflicts)


@dataclass
class BrowserReport:
    """What the browser side says of itself in its last delivery."""

    #: ``"starting"`` until the first delivery, then the browser's status.
    status: str = "starting"
    #: The problem it reports, if any.
    error: str | None = None
    #: Entries it ignored as invalid since the component started.
    ignored: int = 0
    #: Other live instances of the namespace in this browser; ``None`` when unknown
    #: (presence off, not counted yet, or the browser cannot count).
    peers: int | None = None
    #: Whether this instance leads the namespace; ``None`` when unknown.
    leader: bool | None = None

    @classmethod
    def of(cls, delivery: Delivery) -> BrowserReport:
        """The report a delivery carries."""
        return cls(delivery.status, delivery.error, delivery.ignored, delivery.peers,
                   delivery.leader)

    def differs_from(self, delivery: Delivery) -> bool:
        """Whether ``delivery`` reports something else (a new status, error or presence)."""
        return (self.status, self.error, self.peers, self.leader) != (
            delivery.status, delivery.error, delivery.peers, delivery.leader,
        )


@dataclass
class ChannelState:
    """Bookkeeping of one ``sync`` call in one tab (kept in ``st.session_state``)."""

    #: The namespace (channel, or user-scoped channel) this state belongs to.
    namespace: str = ""
    #: Random id of this tab, also the tie-breaker of its stamps.
    tab_id: str = field(default_factory=lambda: secrets.token_hex(6))
    #: Per bound key, what the tab remembers of it.
    tracks: dict[str, KeyTrack] = field(default_factory=dict)
    #: Per page, the last value of each bound key there: the shape a vanished key's shared
    #: value is put back in.
    shapes: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: What the browser side said of itself in the last delivery.
    report: BrowserReport = field(default_factory=BrowserReport)
    #: True once the first delivery (the shared state at mount) has been applied.
    live: bool = False
    #: Id of the last delivery processed, so a delivery is applied once.
    last_delivery: str | None = None
    #: ``time.time()`` when a value from another tab was last applied.
    last_update: float | None = None
    #: Ids of the refused edits already reported, so each conflict is reported once.
    reported_conflicts: set[str] = field(default_factory=set)
    #: Bumped to ask the browser side for a fresh delivery of every value.
    resend: int = 0
    #: The page of the last run that called ``sync`` with this state.
    page: str | None = None
    #: ``across="devices"``: the dealings with the relay (``None`` within one browser).
    relay: RelayState | None = None
    #: Stamps this tab's edits (made on first use, with :attr:`tab_id`).
    clock: HybridClock | None = None
    #: The browser's random id, from its deliveries (``None`` until one says it).
    browser: str | None = None
    _edit_counter: int = 0

    # -- views -----------------------------------------------------------------------------

    def track(self, key: str) -> KeyTrack:
        """The record of ``key`` (made on first use)."""
        found = self.tracks.get(key)
        if found is None:
            found = self.tracks[key] = KeyTrack()
        return found

    @property
    def edits(self) -> dict[str, dict[str, Any]]:
        """The latest local edit of each key (what the render args carry)."""
        return {k: t.edit for k, t in self.tracks.items() if t.edit is not None}

    @property
    def pending(self) -> dict[str, str]:
        """Ids of the edits published and not yet acknowledged by a delivery, per key."""
        return {k: t.pending for k, t in self.tracks.items() if t.pending is not None}

    @property
    def settling(self) -> bool:
        """Whether some key is settling (its widget's reported changes matter this run)."""
        return any(t.rule.settling for t in self.tracks.values())

    def note_browser(self, delivery: Delivery | None) -> None:
        """Keeps the browser id a delivery of this state's namespace tells."""
        if delivery is not None and delivery.browser is not None and (
            delivery.ns is None or not self.namespace or delivery.ns == self.namespace
        ):
            self.browser = delivery.browser

    def is_old_state(self, key: str, text: str) -> bool:
        """Whether ``text`` is a value ``key`` held recently in this tab (see
        :meth:`~._key_track.KeyTrack.is_old_state`)."""
        found = self.tracks.get(key)
        return found is not None and found.is_old_state(text)

    def like(self, key: str) -> Any:
        """The key's shared value (the shape values from elsewhere are fitted to), or
        ``None`` when the tab has none."""
        found = self.tracks.get(key)
        return untag(decode_value(found.known.text)) if found and found.known else None

    def has_news_in(self, delivery: Delivery) -> bool:
        """Whether ``delivery`` brings anything this tab has not applied: a value of another
        tab under a stamp it does not know, a new status or error, a new peer count or
        leadership, or a conflict.

        A delivery the browser marked quiet (only the outbox) normally brings nothing, but
        Streamlit keeps only the latest component value: one that replaced an unprocessed
        delivery carries that delivery's news, which this test finds.
        """
        for key, value in delivery.values.items():
            found = self.tracks.get(key)
            stamp = found.known.stamp if found and found.known else None
            parsed = parse_stamp(value.stamp)
            own = parsed is not None and parsed[2] == self.tab_id
            if stamp != value.stamp and not own:
                return True
        new_conflict = any(c.id not in self.reported_conflicts for c in delivery.conflicts)
        return new_conflict or self.report.differs_from(delivery)

    # -- a run's values: vanished keys, edits, the fragment's copy ----------------------------

    def put_back_vanished(
        self, keys: Sequence[str], current: Mapping[str, Any], page: str,
        now: float | None = None,
    ) -> list[Applied]:
        """The shared values to put back for bound keys missing from session state.

        Parameters
        ----------
        keys
            The bound keys.
        current
            This tab's session state.
        page
            Which page this run draws (values are shaped like the key's last value there).
        now
            ``time.monotonic()`` now (a parameter so tests can control it).

        Returns
        -------
        list of Applied
            Values to assign before the widgets are drawn. Keys whose value cannot be put
            back (their type on this page is unknown, or the shared value does not fit it)
            are left to their widget's default, held as a local value (see module docs).
        """
        restored: list[Applied] = []
        if not self.live:
            return restored
        now = time.monotonic() if now is None else now
        samples = self.shapes.get(page, {})
        for key in keys:
            track = self.tracks.get(key)
            if key in current or track is None or track.known is None:
                continue
            history = frozenset(track.recent.history)
            if key not in samples and not track.asked:
                # Never seen on this page: the widget draws its default; ask for the shared
                # value again, to check it against the widget's type.
                track.rule, _ = step(track.rule, Vanished(None, history, now))
                track.asked = True
                self.resend += 1
                continue
            ok, shaped = track.known.shaped_like(samples.get(key))
            track.rule, verdict = step(track.rule, Vanished(ok, history, now))
            if verdict is Verdict.PUT_BACK:
                restored.append(Applied(key, shaped))
        return restored

    def remember_shapes(self, page: str, current: Mapping[str, Any]) -> None:
        """Record the value each bound key has at the end of ``sync`` on ``page``: what the
        run draws, and the shape of the key there."""
        self.shapes.setdefault(page, {}).update(current)
        for key, value in current.items():
            track = self.track(key)
            track.asked = False
            try:
                track.drawn = to_json_text(key, value)
            except Exception:  # noqa: BLE001 - not shareable: reported where it is read
                track.drawn = None

    def detect_edits(
        self,
        keys: Sequence[str],
        current: Mapping[str, Any],
        assigned: Collection[str] = (),
        *,
        news: bool = True,
        returned: bool = False,
        changed: Mapping[str, bool | None] | None = None,
        beside: Callable[[], Mapping[str, bool]] | None = None,
        confirmed: bool = True,
        now: float | None = None,
        ttl_ms: int | None = None,
        route: str | None = None,
    ) -> tuple[list[str], list[Applied]]:
        """Record local edits: bound keys whose value the edit rule takes for the user's.

        Before the tab is live nothing is an edit: the tab's initial defaults must never
        overwrite shared state. A key seen for the first time is a baseline, not an edit.
        Each other key's value is a :class:`~._edit_rule.Reported` event of its machine.

        Parameters
        ----------
        keys
            The bound keys.
        current
            This tab's session state.
        assigned
            Keys assigned through the Session State API since the last run (callbacks, or the
            script before ``sync``): always edits.
        news
            True when this run brings a delivery not processed yet (the component requested
            it); False for a rerun the user requested.
        returned
            True when the previous run of this state drew another page: every shown key's
            machine gets :class:`~._edit_rule.PageSwitched` first.
        changed
            Per key, whether the browser changed the key's widget in this rerun; ``None`` or
            missing: unknown. Only settling keys consult it.
        beside
            Called at most once, when a key's value is a stale text: per key, whether the
            browser changed another (non-button) widget in this rerun. ``None`` or a missing
            key: unknown (the grace period decides).
        confirmed
            False for a run the server asked for (no widget states from the browser).
        now
            ``time.monotonic()`` now (a parameter so tests can control it).
        ttl_ms
            The time to live of shared values (``sync(ttl=...)``): an edit's entry expires
            that long after its stamp.
        route
            The server route that also carries this tab's edits (see :mod:`._entry`).

        Returns
        -------
        tuple of (list of str, list of Applied)
            The keys edited in this tab since the last run, and the shared values to put
            back in place of stale copies and leftovers (and, in a run the server asked for,
            those to assign again: :attr:`Applied.redraw`). Each edit is stamped here (see
            :meth:`publish`).
        """
        edited: list[str] = []
        restore: list[Applied] = []
        if not self.live:
            self._remember_drawn(keys, current)
            return edited, restore
        now = time.monotonic() if now is None else now
        changed = changed or {}
        asked: list[Mapping[str, bool]] = []  # beside(), once asked

        def changed_beside(key: str) -> bool:
            if beside is None:
                return False
            if not asked:
                asked.append(beside())
            return asked[0].get(key, False)

        for key in keys:
            if key not in current:
                continue
            text = to_json_text(key, current[key])
            track = self.track(key)
            previous = track.drawn
            track.recent.add(text)
            known = track.known
            if known is None:
                track.known = Known(text, None)  # a baseline, not an edit
                continue
            if returned:
                track.rule, _ = step(track.rule, PageSwitched(frozenset(track.recent.history), now))
            value = current[key]
            track.rule, verdict = step(track.rule, Reported(
                text=text,
                same=text == known.text,
                fits=lambda known=known, value=value: known.shaped_like(value)[0],
                changed=changed.get(key),
                assigned=key in assigned,
                news=news,
                confirmed=confirmed and not returned,
                beside=lambda key=key: changed_beside(key),
                now=now,
                previous=previous,
            ))
            if verdict is Verdict.PUT_BACK:
                ok, shaped = known.shaped_like(value)
                restore.append(Applied(key, shaped if ok else value))
            elif verdict is Verdict.REDRAW:
                restore.append(Applied(key, value, redraw=True))
            elif verdict is Verdict.EDIT:
                self.publish(key, text, ttl_ms=ttl_ms, route=route)
                edited.append(key)
        return edited, restore

    def keep_drawn_values(
        self, keys: Sequence[str], current: Mapping[str, Any], changed: Mapping[str, bool | None]
    ) -> tuple[bool, list[Applied]]:
        """Sorts the widget states a run of the component's fragment alone brought for bound
        keys (:class:`~._edit_rule.FragmentRun`): stale ones get the drawn shared value back,
        a user's edit is kept.

        Returns
        -------
        tuple of (bool, list of Applied)
            Whether a user's edit was kept (the caller then runs the app, which publishes
            it), and the values to put back.
        """
        kept, put_back = False, []
        for key in keys:
            track = self.tracks.get(key)
            if track is None or track.known is None or key not in current:
                continue
            try:
                old = track.is_old_state(to_json_text(key, current[key]))
            except Exception:  # noqa: BLE001 - not shareable: the app run reports it
                old = True
            track.rule, verdict = step(track.rule, FragmentRun(bool(changed.get(key)), old))
            if verdict is Verdict.KEEP_EDIT:
                kept = True
            elif verdict is Verdict.PUT_BACK:
                ok, drawn = track.known.shaped_like(current[key])
                if ok:
                    put_back.append(Applied(key, drawn))
        return kept, put_back

    def publish(
        self, key: str, text: str, *, ttl_ms: int | None = None, route: str | None = None
    ) -> dict[str, Any]:
        """Makes ``text`` this tab's latest edit of ``key``, stamped now (see :mod:`._clock`:
        above every stamp this tab has seen or made), as the entry every copy of it is.

        Returns
        -------
        dict
            The edit as the render args carry it: ``{"id", "e", "base"}``, ``e`` the entry
            text, ``base`` the stamp the edit was made on (a compare-and-set checks it).
        """
        track = self.track(key)
        base = track.known.stamp if track.known is not None else None
        stamp = self._clock().tick()
        expires = stamp[0] + ttl_ms if ttl_ms else None
        entry = entry_text(self.namespace, key, text, stamp, expires=expires, route=route)
        self._edit_counter += 1
        edit_id = f"{self.tab_id}.{self._edit_counter}"
        track.edit = {"id": edit_id, "t": text, "e": entry, "base": base}
        track.pending = edit_id
        track.known = Known(text, stamp_text(stamp))
        return track.edit

    def take_back(
        self, key: str, winner: RelayEntry, *, ttl_ms: int | None = None, now: float | None = None
    ) -> Applied | None:
        """Makes the relay's value of ``key`` (``winner``, which beat an entry of this tab
        under ``conflict="reject"``) this tab's value again, as a new edit stamped above both,
        so it also wins in the browser, which holds this tab's losing entry. Returns the
        value to assign, or ``None`` when it does not fit the key here."""
        track = self.track(key)
        try:
            value = untag(entry_value(winner))
            ok, shaped = coerce_like(value, self.like(key))
            text = to_json_text(key, shaped if ok else value)
        except Exception:  # noqa: BLE001 - untrusted input never raises
            return None
        previous = track.drawn
        self.publish(key, text, ttl_ms=ttl_ms)
        if previous is not None and previous != text:
            now = time.monotonic() if now is None else now
            track.rule, _ = step(track.rule, NewsApplied(previous, now))
        return Applied(key, shaped if ok else value)

    def withdraw(self, key: str) -> dict[str, Any] | None:
        """Takes back this run's edit of ``key``, which the relay refused (another device's
        value won): it is neither written nor reported as pending, and the key's known value
        is cleared, so the relay's value is news to it. Returns the edit taken back."""
        track = self.track(key)
        edit, track.edit, track.pending, track.known = track.edit, None, None, None
        return edit

    def _observe(self, stamps: Iterable[str]) -> None:
        """Moves this tab's clock past every stamp it was shown (so its next edit wins)."""
        clock = self._clock()
        for text in stamps:
            seen = parse_stamp(text)
            if seen is not None:
                clock.observe(seen)

    def _clock(self) -> HybridClock:
        if self.clock is None or self.clock.tab != self.tab_id:
            self.clock = HybridClock(self.tab_id)
        return self.clock

    def _remember_drawn(self, keys: Sequence[str], current: Mapping[str, Any]) -> None:
        """Remember the values bound keys have before the tab is live (the defaults their
        widgets draw): they are old states once the shared values replace them."""
        for key in keys:
            if key in current:
                try:
                    self.track(key).recent.add(to_json_text(key, current[key]))
                except Exception:  # noqa: BLE001 - reported when the tab goes live
                    continue

    # -- a delivery ---------------------------------------------------------------------------

    def take_delivery(
        self,
        raw: Any,
        keys: Sequence[str],
        current: Mapping[str, Any],
        edited: Sequence[str],
        validators: Mapping[str, Validator] | None = None,
        *,
        page: str = "",
        now: float | None = None,
    ) -> Outcome:
        """Work out which values of a delivery to apply to this tab.

        Parameters
        ----------
        raw
            The component value set by the browser side; anything that is not a delivery
            (``None``, a stale or malformed value) is ignored.
        keys
            The bound keys.
        current
            This tab's session state.
        edited
            Keys edited locally in this run: a local edit wins over news in the same run,
            because the browser side stamps it after everything it has seen.
        validators
            Per-key validators replacing the default type check.
        page
            Which page this run draws: a value for a key missing from session state is
            checked against the key's last value on this page.
        now
            ``time.monotonic()`` now (a parameter so tests can control it).

        Returns
        -------
        Outcome
            Values to assign, values refused, and this tab's edits refused as conflicts.
        """
        outcome = Outcome()
        now = time.monotonic() if now is None else now
        delivery = Delivery.parse(raw)
        if delivery is None or delivery.id == self.last_delivery:
            return outcome
        if delivery.ns is not None and self.namespace and delivery.ns != self.namespace:
            return outcome  # made for another namespace (the user or channel changed)
        self.last_delivery = delivery.id
        self.report = BrowserReport.of(delivery)
        if delivery.ns is None:
            return outcome  # the browser side could not read the render args: a report only
        outcome.conflicts = self._new_conflicts(delivery, keys)
        self._observe(value.stamp for value in delivery.values.values())
        for key in keys:
            track = self.track(key)
            if track.pending is not None:
                if delivery.acks.get(key) != track.pending:
                    continue  # made before our edit was written: stale for this key
                track.pending = None
            entry = delivery.values.get(key)
            if key in edited or entry is None:
                continue
            known = track.known
            if known is not None and known.stamp == entry.stamp and track.rule.phase is not (
                Phase.KEPT_LOCAL
            ):
                continue  # nothing new
            news = _News(key, entry.stamp, lambda text=entry.text: untag(decode_value(text)))
            self._take(news, track, current, validators, page, now, outcome)
        if not self.live:
            self._go_live(keys, current)
        if outcome.applied:
            self.last_update = time.time()
        return outcome

    def take_relay(
        self,
        snapshot: Mapping[str, RelayEntry],
        keys: Sequence[str],
        current: Mapping[str, Any],
        edited: Sequence[str],
        validators: Mapping[str, Validator] | None = None,
        *,
        page: str = "",
        now: float | None = None,
    ) -> Outcome:
        """Work out which values the relay holds that this tab must apply (news that reached
        this session through the server, in the one run the hub asked for).

        Only an entry with a stamp strictly above the key's known one is news, checked as
        strictly as a delivery's values (far-future stamps, the type guard, validators,
        caps); this run's own edits win, as over a delivery. Parameters as for
        :meth:`take_delivery`; ``snapshot`` is the relay's entries by key.
        """
        outcome = Outcome()
        if not self.live:
            return outcome  # the first delivery brings the relay's values with storage's
        now = time.monotonic() if now is None else now
        ahead_of = now_ms() + MAX_AHEAD_MS
        self._observe(
            stamp_text(entry.stamp) for entry in snapshot.values() if entry.stamp[0] <= ahead_of
        )
        for key in keys:
            entry = snapshot.get(key)
            track = self.track(key)
            # A pending edit is no reason to skip: the Python side put it to the relay in
            # the run that made it, so the relay's entry is newer only if it came after.
            if entry is None or key in edited:
                continue
            held = parse_stamp(track.known.stamp) if track.known is not None else None
            if held is not None and stamp_order(entry.stamp, held) <= 0:
                continue  # nothing new
            if entry.stamp[0] > ahead_of:
                outcome.rejected.append(Rejected(key, "its stamp is from the far future"))
                continue
            news = _News(key, stamp_text(entry.stamp), lambda e=entry: untag(entry_value(e)))
            self._take(news, track, current, validators, page, now, outcome)
        if outcome.applied:
            self.last_update = time.time()
        return outcome

    def _take(
        self,
        news: _News,
        track: KeyTrack,
        current: Mapping[str, Any],
        validators: Mapping[str, Validator] | None,
        page: str,
        now: float,
        outcome: Outcome,
    ) -> None:
        """Checks one value of news and, when it fits, makes it the key's known value and
        (where it differs from the shown one) a value to assign."""
        key = news.key
        if key not in current and track.rule.settling:
            return  # its widget draws its default first; a fresh delivery follows
        like = current[key] if key in current else self.shapes.get(page, {}).get(key)
        validator = validators.get(key) if validators else None
        before = track.known
        taken = _checked(news, like, validator, outcome)
        if taken is None:
            return
        value, text = taken
        track.known = Known(text, news.stamp)
        shown = to_json_text(key, current[key]) if key in current else None
        if shown == text and before is not None and before.text == text:
            # The same value under a newer stamp: nothing to assign.
            track.rule, _ = step(track.rule, NewsApplied(None, now))
            return
        if shown is not None:
            track.recent.add(shown)
        track.rule, _ = step(track.rule, NewsApplied(shown, now))
        track.recent.add(text)
        outcome.applied.append(Applied(key, value))

    def _go_live(self, keys: Sequence[str], current: Mapping[str, Any]) -> None:
        """The first delivery: keys the shared state lacks start from this tab's values."""
        self.live = True
        for key in keys:
            track = self.track(key)
            if key in current and track.known is None:
                track.known = Known(to_json_text(key, current[key]), None)
                track.recent.add(track.known.text)

    def _new_conflicts(self, delivery: Delivery, keys: Sequence[str]) -> list[Conflict]:
        """This tab's refused edits in a delivery that were not reported before."""
        found: list[Conflict] = []
        for item in delivery.conflicts:
            if item.id in self.reported_conflicts:
                continue
            if item.key not in keys or not item.id.startswith(self.tab_id + "."):
                continue
            self.reported_conflicts.add(item.id)
            found.append(conflict_of(
                item.key, value_of_text(item.mine), value_of_text(item.theirs),
                self.like(item.key),
            ))
        return found

    def render_args(
        self,
        namespace: str,
        keys: Sequence[str],
        *,
        ttl_ms: int | None = None,
        conflict: str = "lww",
        presence: bool = False,
        route: str | None = None,
    ) -> dict[str, Any]:
        """The args sent to the browser side; they change only on real news."""
        return render_args(
            namespace,
            self.tab_id,
            keys,
            self.edits,
            ttl_ms=ttl_ms,
            conflict=conflict,
            resend=self.resend,
            presence=presence,
            route=route,
            have={k: t.known.stamp for k, t in self.tracks.items() if t.known and t.known.stamp},
        )


@dataclass(frozen=True)
class _News:
    """One key's value from elsewhere (a delivery, the relay), before it is checked."""

    key: str
    #: Its stamp, as text.
    stamp: str
    #: Decodes the value (raises ``ValueError`` for text that is not JSON data).
    decode: Callable[[], Any]


def _checked(
    news: _News, like: Any, validator: Validator | None, outcome: Outcome
) -> tuple[Any, str] | None:
    """The value of ``news`` checked and shaped for this tab, with its text, or ``None`` when
    it is refused (recorded in ``outcome``): untrusted input never raises."""
    try:
        remote = news.decode()
    except ValueError as exc:
        outcome.rejected.append(Rejected(news.key, f"not JSON data ({exc})"))
        return None
    ok, shaped = check(remote, like, validator)
    if not ok:
        outcome.rejected.append(Rejected(news.key, str(shaped)))
        return None
    try:
        return shaped, to_json_text(news.key, shaped)
    except Exception as exc:  # noqa: BLE001 - untrusted input never raises
        outcome.rejected.append(Rejected(news.key, str(exc)))
        return None
