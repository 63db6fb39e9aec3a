"""``make bench`` (second part): figures of ``sync(across="devices")`` on each relay shared
by several processes, Redis and PostgreSQL, measured side by side in one run.

Each relay has its server (Debian's ``redis-server`` on a free port, persistence off; Debian's
PostgreSQL 15 in a temporary cluster, ``tests/support/postgres_server.py``) and two
``streamlit run`` processes of ``bench/apps/devices_bench_app.py`` sharing it, all running at
once. Each browser
context is a device. The samples of the figures alternate (cross-tab, Redis, PostgreSQL, then
again), so a change in the machine's load weighs on all of them alike.

* **cross-tab** (the baseline): two tabs of one context, ``across="tabs"``.
* **cross-device**: a device on server A, another on server B of the same relay,
  ``across="devices"``. Both: from the moment the writer presses Enter to the moment the value
  appears in the other page's DOM (a MutationObserver in that page), timestamps from
  ``performance.timeOrigin + performance.now()`` of each page (comparable across pages).
* **fan-out**: one write on server A -> 20 idle sessions of the same user (10 contexts per
  server of that relay): time until the last of them shows the value.

The runs a change costs (the writer's own run, one run per reader) are counted by
``tests/e2e/test_devices_runs.py`` and by ``bench/peer.py``.

Medians over the samples; ratios are cross-device / cross-tab and PostgreSQL / Redis (goal:
within 1.2x). Results go to ``bench/devices.json`` and stdout, with the load average at start
and end. Run as ``python -m bench.devices`` from the repository's root. Synchronisation by
polls with deadlines only.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, sync_playwright

from tests.support.browser import launch_chromium
from tests.support.relays import PostgresProcess, RedisRelayProcess
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


def med(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def open_pair(browser, writer_url: str, reader_url: str, same_context: bool) -> tuple:
    """A writer and a reader page (one context for both, or one each), warmed up."""
    contexts = [browser.new_context()]
    if not same_context:
        contexts.append(browser.new_context())
    writer = open_page(contexts[0], writer_url)
    reader = open_page(contexts[-1], reader_url)
    edit(writer, 1), seen_at(reader, 1)  # warm-up
    return contexts, writer, reader


def open_fanout(browser, a: str, b: str) -> tuple:
    """A writer on ``a`` and FANOUT idle sessions on ``a`` and ``b`` (a context each)."""
    contexts = [browser.new_context() for _ in range(FANOUT + 1)]
    writer = open_page(contexts[0], f"{a}/?user=fan")
    idle = [open_page(c, f"{(a, b)[i % 2]}/?user=fan") for i, c in enumerate(contexts[1:])]
    edit(writer, 1)
    for page in idle:
        seen_at(page, 1, 60)
    return contexts, writer, idle


def measure(browser, servers: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """Every figure, samples alternating between the baseline and the relays."""
    a = servers["redis"][0]
    pairs = {"cross_tab": open_pair(browser, f"{a}/?across=tabs&user=tabs",
                                    f"{a}/?across=tabs&user=tabs", same_context=True)}
    for name, (one, two) in servers.items():
        pairs[name] = open_pair(browser, f"{one}/?user=dev", f"{two}/?user=dev", False)
    latencies: dict[str, list[float]] = {name: [] for name in pairs}
    for n in range(SAMPLES):
        for k, (name, (_, writer, reader)) in enumerate(pairs.items()):
            value = 100 * (k + 1) + n
            t0 = edit(writer, value)
            latencies[name].append(seen_at(reader, value) - t0)
    for contexts, _, _ in pairs.values():
        for context in contexts:
            context.close()
    groups = {name: open_fanout(browser, *urls) for name, urls in servers.items()}
    rounds: dict[str, list[float]] = {name: [] for name in groups}
    for n in range(FANOUT_ROUNDS):
        for name, (_, writer, idle) in groups.items():
            value = 500 + n
            t0 = edit(writer, value)
            rounds[name].append(max(seen_at(p, value, 60) for p in idle) - t0)
    for contexts, _, _ in groups.values():
        for context in contexts:
            context.close()
    tab = statistics.median(latencies["cross_tab"])
    return {
        name: {
            "cross_device_ms_p50": med(latencies[name]),
            "cross_device_over_cross_tab": round(statistics.median(latencies[name]) / tab, 2),
            "fanout_all_ms_p50": med(rounds[name]),
        }
        for name in servers
    } | {"cross_tab": {"cross_tab_ms_p50": med(latencies["cross_tab"])}}


def main() -> None:
    log_dir = Path(tempfile.mkdtemp(prefix="tabsync-bench-devices-"))
    load_start = os.getloadavg()
    stores = [RedisRelayProcess(log_dir), PostgresProcess(log_dir)]
    running: list = []
    try:
        for store in stores:
            store.start()
        servers: dict[str, list[str]] = {}
        for store in stores:
            env = {store.env: store.url}
            pair = [start_streamlit(APP, log_dir, extra_env=env) for _ in range(2)]
            running += pair
            servers[store.name] = [server.url for server in pair]
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            figures = measure(browser, servers)
            browser.close()
    finally:
        for server in running:
            stop_server(server.process)
        for store in stores:
            store.stop()
    redis, postgres = figures["redis"], figures["postgres"]
    results = {
        "samples": SAMPLES,
        "fanout_sessions": FANOUT,
        "fanout_rounds": FANOUT_ROUNDS,
        "cross_tab_ms_p50": figures["cross_tab"]["cross_tab_ms_p50"],
        "relays": {"redis": redis, "postgres": postgres},
        "postgres_over_redis": {
            figure: round(postgres[figure] / redis[figure], 2)
            for figure in ("cross_device_ms_p50", "fanout_all_ms_p50")
        },
        "load_average_1min": {"start": round(load_start[0], 2),
                              "end": round(os.getloadavg()[0], 2)},
    }
    (BENCH / "devices.json").write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
