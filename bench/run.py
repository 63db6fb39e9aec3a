"""``python -m bench.run`` (``make bench``): latency, burst, size, start-up and memory figures
of streamlit-tabsync, for both Streamlit hosts side by side, in one run.

Hosts
-----
The package picks its Streamlit host per process (``TABSYNC_HOST``), so the bench starts two
``streamlit run`` processes of ``bench/apps/bench_app.py``, each on a free port:

* **v1**: the iframe host. ``frontend/index.html`` runs in a same-origin iframe of the app
  page and posts ``streamlit:setComponentValue`` to its parent.
* **v2**: the module host. Streamlit imports ``tabsync-v2-*.js`` into the app page itself;
  each delivery is handed to ``setStateValue``.

Every figure is measured for both, interleaved where it is cheap (start-up loads, bridge
writes in blocks, end-to-end samples), and every ratio is taken against a baseline of the
same host measured in the same run. ``?bare=1`` serves the bench app without ``sync()``: the
baseline of the start-up figures.

Tabs
----
One browser (Debian's Chromium, headless, driven by Playwright) with one context (one
profile) per host; the two servers are two origins, so their ``localStorage`` is apart.

* **writer**: a same-origin page that is *not* the app (``/_stcore/health``). It writes valid
  storage entries (``tabsync:v1:bench:<key>``, increasing stamps) the way another tab's
  component would, without being an app tab that would itself rerun on every write.
* **B**: the receiving app tab.
* **A**: a second app tab, for the end-to-end figures.
* a new tab per start-up sample.

Clocks and probes
-----------------
Every timestamp is ``performance.timeOrigin + performance.now()`` taken in the page or frame
where the event happens, so timestamps of different tabs are comparable (Chromium coarsens
them to 0.1 ms on pages that are not cross-origin isolated). An init script, run in every
frame before the page's own code, instruments the frame where the bridge runs (the
component iframe on v1, the app page on v2): it adds the hand-written baseline ``storage``
listener ahead of the component's own; counts ``storage`` events; records the component's
storage writes; and captures the WebAssembly memory by wrapping
``WebAssembly.instantiateStreaming`` / ``instantiate``. What the component hands to Streamlit
is seen

* on v1 by wrapping the ``postMessage`` the component calls on its parent (with a function
  of the iframe's realm, so Streamlit still sees the iframe as the message's source);
* on v2 through the test hook of ``frontend/v2.js``: the init script defines
  ``globalThis.__tabsyncBench`` before the module is evaluated, and the module calls its
  ``evaluated()``, ``rendered(data)``, ``ready()`` and ``delivered(value)`` (just before
  ``setStateValue``).

Synchronisation is by events and polls with deadlines only. The one deliberate delay is the
bridge pacing: each bridge write is made at least 120 ms after the previous delivery of
tab B's component, and after tab B's rerun has finished, so the component's 100 ms delivery
pacing never holds a write back and no rerun competes with the measurement.

The parts live in their own modules (``startup``, ``bridge``, ``burst``, ``memory``,
``latency``, ``size``) with their page-side code in ``bench/js/``; ``report`` and ``table``
turn the measurements into ``bench/results.json`` and the printed table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright

from tests.support.browser import launch_chromium

from .bridge import BRIDGE_BLOCK, BRIDGE_GAP_MS, measure_bridge
from .burst import measure_burst
from .latency import measure_e2e
from .memory import measure_memory
from .page import load_js, log, open_app, wait_quiet_page
from .report import GOALS, host_results, machine
from .rig import HOSTS, Rig, Server, open_rig
from .size import measure_bundle
from .startup import measure_init_isolated, measure_startup
from .table import print_table

RESULTS = Path(__file__).resolve().parent / "results.json"


def diagnose(rigs: list[Rig]) -> None:
    """Print what each tab shows (on failure)."""
    for rig in rigs:
        for name, page in rig.pages.items():
            try:
                texts = page.evaluate(
                    "() => [...document.querySelectorAll('[data-testid=stText]')]"
                    ".map((e) => e.textContent.trim())"
                )
                print(f"--- {rig.host} tab {name}: {' | '.join(texts)}", file=sys.stderr)
            except Exception as exc:  # noqa: BLE001 - diagnostics must not mask the failure
                print(f"--- {rig.host} tab {name}: not readable ({exc})", file=sys.stderr)


def measure_startups(rigs: list[Rig], loads: int) -> dict[str, Any]:
    """The start-up part: new tabs of both hosts, and (v1) the iframe alone."""
    log(f"start-up: {loads} new tabs (+1 cold) per host of the synced and the bare "
        "app, interleaved")
    startup = measure_startup(rigs, loads)
    v1 = next((r for r in rigs if r.host == "v1"), None)
    if v1 is not None:
        log(f"start-up: {loads} loads of the v1 component iframe alone in an idle page")
        startup["v1"]["isolated"] = measure_init_isolated(v1.writer, v1.url, loads)
    return startup


def measure_receiving(rigs: list[Rig], args: argparse.Namespace) -> dict[str, Any]:
    """The parts measured on a receiving tab B: bridge, burst, memory."""
    m: dict[str, Any] = {}
    for rig in rigs:
        tab_b = rig.new_tab("B")
        open_app(tab_b, rig.url)
        if rig.host == "v1":
            tab_b.evaluate(load_js("baseline_iframe.js"))
    log(f"bridge: {2 * args.bridge} paced writes per host, alternating kinds (+5 "
        f"warm-up), hosts taking turns every {BRIDGE_BLOCK} writes")
    m["bridge"] = measure_bridge(rigs, args.bridge, 5, base=1_000)
    m["burst"], m["memory"] = {}, {}
    for rig in rigs:
        log(f"{rig.host} burst: {args.burst} writes in {args.burst_seconds} s")
        m["burst"][rig.host] = measure_burst(rig, args.burst, args.burst_seconds, base=10_000)
    for rig in rigs:
        log(f"{rig.host} memory: fresh component, 100 / 1,000 / 10,000 storage events")
        m["memory"][rig.host] = measure_memory(rig, base=100_000)
    return m


def measure_end_to_end(rigs: list[Rig], samples: int) -> dict[str, Any]:
    """The end-to-end part: a tab A beside each host's tab B."""
    log(f"end-to-end: {samples} interleaved pairs per host (+3 warm-up), hosts in turn")
    for rig in rigs:
        open_app(rig.new_tab("A"), rig.url)
    for rig in rigs:
        wait_quiet_page(rig.pages["B"], quiet_s=0.5)
    return measure_e2e(rigs, samples, 3, start=500)


def measure_in_browser(servers: dict[str, Server], args: argparse.Namespace) -> dict[str, Any]:
    """Every browser figure of both hosts, in one browser: one context (profile) per host."""
    rigs: list[Rig] = []
    with sync_playwright() as pw:
        browser: Browser = launch_chromium(pw)
        m: dict[str, Any] = {"browser": browser.version}
        try:
            rigs.extend(open_rig(browser, servers[host]) for host in args.hosts)
            m["startup"] = measure_startups(rigs, args.init)
            m.update(measure_receiving(rigs, args))
            m["e2e"] = measure_end_to_end(rigs, args.e2e)
        except Exception:
            diagnose(rigs)
            raise
        finally:
            for rig in rigs:
                rig.context.close()
            browser.close()
    return m


def parse_args() -> argparse.Namespace:
    """The command line (sample counts, hosts, output file)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--bridge", type=int, default=200,
        help="bridge samples of each kind (component, baseline) per host; twice as many writes",
    )
    parser.add_argument("--e2e", type=int, default=30, help="end-to-end sample pairs per host")
    parser.add_argument("--init", type=int, default=20,
                        help="new tabs per host and app (synced, bare) for the start-up figures")
    parser.add_argument("--burst", type=int, default=1000, help="writes in the burst")
    parser.add_argument("--burst-seconds", type=float, default=2.0)
    parser.add_argument("--hosts", default="v1,v2",
                        help="comma-separated hosts to measure (default both: v1,v2)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    args.hosts = [h.strip() for h in args.hosts.split(",") if h.strip()]
    if not args.hosts or any(h not in HOSTS for h in args.hosts):
        parser.error(f"--hosts takes a comma-separated subset of {','.join(HOSTS)}")
    return args


def measure_with_servers(args: argparse.Namespace) -> dict[str, Any]:
    """Start one server per host, measure, stop them (their logs shown on failure)."""
    log_dir = Path(tempfile.mkdtemp(prefix="tabsync-bench-"))
    log(f"starting streamlit, one server per host: {', '.join(args.hosts)} (logs in {log_dir})")
    servers: dict[str, Server] = {}
    try:
        for host in args.hosts:
            servers[host] = Server(host, log_dir)
        for server in servers.values():
            server.wait_healthy()
        return measure_in_browser(servers, args)
    except Exception:
        for server in servers.values():
            print(f"--- streamlit {server.host} log tail ({server.log_path})\n"
                  f"{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        for server in servers.values():
            server.stop()


def notes(started: float, load_start: tuple[float, float, float]) -> dict[str, Any]:
    """How the run was made, its duration and the machine's load."""
    return {
        "hosts": "one `streamlit run` per host (TABSYNC_HOST=v1|v2), one browser context per "
        "host; start-up loads, bridge blocks and end-to-end samples of the hosts interleaved",
        "bridge_pacing": f"each write >= {BRIDGE_GAP_MS} ms after the previous delivery, after "
        "tab B's rerun finished; 5 warm-up writes per host not counted",
        "writer": "same-origin non-app page (/_stcore/health) writing valid envelopes",
        "startup": "each sample is a new tab (new page) of the app; the bare app is the bench "
        "app with ?bare=1 (no sync() call), served by the same server; the first load of each "
        "kind is reported apart (cold)",
        "duration_s": round(time.monotonic() - started, 1),
        "load_average_1_5_15_min": {
            "at_start": [round(x, 2) for x in load_start],
            "at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "timer_resolution": "Chromium coarsens performance.now() to 0.1 ms on pages that are "
        "not cross-origin isolated: sub-millisecond figures are quantised",
    }


def main() -> int:
    """Measure, write ``bench/results.json`` (or ``--out``), print the table."""
    args = parse_args()
    started = time.monotonic()
    load_start = os.getloadavg()
    bundle = measure_bundle()
    m = measure_with_servers(args)
    results: dict[str, Any] = {
        "machine": machine(m["browser"]),
        "hosts": {host: host_results(host, m, bundle) for host in args.hosts},
        "bundle_bytes": bundle,
        "goal_targets": GOALS,
    }
    results["notes"] = notes(started, load_start)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    log(f"wrote {args.out} in {results['notes']['duration_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
