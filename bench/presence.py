"""``make bench`` (third part): figures of presence (``SyncInfo.peers``, ``SyncInfo.leader``).

One ``streamlit run`` of ``tests/e2e/apps/presence_app.py``, real headless Chromium tabs of one
profile, each sample on a channel of its own.

* **hand-over**: two tabs, the leader closes; time from just before the close to the moment
  the other tab shows ``leader=True`` (a MutationObserver in that page; both timestamps from
  ``performance.timeOrigin + performance.now()`` of that page). p50 and p95.
* **baseline** (same run, same tabs): a value changed in the leader until it shows in the
  other tab, which is one delivery and one rerun as well: the ratio says what presence adds.
* **reruns per change**: reruns of an open tab when another tab opens, and when it closes.
* **idle reruns**: two tabs with presence on and one with it off, left alone for
  ``IDLE_S`` seconds; their reruns, scaled to an hour (goal: 0).

Results go to ``bench/presence.json`` and stdout. Run as ``python -m bench.presence``
from the repository's root. Synchronisation by polls with deadlines.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, sync_playwright

from tests.support.browser import launch_chromium
from tests.support.quiet import wait_quiet
from tests.support.servers import REPO, start_streamlit, stop_server

from .page import load_js
from .page import read_line as text

BENCH = Path(__file__).resolve().parent
APP = REPO / "tests" / "e2e" / "apps" / "presence_app.py"
SAMPLES = 15
IDLE_S = 60.0

def now(page: Page) -> float:
    return page.evaluate("performance.timeOrigin + performance.now()")


def until(probe, what: str, deadline_s: float = 30.0):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        value = probe()
        if value:
            return value
        time.sleep(0.02)  # poll period
    raise TimeoutError(f"waiting for {what}")


def open_tab(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    until(lambda: text(page, "status=") == "live", "the tab to be live", 60)
    return page


def seen_at(page: Page, line: str, deadline_s: float = 30.0) -> float:
    seen = f"window.__seen[{json.dumps(line)}] || null"
    return until(lambda: page.evaluate(seen), line, deadline_s)


def settled(pages: list[Page], quiet_s: float = 1.5) -> list[int]:
    """Run counts once no page has rerun for ``quiet_s`` (an observation window)."""
    return wait_quiet(lambda: [int(text(p, "runs=") or 0) for p in pages], quiet_s, 60.0)


def url(base: str, **params: str) -> str:
    params = {"channel": f"b-{uuid.uuid4().hex[:10]}", **params}
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{base.rstrip('/')}/?{query}"


def hand_over_sample(context: BrowserContext, base: str) -> tuple[float, float]:
    """One sample: (value propagation ms, leadership hand-over ms) between two fresh tabs."""
    channel_url = url(base)
    leader = open_tab(context, channel_url)
    until(lambda: text(leader, "leader=") == "True", "the first tab to lead")
    follower = open_tab(context, channel_url)
    until(lambda: text(follower, "peers=") == "1" and text(leader, "peers=") == "1", "both counted")
    assert text(follower, "leader=") == "False"
    follower.evaluate(load_js("seen_at.js"))
    thumb = leader.locator('input[type="range"][aria-label="Zoom"]')
    thumb.focus()
    t0 = now(follower)
    thumb.press("ArrowRight")
    propagation = seen_at(follower, "value:zoom=6") - t0
    settled([follower])
    t0 = now(follower)
    leader.close()
    hand_over = seen_at(follower, "leader=True") - t0
    follower.close()
    return propagation, hand_over


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1)


def main() -> None:
    log_dir = Path(tempfile.mkdtemp(prefix="tabsync-bench-presence-"))
    server = start_streamlit(APP, log_dir)
    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            context = browser.new_context()
            hand_over_sample(context, server.url)  # warm-up
            samples = [hand_over_sample(context, server.url) for _ in range(SAMPLES)]
            propagation = [s[0] for s in samples]
            hand_over = [s[1] for s in samples]

            channel_url = url(server.url)
            a = open_tab(context, channel_url)
            quiet = open_tab(context, channel_url + "&presence=off")
            before = settled([a, quiet])
            b = open_tab(context, channel_url)
            until(lambda: text(a, "peers=") == "1", "A to count B")
            on_join = settled([a, quiet, b])
            b.close()
            until(lambda: text(a, "peers=") == "0", "A to see B go")
            on_leave = settled([a, quiet])
            c = open_tab(context, channel_url)
            until(lambda: text(a, "peers=") == "1", "A to count C")
            idle_before = settled([a, quiet, c])
            time.sleep(IDLE_S)  # the measurement window: nothing happens on purpose
            idle_after = [int(text(pg, "runs=")) for pg in (a, quiet, c)]
            browser.close()
    finally:
        stop_server(server.process)
    idle_reruns = [after - before_ for after, before_ in zip(idle_after, idle_before, strict=True)]
    results = {
        "samples": SAMPLES,
        "propagation_ms_p50": p(propagation, 0.5),
        "hand_over_ms_p50": p(hand_over, 0.5),
        "hand_over_ms_p95": p(hand_over, 0.95),
        "hand_over_over_propagation": round(
            statistics.median(hand_over) / statistics.median(propagation), 2
        ),
        "reruns_of_an_open_tab_when_one_joins": on_join[0] - before[0],
        "reruns_of_an_open_tab_when_one_leaves": on_leave[0] - on_join[0],
        "reruns_of_a_presence_off_tab_over_join_and_leave": on_leave[1] - before[1],
        "idle_s": IDLE_S,
        "idle_reruns_per_hour_presence_on": round(
            max(idle_reruns[0], idle_reruns[2]) * 3600 / IDLE_S
        ),
        "idle_reruns_per_hour_presence_off": round(idle_reruns[1] * 3600 / IDLE_S),
    }
    (BENCH / "presence.json").write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
