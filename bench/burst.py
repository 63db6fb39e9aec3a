"""Burst: many writes from another tab in a short time; the receiving tab's reruns and
deliveries against the README's bound, and whether it ends on the last value."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .page import log, read_line, wait_quiet_page, wait_text
from .rig import CHANNEL, Rig


def measure_burst(rig: Rig, writes: int, seconds: float, base: int) -> dict[str, Any]:
    """``writes`` writes of ``val`` spread over ``seconds`` from the writer tab; tab B's reruns
    are counted once it has been quiet for 1.5 s (an observation window: the absence of
    further reruns has no event to wait for)."""
    writer, tab = rig.writer, rig.pages["B"]
    runs_before = wait_quiet_page(tab, quiet_s=1.0)
    tab.evaluate("() => { window.__bench.posts.length = 0; }")
    elapsed_ms = writer.evaluate(
        "([b, n, ms]) => window.__writer.burst('val', b, n, ms)",
        [base, writes, seconds * 1000],
    )
    last = base + writes - 1
    try:
        tab.wait_for_function(
            "(v) => window.__bench.posts.some((x) => x.kind === 'component' && x.val === v)",
            arg=last,
            polling=10,
        )
        wait_text(tab, f"value:val={last}")
    except PlaywrightTimeout:
        log(f"{rig.host} burst: tab B never showed the last value {last}; final_value_ok=false")
    runs_after = wait_quiet_page(tab, quiet_s=1.5)
    delivered = tab.evaluate(
        "() => window.__bench.posts.filter((x) => x.kind === 'component').map((x) => x.val)"
    )
    shown = read_line(tab, "value:val=")
    stored = writer.evaluate(
        "(ch) => JSON.parse(localStorage.getItem(`tabsync:v1:${ch}:val`)).v", CHANNEL
    )
    return {
        "writes": writes,
        "seconds": round(elapsed_ms / 1000, 3),
        "receiver_reruns": runs_after - runs_before,
        "final_value_ok": shown == str(last) and stored == last and delivered[-1:] == [last],
        "receiver_deliveries": len(delivered),
        "readme_bound_2_plus_T_over_100": round(2 + elapsed_ms / 100, 2),
        "last_written": last,
        "receiver_shows": shown,
        "last_delivered": delivered[-1] if delivered else None,
        "stored": stored,
    }
