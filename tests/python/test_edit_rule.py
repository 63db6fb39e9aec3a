"""The edit rule's transition function, row by row of its table (``_edit_rule`` docs)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from streamlit_tabsync._edit_rule import (
    SUPERSEDED_GRACE_S,
    FragmentRun,
    NewsApplied,
    PageSwitched,
    Phase,
    Reported,
    RuleState,
    Vanished,
    Verdict,
    step,
)

T = 100.0
LIVE = RuleState()
SUPERSEDED = RuleState(Phase.SUPERSEDED, frozenset({"1"}), T)
SETTLING = RuleState(Phase.SETTLING, frozenset({"1"}), T)
KEPT = RuleState(Phase.KEPT_LOCAL, frozenset(), None, '"text"')


def reported(text: str = "1", *, same: bool = False, fits: bool = True, changed=None,
             assigned=False, news=False, confirmed=True, beside=False, now=T + 0.1,
             previous=None) -> Reported:
    return Reported(text, same, lambda: fits, changed, assigned, news, confirmed,
                    lambda: beside, now, previous)


def test_a_page_switch_settles_with_the_history_as_stale_texts() -> None:
    state, verdict = step(LIVE, PageSwitched(frozenset({"1", "2"}), T))
    assert state == RuleState(Phase.SETTLING, frozenset({"1", "2"}), T)
    assert verdict is Verdict.IN_STEP


@pytest.mark.parametrize(
    ("fits", "phase", "verdict"),
    [(True, Phase.SUPERSEDED, Verdict.PUT_BACK), (False, Phase.SETTLING, Verdict.IN_STEP),
     (None, Phase.SETTLING, Verdict.IN_STEP)],
)
def test_a_vanished_key_is_put_back_where_it_fits_else_settles(fits, phase, verdict) -> None:
    state, got = step(LIVE, Vanished(fits, frozenset({"1"}), T))
    assert (state.phase, got) == (phase, verdict)


def test_news_supersedes_the_replaced_value_and_settling_stays_settling() -> None:
    state, _ = step(LIVE, NewsApplied("4", T))
    assert state == RuleState(Phase.SUPERSEDED, frozenset({"4"}), T)
    state, _ = step(SETTLING, NewsApplied("4", T + 1))
    assert state == RuleState(Phase.SETTLING, frozenset({"1", "4"}), T + 1)
    state, _ = step(KEPT, NewsApplied(None, T))
    assert state.phase is Phase.SETTLING and state.local is None


def test_an_assignment_is_an_edit_and_the_value_drawn_before_becomes_stale() -> None:
    state, verdict = step(LIVE, reported("5", assigned=True, previous="3"))
    assert verdict is Verdict.EDIT
    assert state == RuleState(Phase.SUPERSEDED, frozenset({"3"}), T + 0.1)
    state, verdict = step(SUPERSEDED, reported("1", assigned=True, previous="1"))
    assert verdict is Verdict.EDIT and state == LIVE


def test_the_shared_value_is_in_step_and_confirms_the_browser_draws_it() -> None:
    assert step(SUPERSEDED, reported(same=True)) == (LIVE, Verdict.IN_STEP)
    unconfirmed = step(SUPERSEDED, reported(same=True, confirmed=False))
    assert unconfirmed == (replace(SUPERSEDED, since=T + 0.1), Verdict.REDRAW), (
        "a run the server asked for draws the value again until the browser confirms it"
    )
    assert step(LIVE, reported(same=True, confirmed=False)) == (LIVE, Verdict.IN_STEP)
    assert step(SETTLING, reported(same=True, confirmed=False))[1] is Verdict.IN_STEP
    assigned = step(SUPERSEDED, reported(same=True, assigned=True))
    assert assigned == (SUPERSEDED, Verdict.IN_STEP), "an assignment shows nothing drawn"
    assert step(SETTLING, reported(same=True))[0] == RuleState(Phase.SETTLING)
    assert step(SETTLING, reported(same=True, changed=True))[0] == LIVE


def test_settling_puts_the_shared_value_back_or_keeps_another_type_locally() -> None:
    assert step(SETTLING, reported("9"))[1] is Verdict.PUT_BACK
    state, verdict = step(SETTLING, reported('"text"', fits=False))
    assert verdict is Verdict.KEEP_LOCAL and state.phase is Phase.KEPT_LOCAL
    assert step(KEPT, reported('"text"')) == (KEPT, Verdict.KEEP_LOCAL)
    assert step(KEPT, reported('"text"', changed=True)) == (KEPT, Verdict.KEEP_LOCAL)


def test_a_change_the_browser_reports_ends_settling() -> None:
    state, verdict = step(SETTLING, reported("9", changed=True))
    assert verdict is Verdict.EDIT and state == LIVE
    state, verdict = step(SETTLING, reported("1", changed=True))  # a stale text, in grace
    assert verdict is Verdict.PUT_BACK and state.phase is Phase.SUPERSEDED


@pytest.mark.parametrize(
    ("news", "beside", "now", "verdict"),
    [
        (True, False, T + 99, Verdict.PUT_BACK),
        (False, True, T + 99, Verdict.PUT_BACK),
        (False, False, T + SUPERSEDED_GRACE_S - 0.01, Verdict.PUT_BACK),
        (False, False, T + SUPERSEDED_GRACE_S, Verdict.EDIT),
    ],
)
def test_a_stale_text_is_put_back_with_news_beside_or_within_the_grace(
    news, beside, now, verdict
) -> None:
    state, got = step(SUPERSEDED, reported("1", news=news, beside=beside, now=now))
    assert got is verdict
    assert state == (RuleState(Phase.SUPERSEDED, frozenset({"1"}), now) if got is
                     Verdict.PUT_BACK else LIVE), "a put-back restarts the grace"


def test_a_value_never_held_is_an_edit_in_any_trusted_phase() -> None:
    assert step(LIVE, reported("7")) == (LIVE, Verdict.EDIT)
    assert step(SUPERSEDED, reported("7", news=True)) == (LIVE, Verdict.EDIT)


@pytest.mark.parametrize(
    ("state", "changed", "old", "verdict"),
    [
        (LIVE, True, False, Verdict.KEEP_EDIT),
        (SUPERSEDED, True, True, Verdict.PUT_BACK),
        (LIVE, False, True, Verdict.IN_STEP),
        (KEPT, True, False, Verdict.IN_STEP),
    ],
)
def test_a_fragment_run_keeps_a_new_value_and_undoes_an_old_one(state, changed, old, verdict):
    assert step(state, FragmentRun(changed, old)) == (state, verdict)
