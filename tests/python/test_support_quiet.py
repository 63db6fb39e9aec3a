"""``tests.support.quiet.wait_quiet``: the loop behind the end-to-end tests' ``wait_settled``
and the benchmarks' settling, on scripted run counters."""

from __future__ import annotations

import time

import pytest

from tests.support.quiet import NeverQuiet, wait_quiet


class Counters:
    """Run counters that change on a script: ``changes_at[i]`` seconds after the start, the
    counter gains one run."""

    def __init__(self, changes_at: list[float]) -> None:
        self.start = time.monotonic()
        self.changes_at = changes_at

    def read(self) -> list[int]:
        elapsed = time.monotonic() - self.start
        return [sum(1 for t in self.changes_at if t <= elapsed)]


def test_returns_the_counts_once_they_stayed_unchanged_for_the_window() -> None:
    counters = Counters([0.05, 0.1])
    started = time.monotonic()
    assert wait_quiet(counters.read, 0.2, deadline_s=5.0) == [2]
    assert time.monotonic() - started >= 0.3  # the last change, then the whole window


def test_a_run_seen_only_while_waiting_for_idle_starts_the_window_again() -> None:
    counters = Counters([])
    idle_calls = []

    def wait_idle() -> None:
        # A run that had started before the window ended draws its counter meanwhile.
        if not idle_calls:
            counters.changes_at.append(time.monotonic() - counters.start)
        idle_calls.append(time.monotonic())

    assert wait_quiet(counters.read, 0.1, deadline_s=5.0, wait_idle=wait_idle) == [1]
    assert len(idle_calls) == 2, "the window ran again after the late run"


def test_counters_that_never_stop_changing_raise_at_the_deadline() -> None:
    counters = Counters([i * 0.05 for i in range(1, 100)])
    with pytest.raises(NeverQuiet, match="never stopped rerunning"):
        wait_quiet(counters.read, 0.2, deadline_s=1.0)
