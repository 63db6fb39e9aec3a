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
* **writer**: the runs an edit costs its writer (its own only) and that run's time on the
  server, with ``sync()`` (across devices, Redis) and without (``?bare=1``).
* **fan-out**: one write on server A -> N idle sessions of the same user (half on each server
  of that relay), N = 5, 10, 20 and 40 on Redis and 20 on PostgreSQL: time until the last of
  them shows the value, and the idle sessions' script runs per write (goal: 1).

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
from tests.support.quiet import wait_quiet
from tests.support.relays import PostgresProcess, RedisRelayProcess
from tests.support.servers import start_streamlit, stop_server

from .page import load_js, read_line, wait_idle

BENCH = Path(__file__).resolve().parent
APP = BENCH / "apps" / "devices_bench_app.py"
SAMPLES = 15
#: Idle sessions per write: every size on Redis, the PostgreSQL comparison at 20.
FANOUT_SIZES = {"redis": [5, 10, 20, 40], "postgres": [20]}
FANOUT_ROUNDS = 5
#: Quiet that ends a sample: no page ran for this long (and none runs); see bench/peer.py.
REST_S = 1.0


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


def open_fanout(browser, a: str, b: str, n: int, user: str) -> tuple:
    """A writer on ``a`` and ``n`` idle sessions on ``a`` and ``b`` (a context each)."""
    contexts = [browser.new_context() for _ in range(n + 1)]
    writer = open_page(contexts[0], f"{a}/?user={user}")
    idle = [open_page(c, f"{(a, b)[i % 2]}/?user={user}") for i, c in enumerate(contexts[1:])]
    edit(writer, 1)
    for page in idle:
        seen_at(page, 1, 60)
    return contexts, writer, idle


def runs(pages: list[Page]) -> list[int]:
    """The ``runs=`` counter of each page."""
    return [int(read_line(page, "runs=") or 0) for page in pages]


def rested(pages: list[Page]) -> list[int]:
    """The run counters once no page has run for :data:`REST_S` and none is running."""

    def all_idle() -> None:
        for page in pages:
            wait_idle(page)

    return wait_quiet(lambda: runs(pages), REST_S, 60.0, all_idle)


def fanout(browser, servers: dict[str, list[str]], sizes: dict[str, list[int]]) -> dict:
    """One write -> N idle sessions, for each relay and each N: the time until the last one
    shows it (median over the rounds) and the idle sessions' script runs per write."""
    out: dict[str, dict[str, dict[str, float]]] = {name: {} for name in servers}
    for name, urls in servers.items():
        for n in sizes[name]:
            contexts, writer, idle = open_fanout(browser, *urls, n, f"fan{n}")
            times, per_reader = [], []
            for r in range(FANOUT_ROUNDS):
                value = 500 + r
                before = rested([writer, *idle])[1:]
                t0 = edit(writer, value)
                times.append(max(seen_at(p, value, 120) for p in idle) - t0)
                after = rested([writer, *idle])[1:]
                pairs = zip(after, before, strict=True)
                per_reader.append(statistics.mean(a - b for a, b in pairs))
            for context in contexts:
                context.close()
            out[name][str(n)] = {
                "ms_p50": med(times), "reader_runs_per_write_p50": med(per_reader),
            }
    return out


def writer_runs(browser, url: str) -> dict[str, float]:
    """The writer's cost of an edit: how many runs it makes (goal: one, its own) and how long
    that run takes on the server, against the same page without ``sync()`` (``?bare=1``),
    sample by sample in turns."""
    pages = {}
    for name, query in (("devices", "user=writer"), ("bare", "user=writer&bare=1")):
        context = browser.new_context()
        pages[name] = (context, open_page(context, f"{url}/?{query}"))
    ms: dict[str, list[float]] = {name: [] for name in pages}
    runs_per_edit: list[int] = []
    for n in range(SAMPLES):
        for name, (_, page) in pages.items():
            (before,) = rested([page])
            edit(page, 700 + n)
            seen_at(page, 700 + n)
            (after,) = rested([page])
            ms[name].append(float(read_line(page, "run_ms=") or "nan"))
            if name == "devices":
                runs_per_edit.append(after - before)
    for context, _ in pages.values():
        context.close()
    return {
        "writer_runs_per_edit_p50": med(runs_per_edit),
        "writer_run_ms_p50": med(ms["devices"]),
        "bare_run_ms_p50": med(ms["bare"]),
    }


def measure(browser, servers: dict[str, list[str]], sizes: dict[str, list[int]]) -> dict:
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
            rested([writer, reader])
    for contexts, _, _ in pairs.values():
        for context in contexts:
            context.close()
    writer = writer_runs(browser, servers["redis"][0])
    fans = fanout(browser, servers, sizes)
    tab = statistics.median(latencies["cross_tab"])
    return {
        name: {
            "cross_device_ms_p50": med(latencies[name]),
            "cross_device_over_cross_tab": round(statistics.median(latencies[name]) / tab, 2),
            "fanout": fans[name],
        }
        for name in servers
    } | {"cross_tab": {"cross_tab_ms_p50": med(latencies["cross_tab"])}, "writer": writer}


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
            figures = measure(browser, servers, FANOUT_SIZES)
            browser.close()
    finally:
        for server in running:
            stop_server(server.process)
        for store in stores:
            store.stop()
    redis, postgres = figures["redis"], figures["postgres"]
    results = {
        "samples": SAMPLES,
        "fanout_sessions": FANOUT_SIZES,
        "fanout_rounds": FANOUT_ROUNDS,
        "cross_tab_ms_p50": figures["cross_tab"]["cross_tab_ms_p50"],
        "relays": {"redis": redis, "postgres": postgres},
        "writer": figures["writer"],
        "postgres_over_redis": {
            "cross_device_ms_p50": round(
                postgres["cross_device_ms_p50"] / redis["cross_device_ms_p50"], 2
            ),
            "fanout_20_ms_p50": round(
                postgres["fanout"]["20"]["ms_p50"] / redis["fanout"]["20"]["ms_p50"], 2
            ),
        },
        "load_average_1min": {"start": round(load_start[0], 2),
                              "end": round(os.getloadavg()[0], 2)},
    }
    (BENCH / "devices.json").write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
