"""``make bench`` (second part): figures of ``sync(across="devices")`` in one run, on each
relay shared by several processes: Redis, then PostgreSQL.

For each relay: its server (Debian's ``redis-server`` on a free port, persistence off; or
Debian's PostgreSQL 15 in a temporary cluster, ``tests/postgres_server.py``) and two
``streamlit run`` processes of ``bench/apps/devices_bench_app.py`` sharing it. Each browser
context is a device.

* **cross-tab** (the baseline, measured again beside each relay): two tabs of one context on
  server A, ``across="tabs"``.
* **cross-device**: a device on server A, another on server B, ``across="devices"``.
  Both: from the moment the writer presses Enter to the moment the value appears in the
  other page's DOM (a MutationObserver in that page), timestamps from
  ``performance.timeOrigin + performance.now()`` of each page (comparable across pages).
* **fan-out**: one write on server A -> 20 idle sessions of the same user (10 contexts per
  server): time until the last of them shows the value.

The writer's cost of the hand-over (one fragment run, no second run of the app script) is
counted by ``tests/e2e/test_devices.py``; its duration is not measured here: Streamlit's page
shows no script state for runs shorter than a frame, so a page-side clock cannot time it.

Medians over the samples; ratios are cross-device / cross-tab beside the same relay, and
PostgreSQL / Redis (goal: within 1.2x). Results go to ``bench/devices.json`` and stdout, with
the load average at start and end. Synchronisation by polls with deadlines only.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, start_streamlit, stop_server  # noqa: E402
from tests.e2e.relay_helpers import PostgresProcess, RedisProcess  # noqa: E402

APP = REPO / "bench" / "apps" / "devices_bench_app.py"
SAMPLES = 15
FANOUT = 20
FANOUT_ROUNDS = 5

OBSERVER_JS = """
() => {
  window.__seen = {};
  const look = () => {
    for (const el of document.querySelectorAll('[data-testid="stText"]')) {
      const m = /^value:zoom=(-?\\d+)$/.exec(el.textContent.trim());
      if (m && !(m[1] in window.__seen)) {
        window.__seen[m[1]] = performance.timeOrigin + performance.now();
      }
    }
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true,
                                                     characterData: true});
  look();
}
"""


def now(page: Page) -> float:
    return page.evaluate("performance.timeOrigin + performance.now()")


def open_page(context, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    page.get_by_role("spinbutton", name="Zoom").wait_for(timeout=60_000)
    page.wait_for_function("document.querySelector('[data-testid=\"stText\"]') !== null")
    page.evaluate(OBSERVER_JS)
    return page


def seen_at(page: Page, value: int, deadline_s: float = 30.0) -> float:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        at = page.evaluate(f"window.__seen['{value}'] || null")
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


def measure(browser, a: str, b: str) -> dict[str, float]:
    """The three figures on servers ``a`` and ``b`` (URLs) sharing one relay."""
    # Baseline: two tabs of one browser, within the browser.
    ctx = browser.new_context()
    w = open_page(ctx, f"{a}/?across=tabs&user=tabs")
    r = open_page(ctx, f"{a}/?across=tabs&user=tabs")
    edit(w, 1), seen_at(r, 1)  # warm-up
    tab_lat = pair_latency(w, r, 100)
    ctx.close()
    # Across devices, through the relay and the other server.
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
    return {
        "cross_tab_ms_p50": med(tab_lat),
        "cross_device_ms_p50": med(dev_lat),
        "cross_device_over_cross_tab": round(
            statistics.median(dev_lat) / statistics.median(tab_lat), 2
        ),
        "fanout_all_ms_p50": med(rounds),
    }


def on_relay(browser, store, log_dir: Path) -> dict[str, float]:
    """:func:`measure` on two fresh servers pointed at ``store`` (started, stopped after)."""
    store.start()
    servers = [
        start_streamlit(APP, log_dir, extra_env={store.env: store.url}) for _ in range(2)
    ]
    try:
        return measure(browser, *(s.url for s in servers))
    finally:
        for server in servers:
            stop_server(server.process)
        store.stop()


def main() -> None:
    log_dir = Path(tempfile.mkdtemp(prefix="tabsync-bench-devices-"))
    load_start = os.getloadavg()
    relays: dict[str, dict[str, float]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for store in (RedisProcess(log_dir), PostgresProcess(log_dir)):
            relays[store.name] = on_relay(browser, store, log_dir)
        browser.close()
    redis, postgres = relays["redis"], relays["postgres"]
    results = {
        "samples": SAMPLES,
        "fanout_sessions": FANOUT,
        "fanout_rounds": FANOUT_ROUNDS,
        "relays": relays,
        "postgres_over_redis": {
            figure: round(postgres[figure] / redis[figure], 2)
            for figure in ("cross_device_ms_p50", "fanout_all_ms_p50")
        },
        "load_average_1min": {"start": round(load_start[0], 2),
                              "end": round(os.getloadavg()[0], 2)},
    }
    (REPO / "bench" / "devices.json").write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
