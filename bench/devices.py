"""``make bench`` (second part): figures of ``sync(across="devices")`` in one run.

Two ``streamlit run`` processes of ``bench/apps/devices_bench_app.py`` share one real
``redis-server`` (Debian's, on a free port, persistence off). Each browser context is a device.

* **cross-tab** (the baseline): two tabs of one context on server A, ``across="tabs"``.
* **cross-device**: a device on server A, another on server B, ``across="devices"``.
  Both: from the moment the writer presses Enter to the moment the value appears in the
  other page's DOM (a MutationObserver in that page), timestamps from
  ``performance.timeOrigin + performance.now()`` of each page (comparable across pages).
* **fan-out**: one write on server A -> 20 idle sessions of the same user (10 contexts per
  server): time until the last of them shows the value.

The writer's cost of the hand-over (one fragment run, no second run of the app script) is
counted by ``tests/e2e/test_devices.py``; its duration is not measured here: Streamlit's page
shows no script state for runs shorter than a frame, so a page-side clock cannot time it.

Medians over the samples; the ratio is cross-device / cross-tab of the same run. Results go
to ``bench/devices.json`` and stdout. Run as ``python -m bench.devices`` from the repository's
root. Synchronisation by polls with deadlines only.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, sync_playwright

from tests.support.browser import launch_chromium
from tests.support.redis_server import RedisProcess
from tests.support.servers import start_streamlit, stop_server

from .page import load_js

BENCH = Path(__file__).resolve().parent
APP = BENCH / "apps" / "devices_bench_app.py"
SAMPLES = 15
FANOUT = 20
FANOUT_ROUNDS = 5


def now(page: Page) -> float:
    return page.evaluate("performance.timeOrigin + performance.now()")


def open_page(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    page.get_by_role("spinbutton", name="Zoom").wait_for(timeout=60_000)
    page.wait_for_function("document.querySelector('[data-testid=\"stText\"]') !== null")
    page.evaluate(load_js("seen_at.js"))
    return page


def seen_at(page: Page, value: int, deadline_s: float = 30.0) -> float:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        at = page.evaluate("(t) => window.__seen[t] || null", f"value:zoom={value}")
        if at is not None:
            return at
        time.sleep(0.01)  # poll interval
    raise TimeoutError(f"value {value} never appeared in {page.url}")


def edit(page: Page, value: int) -> float:
    box = page.get_by_role("spinbutton", name="Zoom")
    box.fill(str(value))
    t0 = now(page)
    box.press("Enter")
    return t0


def pair_latency(writer: Page, reader: Page, start: int) -> list[float]:
    latencies = []
    for n in range(SAMPLES):
        value = start + n
        t0 = edit(writer, value)
        latencies.append(seen_at(reader, value) - t0)
    return latencies


def med(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def main() -> None:
    log_dir = Path(tempfile.mkdtemp(prefix="tabsync-bench-devices-"))
    redis = RedisProcess(log_dir).start()
    env = {"TABSYNC_REDIS_URL": redis.url}
    servers = [start_streamlit(APP, log_dir, extra_env=env) for _ in range(2)]
    results: dict[str, object] = {}
    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            a, b = (s.url for s in servers)
            # Baseline: two tabs of one browser, within the browser.
            ctx = browser.new_context()
            w = open_page(ctx, f"{a}/?across=tabs&user=tabs")
            r = open_page(ctx, f"{a}/?across=tabs&user=tabs")
            edit(w, 1), seen_at(r, 1)  # warm-up
            tab_lat = pair_latency(w, r, 100)
            ctx.close()
            # Across devices, through Redis and the other server.
            d1, d2 = browser.new_context(), browser.new_context()
            w = open_page(d1, f"{a}/?user=dev")
            r = open_page(d2, f"{b}/?user=dev")
            edit(w, 1), seen_at(r, 1)
            dev_lat = pair_latency(w, r, 200)
            d1.close(), d2.close()
            # Fan-out to 20 idle sessions of one user on two servers.
            contexts = [browser.new_context() for _ in range(FANOUT + 1)]
            writer = open_page(contexts[0], f"{a}/?user=fan")
            idle = [open_page(c, f"{(a, b)[i % 2]}/?user=fan") for i, c in enumerate(contexts[1:])]
            edit(writer, 1)
            for page in idle:
                seen_at(page, 1, 60)
            rounds = []
            for n in range(FANOUT_ROUNDS):
                value = 300 + n
                t0 = edit(writer, value)
                rounds.append(max(seen_at(p, value, 60) for p in idle) - t0)
            for c in contexts:
                c.close()
            browser.close()
        results = {
            "samples": SAMPLES,
            "cross_tab_ms_p50": med(tab_lat),
            "cross_device_ms_p50": med(dev_lat),
            "cross_device_over_cross_tab": round(
                statistics.median(dev_lat) / statistics.median(tab_lat), 2
            ),
            "fanout_sessions": FANOUT,
            "fanout_rounds": FANOUT_ROUNDS,
            "fanout_all_ms_p50": med(rounds),
        }
    finally:
        for server in servers:
            stop_server(server.process)
        redis.kill()
    (BENCH / "devices.json").write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
