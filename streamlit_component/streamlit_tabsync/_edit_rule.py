"""The edit rule: is a bound key's value in this run a user's edit, or a stale copy?

This is the heart of what :func:`~streamlit_tabsync.sync` may share. One small machine per
bound key and tab, with one transition function, :func:`step`. It knows nothing of
Streamlit or of the browser: :class:`~._state.ChannelState` feeds it what a run shows.

Why a value can lie
-------------------
Streamlit reruns a tab's script with the widget states its browser reports. After news
from another tab is applied in a run, the browser shows the new value only once it has
drawn that run; a rerun requested before that (by the next delivery, by the user acting on
another widget, by a button) still reports the widget's previous value: a *stale copy*,
which must be put back, never shared (it would revert every tab). The same previous value is
what a user sends who deliberately sets the widget back, which must be shared. After a page
switch, or when a key vanished from session state, the widget shows a leftover of another
page or its own default until the user touches it: never an edit either.

Phases (:class:`Phase`)
-----------------------
``LIVE``
    The tab's value is the shared value or its own edit: a value that differs is an edit.
``SUPERSEDED``
    News replaced the value (or the widget is shown again); until the browser draws the
    shared value, it may report one of the :attr:`RuleState.stale` texts, which is put
    back when the run came with news, when the browser changed another widget in the same
    rerun, or within :data:`SUPERSEDED_GRACE_S` of the run that drew the shared value.
``SETTLING``
    Back on a page, or the key vanished: until the browser reports a change of this
    widget, a differing value is a leftover or the widget's default; the shared value is
    put back where it fits the widget's type.
``KEPT_LOCAL``
    Settling, and the shared value does not fit the widget on this page (another type):
    the widget's value is kept in this tab, not shared, until the browser reports a change.

Events and the table of :func:`step`
------------------------------------
Each event names its *verdict* (:class:`Verdict`) and the next phase. ``stale'`` is the
stale set after the event; "leave" means the phase a settling key takes when the browser
reports a change: ``SUPERSEDED`` if stale texts remain, else ``LIVE``.

================================  =============================================  ==========
event                             verdict                                        next phase
================================  =============================================  ==========
:class:`PageSwitched`             \\-                                             SETTLING,
                                                                                 stale' =
                                                                                 stale+history
:class:`Vanished` (fits)          PUT_BACK                                       SUPERSEDED,
                                                                                 stale+history
:class:`Vanished` (no fit/unseen) \\- (the widget draws its default)              SETTLING
:class:`NewsApplied` (replaced)   \\-                                             SUPERSEDED
                                                                                 (settling
                                                                                 phases stay
                                                                                 settling),
                                                                                 stale+replaced
:class:`NewsApplied` (same value) \\-                                             KEPT_LOCAL
                                                                                 -> SETTLING
:class:`Reported`, assigned       EDIT                                           SUPERSEDED,
                                                                                 stale' = the
                                                                                 text drawn
                                                                                 before
:class:`Reported`, same value     IN_STEP (REDRAW when SUPERSEDED and not        settling:
                                  confirmed: a run the server asked for)         leave if
                                                                                 changed; stale
                                                                                 dropped if
                                                                                 confirmed
:class:`Reported`, differs:
  KEPT_LOCAL, value is the local  KEEP_LOCAL                                     KEPT_LOCAL
  SETTLING/KEPT_LOCAL unchanged   PUT_BACK if the shared value fits, else        SETTLING /
                                  KEEP_LOCAL                                     KEPT_LOCAL
  SUPERSEDED, a stale text, and   PUT_BACK (the grace restarts)                  SUPERSEDED
  news / beside / within grace
  otherwise (LIVE, or any other)  EDIT                                           LIVE
:class:`FragmentRun`              KEEP_EDIT if changed to a value never held,    unchanged
                                  else PUT_BACK if changed, else IN_STEP (and
                                  always in KEPT_LOCAL)
================================  =============================================  ==========

Why REDRAW: the browser draws the runs that reach it in bursts (Streamlit's frontend buffers
element updates), and a widget takes a value set through the Session State API only from the
element of the run that set it. When the server asks for runs back to back (news from the
relay), the run after the one that applied a value can replace that element before the
browser draws it: the widget keeps its old value, which the server believes gone. So each run
the server asks for assigns a superseded key's shared value again until the browser confirms
it draws it.

A settling phase whose widget the browser reports changed (:attr:`Reported.changed`)
leaves first, then the row for its new phase applies (a change to the local text keeps
``KEPT_LOCAL``).

The prices of the rule (the README's limits): setting a widget back within the grace of
seeing the other tab's value is put back once, and so is one submitted in a form together
with another changed field of the form; a lone rerun (a button) arriving later than the
grace while the browser still has not drawn the applied run publishes the stale copy.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace

#: Seconds after the run that drew the shared value over a stale one during which a rerun
#: the user requested (with no other widget changed) that reports the stale value is taken
#: for the browser's stale copy. The one time window of the rule; tests import it.
SUPERSEDED_GRACE_S = 1.5


class Phase(enum.Enum):
    """How far the browser's report of one key can be trusted (see the module docs)."""

    LIVE = "live"
    SUPERSEDED = "superseded"
    SETTLING = "settling"
    KEPT_LOCAL = "kept local"


class Verdict(enum.Enum):
    """What a run does with a key's value."""

    #: Nothing: the value is the shared one (or the event changes no value).
    IN_STEP = "in step"
    #: Share the value: a user's edit (or an assignment by app code).
    EDIT = "edit"
    #: Assign the shared value (shaped like the widget) before the widget is drawn.
    PUT_BACK = "put back"
    #: Keep the value in this tab, unshared: another type than the shared value.
    KEEP_LOCAL = "keep local"
    #: A run of the component's fragment alone carried a user's edit: keep it and run the
    #: whole app, which publishes it.
    KEEP_EDIT = "keep edit"
    #: Assign the shared value again (the value the key holds): the browser may not have
    #: drawn the run that applied it (see the module docs).
    REDRAW = "redraw"


@dataclass(frozen=True)
class RuleState:
    """One key's place in the machine. Build new ones with :func:`step`."""

    phase: Phase = Phase.LIVE
    #: Texts the widget may still report as stale copies.
    stale: frozenset[str] = frozenset()
    #: ``time.monotonic()`` of the run that last drew the shared value over them.
    since: float | None = None
    #: The text kept in this tab (``KEPT_LOCAL`` only).
    local: str | None = None

    @property
    def settling(self) -> bool:
        """True in the phases where the browser's value is not the user's until it changes."""
        return self.phase in (Phase.SETTLING, Phase.KEPT_LOCAL)


# -- events ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageSwitched:
    """The previous run drew another page: the key's widget is shown again and may report
    any state it had before (``history``: the key's recent texts)."""

    history: frozenset[str]
    now: float


@dataclass(frozen=True)
class Vanished:
    """The key is missing from session state (a page switch, a widget not drawn, ``del``).

    ``fits``: the shared value fits the type the key has on this page (``None`` when that
    type is unknown: the page never showed the key). ``history``: the key's recent texts.
    """

    fits: bool | None
    history: frozenset[str]
    now: float


@dataclass(frozen=True)
class NewsApplied:
    """A shared value newer than the tab's was taken for the key (whatever brought it).

    ``replaced``: the text of the value it replaces in session state, ``None`` when nothing
    is assigned (the key is not in session state, or holds that value already).
    """

    replaced: str | None
    now: float


@dataclass(frozen=True)
class Reported:
    """The key's value in this run, as session state holds it before the widgets are drawn.

    Attributes
    ----------
    text
        The value's canonical JSON text.
    same
        Whether it is the shared value.
    fits
        Whether the shared value fits this widget's type (asked only when needed).
    changed
        Whether the browser changed this key's widget in this rerun; ``None``: unknown.
    assigned
        Whether app code assigned it through the Session State API since the last run.
    news
        Whether this run brings news not processed yet (the component asked for it).
    confirmed
        Whether a value equal to the shared one shows the browser draws it (False on the
        first run back on a page, and for runs the server asked for, which carry no widget
        states).
    beside
        Whether the browser changed another (non-button) widget in this rerun (asked only
        for a stale text; ``False`` when unknown).
    now
        ``time.monotonic()`` now.
    previous
        The text the previous run drew for the key: what the browser shows until it draws
        this run (``None`` when unknown).
    """

    text: str
    same: bool
    fits: Callable[[], bool]
    changed: bool | None
    assigned: bool
    news: bool
    confirmed: bool
    beside: Callable[[], bool]
    now: float
    previous: str | None = None


@dataclass(frozen=True)
class FragmentRun:
    """A run of the component's fragment alone (``across="devices"``) reports the widget.

    Its widget states can be older than what the last run of the app drew; but Streamlit
    sends a user's change made at the same moment as the component's message in that batch.
    ``changed``: the browser changed the widget; ``old``: the value is one the tab held.
    """

    changed: bool
    old: bool


Event = PageSwitched | Vanished | NewsApplied | Reported | FragmentRun


# -- the transition function -------------------------------------------------------------------


def step(state: RuleState, event: Event) -> tuple[RuleState, Verdict]:
    """The next state of one key and the verdict on its value (the table above)."""
    if isinstance(event, PageSwitched):
        return _settle(state, event.history, event.now), Verdict.IN_STEP
    if isinstance(event, Vanished):
        if event.fits:
            return _superseded(state, event.history, event.now), Verdict.PUT_BACK
        return _settle(state, frozenset(), None), Verdict.IN_STEP
    if isinstance(event, NewsApplied):
        return _news(state, event), Verdict.IN_STEP
    if isinstance(event, FragmentRun):
        if not event.changed or state.phase is Phase.KEPT_LOCAL:
            return state, Verdict.IN_STEP
        return state, Verdict.PUT_BACK if event.old else Verdict.KEEP_EDIT
    return _reported(state, event)


def _reported(state: RuleState, event: Reported) -> tuple[RuleState, Verdict]:
    if event.changed and state.settling and event.text != state.local:
        state = _leave_settling(state)
    if event.same:
        # The browser reporting the shared value shows it draws it; app code assigning
        # that value shows nothing of the browser.
        if event.confirmed and not event.assigned:
            state = _forget_stale(state)
        if state.phase is Phase.KEPT_LOCAL:
            state = replace(state, phase=Phase.SETTLING, local=None)
        if state.phase is Phase.SUPERSEDED and not event.confirmed and not event.assigned:
            return replace(state, since=event.now), Verdict.REDRAW
        return state, Verdict.IN_STEP
    if event.assigned:
        # App code set the value: the browser shows the previous one (or one it has not
        # drawn over yet) until it draws this run, and may report it meanwhile, as after news.
        stale = state.stale | {event.previous} if event.previous is not None else state.stale
        stale -= {event.text}
        if stale:
            return RuleState(Phase.SUPERSEDED, stale, event.now), Verdict.EDIT
        return RuleState(), Verdict.EDIT
    if state.phase is Phase.KEPT_LOCAL and event.text == state.local:
        return state, Verdict.KEEP_LOCAL
    if state.settling:
        if event.fits():
            return replace(state, phase=Phase.SETTLING, local=None), Verdict.PUT_BACK
        return replace(state, phase=Phase.KEPT_LOCAL, local=event.text), Verdict.KEEP_LOCAL
    if state.phase is Phase.SUPERSEDED and event.text in state.stale and _stale_copy(state, event):
        return replace(state, since=event.now), Verdict.PUT_BACK
    return RuleState(), Verdict.EDIT


def _stale_copy(state: RuleState, event: Reported) -> bool:
    """Whether a stale text in this run is the browser's copy rather than a set-back."""
    within_grace = state.since is None or event.now - state.since < SUPERSEDED_GRACE_S
    return event.news or within_grace or event.beside()


def _news(state: RuleState, event: NewsApplied) -> RuleState:
    if event.replaced is None:
        # The shared value is taken without assigning: a kept local value gives way.
        if state.phase is Phase.KEPT_LOCAL:
            return replace(state, phase=Phase.SETTLING, local=None)
        return state
    stale = state.stale | {event.replaced}
    phase = Phase.SETTLING if state.settling else Phase.SUPERSEDED
    return RuleState(phase, stale, event.now)


def _settle(state: RuleState, history: frozenset[str], now: float | None) -> RuleState:
    stale = state.stale | history
    since = now if now is not None else state.since
    return RuleState(Phase.SETTLING, stale, since if stale else None)


def _superseded(state: RuleState, history: frozenset[str], now: float) -> RuleState:
    stale = state.stale | history
    if not stale:
        return RuleState()
    phase = Phase.SETTLING if state.settling else Phase.SUPERSEDED
    return RuleState(phase, stale, now, None)


def _leave_settling(state: RuleState) -> RuleState:
    if state.stale:
        return RuleState(Phase.SUPERSEDED, state.stale, state.since)
    return RuleState()


def _forget_stale(state: RuleState) -> RuleState:
    if state.settling:
        return replace(state, stale=frozenset(), since=None)
    return RuleState()
