"""``make bench`` (fourth part): streamlit-tabsync side by side with its closest peer,
streamlit-server-state (``bench/requirements.txt`` pins it), in one run.

Two ``streamlit run`` processes, one each: ``apps/peer_app.py`` (the peer: a number input
bound both ways with its callback pattern, ``on_change`` writing the server-wide item under its
lock, the widget given the item's value before it is drawn) and ``apps/devices_bench_app.py``
(ours: the same number input under ``sync()``, embedded relay, no Redis). Three systems:

* **peer**: each session a browser context of its own;
* **devices**: ours, ``across="devices"``, each session a browser context (a device) of one
  user;
* **tabs**: ours, ``across="tabs"``, each session a tab of one browser context.

Figures (medians):

* **A -> B**: Enter in session A's number input until session B's DOM shows the value (a
  MutationObserver in B); both timestamps ``performance.timeOrigin + performance.now()`` of
  each page, comparable across pages. The systems take turns sample by sample.
* **fan-out**: one write -> N idle sessions (N = 10, 20) all showing it; the time until the
  last of them does. The systems' sessions are all open at once and take turns round by
  round. Also the script runs of the idle sessions per write.

One group of sessions per system is open at a time (the pairs, then the fan-out of 10, then of
20); ours are told apart by ``?user=``, the peer's share its one item, so no measurement
reruns the sessions of another system. Between samples every session of the
system is let come to rest (no run for :data:`REST_S`). Ratios are ours / the peer's. Results
go to ``bench/peer.json`` and stdout. Run as ``python -m bench.peer`` from the repository's
root.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.support.browser import launch_chromium
from tests.support.quiet import wait_quiet
from tests.support.servers import StreamlitServer, start_streamlit, stop_servers

from .page import load_js, log, read_line, wait_idle
from .report import machine

BENCH = Path(__file__).resolve().parent
PEER_APP = BENCH / "apps" / "peer_app.py"
OURS_APP = BENCH / "apps" / "devices_bench_app.py"
RESULTS = BENCH / "peer.json"

#: Quiet that separates two samples: each session of the system ran nothing for this long
#: and none is running. Not a proof of anything: it keeps one sample's trailing runs (ours:
#: the writer's hand-over) out of the next one's time.
REST_S = 0.3
#: Deadline of one value reaching every session, in seconds (20 sessions on 2 cores).
SHOW_DEADLINE_S = 60.0


@dataclass
class System:
    """One system under measurement: how its sessions are opened for a scenario."""

    name: str
    label: str
    #: The URL of a session of ``scenario``.
    url: Callable[[str], str]
    #: True: every session a tab of one context; False: a context per session.
    one_context: bool


@dataclass
class Sessions:
    """Open sessions of one system: the first is the writer."""

    system: System
    contexts: list[BrowserContext] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)

    def close(self) -> None:
        """Close every context (and so every page) of these sessions."""
        for context in self.contexts:
            context.close()


def systems(peer_url: str, ours_url: str) -> list[System]:
    """The peer, ours across devices, ours across tabs."""
    return [
        System("peer", "streamlit-server-state", lambda _: f"{peer_url}/", False),
        System("devices", 'ours, across="devices" (embedded relay)',
               lambda s: f"{ours_url}/?across=devices&user={s}", False),
        System("tabs", 'ours, across="tabs" (tabs of one browser)',
               lambda s: f"{ours_url}/?across=tabs&user={s}", True),
    ]


def open_page(context: BrowserContext, url: str) -> Page:
    """A session of ``url`` in ``context``, rendered, with the observer of ``seen_at.js``."""
    page = context.new_page()
    page.goto(url)
    page.get_by_role("spinbutton", name="Zoom").wait_for(timeout=SHOW_DEADLINE_S * 1000)
    page.wait_for_function("document.querySelector('[data-testid=\"stText\"]') !== null")
    wait_idle(page)
    page.evaluate(load_js("seen_at.js"))
    return page


def open_sessions(browser: Browser, system: System, scenario: str, count: int) -> Sessions:
    """``count`` sessions of ``system`` for ``scenario``, as that system's sessions are."""
    out = Sessions(system)
    url = system.url(f"{system.name}-{scenario}")
    if system.one_context:
        out.contexts.append(browser.new_context())
    for _ in range(count):
        if not system.one_context:
            out.contexts.append(browser.new_context())
        out.pages.append(open_page(out.contexts[-1], url))
    return out


def now(page: Page) -> float:
    """The page's clock: ``performance.timeOrigin + performance.now()``."""
    return page.evaluate("performance.timeOrigin + performance.now()")


def edit(page: Page, value: int) -> float:
    """Type ``value`` into the page's number input and press Enter; the time of the press."""
    box = page.get_by_role("spinbutton", name="Zoom")
    box.fill(str(value))
    t0 = now(page)
    box.press("Enter")
    return t0


def seen_at(page: Page, value: int, deadline_s: float = SHOW_DEADLINE_S) -> float:
    """When the page first showed ``value`` (polls the observer's record until it has it)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        at = page.evaluate("(t) => window.__seen[t] || null", f"value:zoom={value}")
        if at is not None:
            return at
        time.sleep(0.01)  # poll interval
    raise TimeoutError(f"value {value} never appeared in {page.url}")


def run_counts(pages: list[Page]) -> list[int]:
    """The ``runs=`` counter of each page."""
    return [int(read_line(page, "runs=") or 0) for page in pages]


def rest(pages: list[Page]) -> list[int]:
    """Wait until no page has run for :data:`REST_S` and none is running; the counters."""

    def all_idle() -> None:
        for page in pages:
            wait_idle(page)

    return wait_quiet(lambda: run_counts(pages), REST_S, SHOW_DEADLINE_S, all_idle)


def in_turns(items: list[Any], turn: int) -> list[Any]:
    """``items`` in order on even turns, reversed on odd ones (so no system always leads)."""
    return items if turn % 2 == 0 else items[::-1]


def pair_latencies(browser: Browser, measured: list[System], samples: int,
                   warmup: int) -> dict[str, list[float]]:
    """A -> B of every system, sample by sample in turns; warm-up samples not kept."""
    pairs = [open_sessions(browser, system, "pair", 2) for system in measured]
    out: dict[str, list[float]] = {system.name: [] for system in measured}
    try:
        for turn in range(warmup + samples):
            for sessions in in_turns(pairs, turn):
                writer, reader = sessions.pages
                value = 1000 + turn
                t0 = edit(writer, value)
                latency = seen_at(reader, value) - t0
                rest(sessions.pages)
                if turn >= warmup:
                    out[sessions.system.name].append(latency)
    finally:
        for sessions in pairs:
            sessions.close()
    return out


def one_write(sessions: Sessions, value: int) -> tuple[float, float]:
    """One write by the writer: (ms until every idle session shows it, their runs per write)."""
    writer, idle = sessions.pages[0], sessions.pages[1:]
    before = rest(sessions.pages)[1:]
    t0 = edit(writer, value)
    last = max(seen_at(page, value) for page in idle) - t0
    after = rest(sessions.pages)[1:]
    return last, (sum(after) - sum(before)) / len(idle)


def fanout(browser: Browser, measured: list[System], n: int, rounds: int) -> dict[str, Any]:
    """One write -> ``n`` idle sessions, for every system, round by round in turns (one
    warm-up round not kept)."""
    groups: list[Sessions] = []
    times: dict[str, list[float]] = {system.name: [] for system in measured}
    runs: dict[str, list[float]] = {system.name: [] for system in measured}
    try:
        for system in measured:
            groups.append(open_sessions(browser, system, f"fan{n}", n + 1))
        for turn in range(rounds + 1):
            for sessions in in_turns(groups, turn):
                last, per_reader = one_write(sessions, 5000 + turn)
                if turn > 0:
                    times[sessions.system.name].append(last)
                    runs[sessions.system.name].append(per_reader)
    finally:
        for sessions in groups:
            sessions.close()
    return {"ms": times, "reader_runs_per_write": runs}


def med(values: list[float]) -> float:
    """The median, rounded for the report."""
    return round(statistics.median(values), 1)


def summarise(pair: dict[str, list[float]], fans: dict[int, dict[str, Any]],
              args: argparse.Namespace) -> dict[str, Any]:
    """Medians, ratios ours / peer, and the raw samples."""
    a_to_b = {name: med(v) for name, v in pair.items()}
    fan_p50 = {str(n): {name: med(v) for name, v in f["ms"].items()} for n, f in fans.items()}
    ours = [name for name in a_to_b if name != "peer"]
    ratios: dict[str, dict[str, float]] = {
        "a_to_b": {name: round(a_to_b[name] / a_to_b["peer"], 2) for name in ours},
    }
    for n, figures in fan_p50.items():
        ratios[f"fanout_{n}"] = {name: round(figures[name] / figures["peer"], 2) for name in ours}
    return {
        "samples": args.samples,
        "fanout_rounds": args.rounds,
        "a_to_b_ms_p50": a_to_b,
        "fanout_all_ms_p50": fan_p50,
        "reader_runs_per_write_p50": {
            str(n): {name: med(v) for name, v in f["reader_runs_per_write"].items()}
            for n, f in fans.items()
        },
        "ratios_ours_over_peer": ratios,
        "samples_ms": {
            "a_to_b": {name: [round(x, 1) for x in v] for name, v in pair.items()},
            **{f"fanout_{n}": {name: [round(x, 1) for x in v] for name, v in f["ms"].items()}
               for n, f in fans.items()},
        },
    }


def print_table(results: dict[str, Any], labels: dict[str, str]) -> None:
    """The figures of every system and ours / peer."""
    fans = list(results["fanout_all_ms_p50"])
    print()
    print("streamlit-tabsync beside", f"streamlit-server-state {results['peer_version']}:",
          results["machine"])
    head = f"  {'system':<44}{'A -> B p50':>12}" + "".join(
        f"{f'-> {n} idle p50':>18}" for n in fans
    )
    print(head)
    for name, label in labels.items():
        cells = f"{results['a_to_b_ms_p50'][name]:>9.1f} ms"
        for n in fans:
            cells += f"{results['fanout_all_ms_p50'][n][name]:>15.1f} ms"
        print(f"  {label:<44}{cells}")
        if name == "peer":
            continue
        r = results["ratios_ours_over_peer"]
        cells = f"{r['a_to_b'][name]:>11.2f}x" + "".join(
            f"{r[f'fanout_{n}'][name]:>17.2f}x" for n in fans
        )
        print(f"  {'  / peer':<44}{cells}")
    runs = results["reader_runs_per_write_p50"]
    print("  idle sessions' script runs per write (p50): " + "; ".join(
        f"{n}: " + ", ".join(f"{name} {v}" for name, v in runs[n].items()) for n in fans
    ))
    load = results["load_average_1_5_15_min"]
    print(f"  load average (1 min) at start {load['at_start'][0]}, at end {load['at_end'][0]}"
          f" on {os.cpu_count()} cores: other work on the machine inflates every latency")
    print()


def measure(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, str], str]:
    """Start both servers, measure every system, stop them: (figures, labels, browser)."""
    log_dir = Path(tempfile.mkdtemp(prefix="tabsync-bench-peer-"))
    servers: list[StreamlitServer] = []
    try:
        servers.append(start_streamlit(PEER_APP, log_dir))
        servers.append(start_streamlit(OURS_APP, log_dir))
        measured = systems(servers[0].url, servers[1].url)
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            version = browser.version
            log(f"A -> B: {args.samples} samples per system (+2 warm-up), in turns")
            pair = pair_latencies(browser, measured, args.samples, 2)
            fans = {}
            for n in args.fanout:
                log(f"fan-out: one write -> {n} idle sessions, {args.rounds} rounds per system")
                fans[n] = fanout(browser, measured, n, args.rounds)
            browser.close()
    except Exception:
        for server in servers:
            print(f"--- {server.app.name} log tail ({server.log_path})\n{server.log_tail()}")
        raise
    finally:
        stop_servers([server.process for server in servers])
    return summarise(pair, fans, args), {s.name: s.label for s in measured}, version


def main() -> None:
    """Measure, write ``bench/peer.json``, print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--samples", type=int, default=15, help="A -> B samples per system")
    parser.add_argument("--rounds", type=int, default=5, help="fan-out rounds per system and N")
    parser.add_argument("--fanout", type=int, nargs="+", default=[10, 20],
                        help="numbers of idle sessions")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    started, load_start = time.monotonic(), os.getloadavg()
    figures, labels, browser_version = measure(args)
    results = {
        "machine": machine(browser_version),
        "peer_version": importlib.metadata.version("streamlit-server-state"),
        "systems": labels,
        **figures,
        "duration_s": round(time.monotonic() - started, 1),
        "load_average_1_5_15_min": {
            "at_start": [round(x, 2) for x in load_start],
            "at_end": [round(x, 2) for x in os.getloadavg()],
        },
    }
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print_table(results, labels)
    log(f"wrote {args.out} in {results['duration_s']} s")


if __name__ == "__main__":
    main()
