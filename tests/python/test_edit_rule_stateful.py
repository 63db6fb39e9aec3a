"""Stateful property tests of the edit rule (``_edit_rule`` through ``ChannelState``).

Hypothesis drives one tab of one bound key through what a real tab meets, in any order:
another tab's news, the browser drawing a run (or not yet), the user editing the widget,
the user acting on another widget, a lone rerun (a button), app code assigning the key, the
key vanishing, a page switch. A model of the browser and of the shared state runs beside
the tab, and after every step the invariants that matter are checked:

* **a user's deliberate edit is never lost**: a value the user gives the widget (once the
  browser shows the current value and the grace period is over) is published;
* **a stale copy is never published**: a value the browser reports because it has not drawn
  the latest run yet never becomes an edit;
* **the shared value is never replaced by a default**: a leftover or a widget's default
  after a vanished key or a page switch is put back, not published;
* **the tab follows**: once the browser has drawn the run, it shows the shared value or the
  tab's own edit.

The model's assumptions are the rule's documented prices: a lone rerun (a button) comes
within :data:`SUPERSEDED_GRACE_S` of the run that applied a value unless the browser has
drawn it, and a user sets a widget back only that long after seeing the value (a set-back
within the grace, or a lone rerun after it while the browser still shows the stale value,
are the prices the README names). Time passes freely otherwise, drawn or not.

``make test`` runs a modest number of examples; ``make fuzz`` runs ``TABSYNC_FUZZ_SCALE``
times more.
"""

from __future__ import annotations

import json
import os

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from streamlit_tabsync._edit_rule import SUPERSEDED_GRACE_S, Phase
from streamlit_tabsync._state import ChannelState

KEY = "k"
#: A small range of values, so set-backs to earlier values (the hard case) are frequent.
VALUES = st.integers(min_value=0, max_value=5)
#: The default the widget draws when its key is missing from session state.
DEFAULT = 0
SCALE = float(os.environ.get("TABSYNC_FUZZ_SCALE", "1"))


def text(value: int) -> str:
    return json.dumps(value)


class OneTab(RuleBasedStateMachine):
    """One tab (its ``ChannelState``), its browser, and the shared state of the key."""

    def __init__(self) -> None:
        super().__init__()
        self.tab = ChannelState(tab_id="me", namespace="ns")
        self.now = 1000.0
        self.stamp = 0  # the newest stamp anyone wrote (as a number)
        self.deliveries = 0
        #: The shared value every tab converges on, and its stamp.
        self.shared = 3
        self.shared_stamp = self._next_stamp("o")
        #: What the last run of this tab drew (its session value after ``sync``).
        self.drawn = DEFAULT
        #: What the browser shows (and reports) for the widget.
        self.browser = DEFAULT
        #: When the browser last drew a run.
        self.drawn_at = self.now
        #: When a run last gave the key a value the browser did not send (news applied, a
        #: value put back, app code's assignment) or showed the page again: the edit rule's
        #: grace starts there.
        self.anchor = self.now
        #: The id of this tab's latest edit, which the browser wrote at once.
        self.last_edit: str | None = None
        # The tab starts: its first run draws the widget's default, then the shared state
        # arrives and is applied; the browser draws it.
        self._run(DEFAULT, news=False)
        self._run(self.browser, news=True, delivery=self._delivery())
        self.browser_draws()

    # -- the world --------------------------------------------------------------------------

    def _next_stamp(self, tab: str) -> str:
        self.stamp += 1
        return f"{self.stamp:013d}.0.{tab}"

    def _delivery(self) -> dict:
        self.deliveries += 1
        return {
            "v": 2,
            "id": f"d-{self.deliveries}",
            "ns": "ns",
            "status": "live",
            "values": {KEY: {"t": text(self.shared), "s": self.shared_stamp}},
            "acks": {KEY: self.last_edit} if self.last_edit else {},
        }

    def _run(
        self,
        reported: int | None,
        *,
        news: bool,
        delivery: dict | None = None,
        changed: bool | None = False,
        beside: bool = False,
        assigned: bool = False,
        returned: bool = False,
    ) -> list[str]:
        """One run of ``sync``: the session value ``reported`` (``None``: the key vanished),
        the edit rule, the delivery; returns the keys edited. The browser's edit is written
        at once, with a stamp above every other (it is the last write)."""
        tab = self.tab
        current = {} if reported is None else {KEY: reported}
        restored = tab.put_back_vanished([KEY], current, "page", now=self.now)
        edited, put_back = tab.detect_edits(
            [KEY], current, {KEY} if assigned else set(), news=news, returned=returned,
            changed={KEY: changed}, beside=lambda: {KEY: beside}, now=self.now,
        )
        for item in [*restored, *put_back]:
            current[item.key] = item.value
        outcome = tab.take_delivery(delivery, [KEY], current, edited, page="page", now=self.now)
        for item in outcome.applied:
            current[item.key] = item.value
        if restored or put_back or outcome.applied or returned or (assigned and edited):
            self.anchor = self.now
        tab.remember_shapes("page", current)
        self.drawn = current.get(KEY, DEFAULT)
        if edited:
            edit = tab.edits[KEY]
            self.last_edit = edit["id"]
            self.shared = json.loads(edit["t"])
            self.shared_stamp = self._next_stamp("me")
        return edited

    def _published(self, edited: list[str], value: int) -> bool:
        return edited == [KEY] and self.tab.edits[KEY]["t"] == text(value)

    # -- rules: what happens to a tab -------------------------------------------------------

    @rule(value=VALUES)
    def another_tab_writes_and_the_news_reruns_this_tab(self, value: int) -> None:
        self.shared, self.shared_stamp = value, self._next_stamp("o")
        stale = self.browser != self.drawn
        reported = self.browser
        edited = self._run(reported, news=True, delivery=self._delivery())
        if stale:
            assert not edited, "a stale copy reported in a news run was published"

    @rule()
    def browser_draws(self) -> None:
        self.browser = self.drawn
        self.drawn_at = self.now

    @rule(seconds=st.floats(min_value=0.01, max_value=5.0))
    def time_passes(self, seconds: float) -> None:
        # Also while the browser has not drawn the latest run (a loaded machine).
        self.now += seconds

    @precondition(
        lambda self: self.browser == self.drawn
        and self.now - max(self.drawn_at, self.anchor) >= SUPERSEDED_GRACE_S
    )
    @rule(value=VALUES)
    def user_edits_the_widget(self, value: int) -> None:
        if value == self.browser:
            return
        self.browser = value
        edited = self._run(value, news=False, changed=True)
        assert self._published(edited, value), f"the user's edit {value} was lost"

    @rule()
    def user_acts_on_another_widget(self) -> None:
        stale = self.browser != self.drawn
        edited = self._run(self.browser, news=False, beside=True)
        assert not edited, "acting on another widget published this key" + (
            " (a stale copy)" if stale else ""
        )

    @precondition(
        lambda self: self.browser == self.drawn
        or self.now - self.anchor < SUPERSEDED_GRACE_S
    )
    @rule()
    def a_lone_rerun(self) -> None:
        # A button click: no widget changes. The model's one assumption: a browser draws a
        # run within the grace, so a lone rerun never carries a stale copy later than that
        # (when it does, the stale copy is published: the documented price of the rule).
        edited = self._run(self.browser, news=False)
        assert not edited, "a lone rerun published this key"

    @rule(value=VALUES)
    def app_code_assigns_the_key(self, value: int) -> None:
        # A reset button's callback: always the app's edit, whatever the browser showed.
        before = self.tab.track(KEY).known
        edited = self._run(value, news=False, assigned=True)
        if before is not None and before.text != text(value):
            assert self._published(edited, value), f"the app's assignment {value} was lost"

    @rule()
    def the_key_vanishes_then_returns(self) -> None:
        # `del st.session_state[k]`, or a run that did not draw the widget: the next run
        # finds the key missing, and the shared value must come back, not the default.
        edited = self._run(None, news=False)
        assert not edited
        assert self.drawn == json.loads(self.tab.track(KEY).known.text)

    @rule(leftover=VALUES)
    def the_user_comes_back_from_another_page(self, leftover: int) -> None:
        # The first run back on the page: the widget reports a leftover (an old state or its
        # default), which the browser did not change since the page was shown.
        edited = self._run(leftover, news=False, returned=True)
        assert not edited, f"a leftover {leftover} after a page switch was published"
        self.browser = leftover  # the browser still shows it until it draws this run

    # -- invariants -------------------------------------------------------------------------

    @invariant()
    def the_tab_knows_the_shared_value_or_its_own_edit(self) -> None:
        known = self.tab.track(KEY).known
        assert known is not None and known.text == text(self.shared)

    @invariant()
    def a_drawn_tab_shows_the_shared_value(self) -> None:
        if self.tab.track(KEY).rule.phase is not Phase.KEPT_LOCAL:
            assert self.drawn == self.shared, "the run drew something else than the shared value"


OneTab.TestCase.settings = settings(
    max_examples=int(150 * SCALE), stateful_step_count=40, deadline=None
)
TestOneTab = OneTab.TestCase
