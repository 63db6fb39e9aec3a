"""Waiting until pages stop rerunning: the one loop behind the end-to-end tests'
``wait_settled`` and the benchmarks' settling.

The absence of further reruns has no event to wait for, so this is a bounded observation:
the run counters must stay unchanged for a quiet window that the caller chooses for its
reason (see ``tests.e2e.harness`` for the windows the tests use and why they are enough).
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: Poll period of the run counters, in seconds.
QUIET_POLL_S = 0.05


class NeverQuiet(RuntimeError):
    """The pages kept rerunning until the deadline (a rerun loop never settles)."""


def wait_quiet(
    read_counts: Callable[[], list[int]],
    quiet_s: float,
    deadline_s: float,
    wait_idle: Callable[[], None] | None = None,
) -> list[int]:
    """Wait until ``read_counts()`` has not changed for ``quiet_s``; return the counts then.

    Parameters
    ----------
    read_counts
        Reads the run counter of every page watched.
    quiet_s
        How long the counters must stay unchanged.
    deadline_s
        When to give up, raising :class:`NeverQuiet`.
    wait_idle
        Called once the counters were quiet for ``quiet_s``: waits until no run is in
        progress. A run that had already started (its counter not drawn yet) is then seen:
        if the counters changed meanwhile, the quiet window starts again.
    """
    deadline = time.monotonic() + deadline_s
    last = read_counts()
    quiet_since = time.monotonic()
    while True:
        time.sleep(QUIET_POLL_S)  # poll period
        now = read_counts()
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            if wait_idle is None:
                return now
            wait_idle()
            after = read_counts()
            if after == now:
                return now
            last, quiet_since = after, time.monotonic()
        if time.monotonic() > deadline:
            raise NeverQuiet(f"pages never stopped rerunning within {deadline_s}s: runs {now}")
