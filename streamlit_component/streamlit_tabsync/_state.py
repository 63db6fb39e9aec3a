"""The per-tab bookkeeping behind :func:`streamlit_tabsync.sync`, free of Streamlit calls.

One :class:`ChannelState` lives in each tab's ``st.session_state`` per ``sync`` call. It
remembers, for every bound key, the value this tab last agreed with the others on (``known``)
so that a change made in this tab can be told apart from one applied from another tab, and
the local edits the browser side still has to publish.

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
* A delivery may also carry ``peers`` and ``leader``: how many other live instances of the
  namespace the browser counts, and whether this one leads it (``sync(..., presence=True)``).
  They are remembered like the status, and a change of them is news like a new value.

Only a user's change is shared: a bound key's value that differs from the shared one is an
edit when app code assigned it, or when the browser reported a change of its widget in this
rerun (Streamlit's own ``on_change`` test, read through :mod:`._compat`). A value the browser
did not change (a leftover of another page, the default a widget draws on its first
appearance) gets the shared value put back where it fits, and is kept as a local value
where it does not (another widget type on this page).

A bound key can vanish from session state while the tab holds a shared value for it:
Streamlit drops a widget's state when the widget is not drawn in a run (a page switch, a
conditional widget), and app code may ``del`` it. Its next value would then be the widget's
default, which is not a user edit and must never be shared. So a vanished key gets the shared
value put back before its widget is drawn, shaped like the value the key last had *on this
page* (pages may bind one key with widgets of different types). On a page where the key was
never seen, its type is unknown: the widget draws its default, which is kept as a *local*
value (not an edit), and a fresh delivery is requested; it applies the shared value over the
default if it fits the widget's type.

A value applied from another tab reaches the widget only when the browser has drawn the new
run. A rerun requested before that (by the next delivery, or by the user changing another
widget) still carries the widget's previous value, which must be put back to the shared value
rather than published as an edit (that would revert every tab). The same previous value is
also what a user sends who deliberately sets the widget back (unticks a box another tab
ticked), which must be shared. The browser does not say which it is, so the rule is:

* a value this tab held before an applied one (*superseded*) is put back when the run
  brings a new delivery (the rerun was requested by the component, not by the user; chains of
  runs interrupted by deliveries, which may never reach the widget, are all of this kind),
  when the browser changed another widget in the same rerun (a user acting on another widget
  before the browser drew that run: one action changes one widget, and a deliberate set-back
  can only be made once the browser drew the applied value, and with it the rest of that
  run), or when it comes within :data:`SUPERSEDED_GRACE_S` of the run that applied the value
  (a lone stale report: a rerun with no widget change, a button);
* otherwise, and always for a value assigned through the Session State API (a "reset"
  button), it is an edit.

The price: setting a widget back within the grace period of seeing the other tab's value is
put back once, and so is one submitted in a form together with another changed field of the
form; a rerun that changes no other value widget (a button click), arriving later than that
while the browser still has not drawn the applied run, publishes the stale value.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._protocol import Delivery, decode_value, render_args
from ._validate import Validator, check
from ._values import coerce_like, to_json_text, untag

#: Seconds after the run that applied a value from another tab during which a user-triggered
#: rerun carrying the value it replaced is taken for the browser's stale copy (see above).
SUPERSEDED_GRACE_S = 1.5

#: How many recent values of a key a tab remembers as states its widget may report again.
HISTORY = 8

#: How many values of a key a tab remembers having held (as digests), to tell a stale widget
#: state from a user's new value (see :meth:`ChannelState.is_old_state`).
HELD = 256


def _digest(text: str) -> bytes:
    """A short digest of a value's text: what :attr:`ChannelState.held` keeps."""
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
class Applied:
    """A value from another tab, shaped for this tab and ready to assign."""

    key: str
    value: Any


@dataclass
class Rejected:
    """A value from another tab that was not applied, and why."""

    key: str
    reason: str


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


@dataclass
class Outcome:
    """What one delivery changes in this tab."""

    applied: list[Applied] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


@dataclass
class ChannelState:
    """Bookkeeping of one ``sync`` call in one tab (kept in ``st.session_state``)."""

    #: The namespace (channel, or user-scoped channel) this state belongs to.
    namespace: str = ""
    #: Random id of this tab, also the tie-breaker of its stamps.
    tab_id: str = field(default_factory=lambda: secrets.token_hex(6))
    known: dict[str, Known] = field(default_factory=dict)
    #: Latest local edit of each key: ``{"id": str, "t": canonical JSON text, "base": stamp}``;
    #: sent in the render args. The text is what gets stored, so every tab reads the value
    #: with exactly the digits and key order this tab wrote.
    edits: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Edit ids published but not yet acknowledged by a delivery.
    pending: dict[str, str] = field(default_factory=dict)
    #: Per key, texts of values replaced by applied ones that the browser has not yet shown.
    superseded: dict[str, set[str]] = field(default_factory=dict)
    #: Per key, ``time.monotonic()`` of the run that last applied a value from another tab.
    applied_at: dict[str, float] = field(default_factory=dict)
    #: Id of the last delivery processed, so a delivery is applied once.
    last_delivery: str | None = None
    #: True once the first delivery (the shared state at mount) has been applied.
    live: bool = False
    #: Status reported by the browser side in the last delivery.
    browser_status: str = "starting"
    #: Error text reported by the browser side, if any.
    browser_error: str | None = None
    #: Other live instances of the namespace in this browser, from the last delivery;
    #: ``None`` when unknown (presence off, not counted yet, or the browser cannot count).
    peers: int | None = None
    #: Whether this instance leads the namespace, from the last delivery; ``None`` when unknown.
    leader: bool | None = None
    #: ``time.time()`` when a value from another tab was last applied.
    last_update: float | None = None
    #: Ids of the refused edits already reported, so each conflict is reported once.
    reported_conflicts: set[str] = field(default_factory=set)
    #: Entries the browser side ignored as invalid (from its last delivery).
    ignored: int = 0
    #: Per page, the last value of each bound key there: the shape a vanished key's shared
    #: value is put back in (see the module docs).
    samples: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Keys whose widget on this page the browser has not reported a change of since the tab
    #: came to the page (or since the key vanished): their value is a leftover or the
    #: default their widget drew, never a user's edit, until the browser reports a change.
    settling: set[str] = field(default_factory=set)
    #: Per key, the text of a local value this tab shows instead of the shared one (see
    #: ``settling``): not an edit while it stays, replaced by a shared value that fits.
    local: dict[str, str] = field(default_factory=dict)
    #: Keys a fresh delivery was asked for since they vanished (asked once per vanishing).
    asked: set[str] = field(default_factory=set)
    #: Bumped to ask the browser side for a fresh delivery of every value.
    resend: int = 0
    #: The page of the last run that called ``sync`` with this state.
    page: str | None = None
    #: Per key, the last few texts this tab's session state held (oldest first): the
    #: states a widget shown again may report before the browser draws the shared value.
    history: dict[str, list[str]] = field(default_factory=dict)
    #: Per key, digests of the last :data:`HELD` texts this tab held, oldest first: a widget
    #: state among them may be stale; one that is not was made by the user.
    held: dict[str, dict[bytes, None]] = field(default_factory=dict)
    #: ``across="devices"``: id of the last delivery whose outbox went to the relay.
    handed_over: str | None = None
    #: ``across="devices"``: bumped when a hand-over to the relay failed, so the browser
    #: compares its entries with the relay's again (and resends what the relay lacks).
    relay_gen: int = 0
    #: ``across="devices"``: ids of this tab's edits the relay refused under
    #: ``conflict="reject"`` (another device wrote first); the browser adopts the relay's value.
    relay_refused: list[str] = field(default_factory=list)
    #: ``across="devices"``: entries handed over for the relay that the server refused (keys
    #: ``sync()`` does not name, over the caps, malformed), since the session started.
    refused_entries: int = 0
    #: The relay hub's news counter last seen by the polling fallback.
    relay_version: int | None = None
    #: ``across="devices"``: id of the last delivery this side has seen (sent back, so the
    #: browser posts the state again when a delivery's run was dropped by Streamlit).
    seen_delivery: str | None = None
    #: True when the next run of the whole script is one this package asked for from a
    #: fragment (``st.rerun(scope="app")``): it carries no widget states from the browser.
    server_rerun: bool = False
    #: ``across="devices"``: edits the relay refused, to report in the next run of the app.
    relay_conflicts: list[Conflict] = field(default_factory=list)
    #: The render args of the last run of the whole script (a fragment run mounts them again).
    last_args: dict[str, Any] | None = None
    _edit_counter: int = 0

    def note_relay_refusal(self, key: str, edit_id: str, mine: str, theirs: str) -> None:
        """Records an edit the relay refused under ``conflict="reject"`` (another device wrote
        first), once per edit, to report as a :class:`Conflict`. ``mine`` and ``theirs`` are
        the two entries' texts; a value that does not decode is reported as its text."""
        if edit_id in self.reported_conflicts:
            return
        self.reported_conflicts.add(edit_id)
        known = self.known.get(key)
        like = untag(decode_value(known.text)) if known else None
        values = []
        for text in (mine, theirs):
            try:
                value = untag(decode_value(text)["v"])
            except (ValueError, TypeError, KeyError):
                value = text  # reported as it came: the conflict itself is what counts
            ok, shaped = coerce_like(value, like)
            values.append(shaped if ok else value)
        self.relay_conflicts.append(Conflict(key, values[0], values[1]))

    def has_news_in(self, delivery: Delivery) -> bool:
        """Whether ``delivery`` brings anything this tab has not applied: a value of another
        tab under a stamp it does not know, a new status or error, a new peer count or
        leadership, or a conflict.

        A delivery the browser marked quiet (only the outbox) normally brings nothing, but
        Streamlit keeps only the latest component value: one that replaced an unprocessed
        delivery carries that delivery's news, which this test finds.
        """
        own = "." + self.tab_id
        for key, value in delivery.values.items():
            known = self.known.get(key)
            if (known is None or known.stamp != value.stamp) and not value.stamp.endswith(own):
                return True
        new_conflict = any(c.id not in self.reported_conflicts for c in delivery.conflicts)
        return (
            new_conflict
            or delivery.status != self.browser_status
            or delivery.error != self.browser_error
            or delivery.peers != self.peers
            or delivery.leader != self.leader
        )

    def put_back_vanished(
        self, keys: Sequence[str], current: Mapping[str, Any], page: str
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
        samples = self.samples.get(page, {})
        for key in keys:
            known = self.known.get(key)
            if key in current or known is None:
                continue
            if key not in samples and key not in self.asked:
                # Never seen on this page: let the widget draw its default, then ask for
                # the shared value again, to check it against the widget's type.
                self.settling.add(key)
                self.asked.add(key)
                self.resend += 1
                continue
            ok, shaped = known.shaped_like(samples.get(key))
            if ok:
                restored.append(Applied(key, shaped))
                self._expect_old_states(key, time.monotonic())
            else:
                self.settling.add(key)  # another type on this page: keep its default
        return restored

    def remember_shapes(self, page: str, current: Mapping[str, Any]) -> None:
        """Record the value each bound key has at the end of ``sync`` on ``page``."""
        self.samples.setdefault(page, {}).update(current)
        for key in current:
            self.asked.discard(key)

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
    ) -> tuple[list[str], list[Applied]]:
        """Record local edits: bound keys whose value differs from the known shared value.

        Before the tab is live nothing is an edit: the tab's initial defaults must never
        overwrite shared state. A key seen for the first time is a baseline, not an edit. A
        superseded value (see the module docs) is not an edit either.

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
            True when the previous run of this state drew another page: the browser may
            report a widget's old state on its return, and a user cannot have edited a
            widget that was not shown, so a value differing from the shared one is put
            back, and so are the key's recent values in the next runs (the superseded rule).
        changed
            Per key, whether the browser changed the key's widget in this rerun (its
            reported state differs from what the previous run drew); ``None`` or missing:
            unknown. Only trusted for keys that are *settling* (just after a page switch or
            after the key vanished): until the browser reports a change, their value is a
            leftover or the default their widget drew, never shared. (Elsewhere a run
            interrupted before ``sync`` can hide a real change from this test.)
        beside
            Called at most once, when a key's value is a superseded one: per key, whether
            the browser changed another (non-button) widget in this rerun, which makes the
            superseded value a stale copy whatever the time. ``None`` or a missing key:
            unknown (the grace period decides).
        confirmed
            False for a run the server asked for (no widget states from the browser): a
            value equal to the shared one then does not show that the browser draws it, so
            the values it replaced stay expected as stale states.
        now
            ``time.monotonic()`` now (a parameter so tests can control it).

        Returns
        -------
        tuple of (list of str, list of Applied)
            The keys edited in this tab since the last run, and the known values to put back
            in place of superseded ones.
        """
        edited: list[str] = []
        restore: list[Applied] = []
        now = time.monotonic() if now is None else now
        changed = changed or {}
        others: list[Mapping[str, bool]] = []  # beside(), once asked

        def changed_beside(key: str) -> bool:
            if beside is None:
                return False
            if not others:
                others.append(beside())
            return others[0].get(key, False)

        if not self.live:
            self._remember_drawn(keys, current)
            return edited, restore
        for key in keys:
            if key not in current:
                continue
            text = to_json_text(key, current[key])
            self._remember(key, text)
            if returned:
                self._expect_old_states(key, now)
            known = self.known.get(key)
            if known is None:
                self.known[key] = Known(text, None)
                continue
            if returned:
                self.settling.add(key)
            if changed.get(key) is True:
                self.settling.discard(key)  # the browser shows this page's widget
            if text == known.text:
                self.local.pop(key, None)
                if not returned and confirmed:
                    self._forget_superseded(key)  # the browser shows the known value
                continue
            if key in assigned:
                self.settling.discard(key)  # app code assigned it: always an edit
            elif self.local.get(key) == text:
                continue
            elif key in self.settling:
                # Not from the user: a leftover of another page, or the default the widget
                # drew, which the browser has not changed since. The shared value goes back
                # where it fits the widget.
                ok, shaped = known.shaped_like(current[key])
                if ok:
                    restore.append(Applied(key, shaped))
                else:
                    self.local[key] = text  # another type on this page: keep it here
                continue
            elif text in self.superseded.get(key, ()) and (
                news
                or now - self.applied_at.get(key, now) < SUPERSEDED_GRACE_S
                or changed_beside(key)
            ):
                ok, shaped = known.shaped_like(current[key])
                restore.append(Applied(key, shaped if ok else current[key]))
                self.applied_at[key] = now  # this run draws the shared value again
                continue
            self._edit_counter += 1
            edit_id = f"{self.tab_id}.{self._edit_counter}"
            self.edits[key] = {"id": edit_id, "t": text, "base": known.stamp}
            self.pending[key] = edit_id
            self.known[key] = Known(text, known.stamp)
            self.local.pop(key, None)
            self._forget_superseded(key)
            edited.append(key)
        return edited, restore

    def is_old_state(self, key: str, text: str) -> bool:
        """Whether ``text`` is a value this tab's ``key`` held recently (or one an applied
        value replaced): a state its widget may still report before the browser draws the
        shared value. A value never held cannot be such a leftover: the user made it."""
        return text in self.superseded.get(key, ()) or _digest(text) in self.held.get(key, {})

    def _remember_drawn(self, keys: Sequence[str], current: Mapping[str, Any]) -> None:
        """Remember the values bound keys have before the tab is live (the defaults their
        widgets draw): they are old states once the shared values replace them."""
        for key in keys:
            if key in current:
                try:
                    self._remember(key, to_json_text(key, current[key]))
                except Exception:  # noqa: BLE001 - reported when the tab goes live
                    continue

    def _remember(self, key: str, text: str) -> None:
        """Add ``text`` to the key's recent history (at most :data:`HISTORY` texts) and to
        the values it held (at most :data:`HELD`)."""
        seen = self.history.setdefault(key, [])
        if text in seen:
            seen.remove(text)
        seen.append(text)
        del seen[:-HISTORY]
        held = self.held.setdefault(key, {})
        digest = _digest(text)
        held.pop(digest, None)
        held[digest] = None
        while len(held) > HELD:
            del held[next(iter(held))]

    def _expect_old_states(self, key: str, now: float) -> None:
        """The key's widget is shown again: until the browser draws the shared value, it
        may report any state the widget had before, which is put back, not shared (the
        superseded rule, with the key's whole recent history)."""
        self.superseded.setdefault(key, set()).update(self.history.get(key, ()))
        self.applied_at[key] = now

    def _forget_superseded(self, key: str) -> None:
        """Drop what was remembered of the values an applied one replaced for ``key``."""
        self.superseded.pop(key, None)
        self.applied_at.pop(key, None)

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
        if delivery.ns is None:
            # The browser side could not read the render args: only a status to report.
            self.last_delivery = delivery.id
            self._note_report(delivery)
            return outcome
        if self.namespace and delivery.ns != self.namespace:
            return outcome  # made for another namespace (the user or channel changed)
        self.last_delivery = delivery.id
        self._note_report(delivery)

        applied, rejected = outcome.applied, outcome.rejected
        outcome.conflicts = self._new_conflicts(delivery, keys)
        samples = self.samples.get(page, {})
        for key in keys:
            pending = self.pending.get(key)
            if pending is not None:
                if delivery.acks.get(key) != pending:
                    continue  # made before our edit was written: stale for this key
                del self.pending[key]
            entry = delivery.values.get(key)
            if key in edited or entry is None:
                continue
            known = self.known.get(key)
            if known is not None and known.stamp == entry.stamp and key not in self.local:
                continue
            if key not in current and key in self.settling:
                continue  # its widget draws its default first; a fresh delivery follows
            try:
                remote = untag(decode_value(entry.text))
            except ValueError as exc:  # untrusted input never raises
                rejected.append(Rejected(key, f"not JSON data ({exc})"))
                continue
            like = current[key] if key in current else samples.get(key)
            validator = validators.get(key) if validators else None
            ok, shaped = check(remote, like, validator)
            if not ok:
                rejected.append(Rejected(key, str(shaped)))
                continue
            try:
                text = to_json_text(key, shaped)
            except Exception as exc:  # noqa: BLE001 - untrusted input never raises
                rejected.append(Rejected(key, str(exc)))
                continue
            self.known[key] = Known(text, entry.stamp)
            self.local.pop(key, None)
            if (
                key in current
                and known is not None
                and known.text == text
                and to_json_text(key, current[key]) == text
            ):
                continue  # same value under a newer stamp: nothing to assign
            if key in current:
                replaced = to_json_text(key, current[key])
                self.superseded.setdefault(key, set()).add(replaced)
                self.applied_at[key] = now
                self._remember(key, replaced)
            self._remember(key, text)
            applied.append(Applied(key, shaped))
        if not self.live:
            self.live = True
            for key in keys:
                if key in current and key not in self.known:
                    self.known[key] = Known(to_json_text(key, current[key]), None)
                    self._remember(key, self.known[key].text)
        if applied:
            self.last_update = time.time()
        return outcome

    def _note_report(self, delivery: Delivery) -> None:
        """Remember what the browser side says of itself: status, error, ignored entries,
        and who else is here (peer count and leadership, ``None`` when it does not know)."""
        self.browser_status, self.browser_error = delivery.status, delivery.error
        self.ignored = delivery.ignored
        self.peers, self.leader = delivery.peers, delivery.leader

    def _new_conflicts(self, delivery: Delivery, keys: Sequence[str]) -> list[Conflict]:
        """This tab's refused edits in a delivery that were not reported before."""
        found: list[Conflict] = []
        for item in delivery.conflicts:
            if item.id in self.reported_conflicts:
                continue
            if item.key not in keys or not item.id.startswith(self.tab_id + "."):
                continue
            self.reported_conflicts.add(item.id)
            current_shape = self.known.get(item.key)
            like = untag(decode_value(current_shape.text)) if current_shape else None
            values = []
            for text in (item.mine, item.theirs):
                try:
                    value = untag(decode_value(text))
                except ValueError:
                    value = text  # reported as it came: the conflict itself is what counts
                ok, shaped = coerce_like(value, like)
                values.append(shaped if ok else value)
            found.append(Conflict(item.key, values[0], values[1]))
        return found

    def render_args(
        self,
        namespace: str,
        keys: Sequence[str],
        *,
        ttl_ms: int | None = None,
        conflict: str = "lww",
        presence: bool = False,
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
        )
