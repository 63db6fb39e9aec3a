"""The table ``python -m bench.run`` prints: a column pair (p50, p95) per host."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from .report import GOALS

Figures = dict[str, Any]

STARTUP_ROWS = (
    ("bare_first_render", "bare app: nav -> first render"),
    ("first_render", "synced app: nav -> first render"),
    ("frame_nav_to_ready", "v1: iframe nav -> componentReady"),
    ("module_eval_to_first_delivery", "v2: module eval -> first delivery"),
    ("module_eval_to_ready", "v2: module eval -> first mount done"),
    ("app_nav_to_frame_nav", "app nav -> v1 iframe nav start"),
    ("app_nav_to_module_eval", "app nav -> v2 module eval start"),
    ("app_nav_to_ready", "app nav -> component ready"),
    ("app_nav_to_first_delivery", "app nav -> first delivery"),
    ("shared_visible", "new tab: nav -> shared values in DOM"),
    ("instantiate_call_to_ready", "wasm instantiate call -> ready"),
)

E2E_PARTS = (
    ("a_change_to_render_message", "    change -> render msg to A's component"),
    ("render_message_to_storage_write", "    render msg -> A's component writes"),
    ("storage_write_to_b_post", "    A's write -> B's component hands on"),
    ("b_post_to_b_dom", "    B's hand-on -> B's DOM (B's rerun)"),
)

STARTUP_RATIO_ROWS = (
    ("headline", "init figure / bare first render"),
    ("app_nav_to_ready", "app nav -> ready / bare first render"),
    ("app_nav_to_first_delivery", "app nav -> delivery / bare first render"),
    ("shared_visible", "shared values in DOM / bare first render"),
    ("first_render", "synced first render / bare first render"),
)

MEMORY_ROWS = (
    ("after_100_events", "100"),
    ("after_1000_events", "1,000"),
    ("after_10000_events", "10,000"),
)


def mark(ok: bool) -> str:
    """How a goal reads in the table."""
    return "ok" if ok else "MISSED"


class Table:
    """Rows of figures of every host of one run, printed as they are added."""

    def __init__(self, results: Figures) -> None:
        self.results = results
        self.hosts = list(results["hosts"])
        self.figures = results["hosts"]

    @staticmethod
    def _cell(s: Figures | None) -> str:
        if not s or s.get("n", 0) == 0:
            return " " * 18
        return f"{s['p50']:9.1f}{s['p95']:9.1f}" if "p95" in s else f"{s['p50']:9.1f}" + " " * 9

    def row(self, name: str, pick: Callable[[Figures], Figures | None]) -> None:
        """A summary row: p50 and p95 per host, then the sample counts."""
        cells, ns = [], []
        for h in self.hosts:
            s = pick(self.figures[h])
            cells.append(self._cell(s))
            ns.append(str(s["n"]) if s else "-")
        print(f"  {name:<44}{''.join(cells)}  {'/'.join(ns):>7}")

    def line(self, name: str, fmt: Callable[[Figures], str]) -> None:
        """A free-form row: one formatted cell per host."""
        print(f"  {name:<44}" + "".join(f"{fmt(self.figures[h]):>18}" for h in self.hosts))

    def header(self) -> None:
        """The machine and the column titles."""
        print()
        print("streamlit-tabsync bench:", self.results["machine"])
        print(f"  {'figure (ms)':<44}"
              + "".join(f"{h + ' p50':>9}{h + ' p95':>9}" for h in self.hosts) + f"{'n':>9}")

    def startup(self) -> None:
        """Start-up rows."""
        print("  start-up (new tabs; nav = navigation start)")
        for key, label in STARTUP_ROWS:
            if any(key in self.figures[h]["startup_ms"] for h in self.hosts):
                self.row("  " + label, lambda x, k=key: x["startup_ms"].get(k))
        if "v1" in self.figures and "isolated" in self.figures["v1"]["startup_ms"]:
            self.row("  v1: iframe alone, nav -> componentReady",
                     lambda x: x["startup_ms"].get("isolated"))

    def bridge(self) -> None:
        """Bridge rows."""
        print("  bridge (storage write in another tab -> hand-on)")
        self.row("  component: write -> hand-on in B", lambda x: x["bridge_latency_ms"])
        self.row("  baseline: plain listener, same frame/page", lambda x: x["bridge_baseline_ms"])
        self.row("  baseline: plain listener, own iframe",
                 lambda x: x.get("bridge_baseline_separate_iframe_ms"))
        self.row("  component: event -> hand-on (own work)",
                 lambda x: x["bridge_latency_ms"]["breakdown"][
                     "storage_event_to_hand_on_in_bridge_frame"])

    def end_to_end(self) -> None:
        """End-to-end rows and the breakdown."""
        print("  end to end")
        self.row("  change in A -> B's DOM", lambda x: x["e2e_latency_ms"])
        self.row("  writer A's own rerun (same changes)", lambda x: x["e2e_writer_rerun_ms"])
        for part, label in E2E_PARTS:
            self.line(label + " (p50)", lambda x, p=part: (
                f"{x['e2e_latency_ms']['breakdown_p50_ms'].get(p, float('nan')):.1f}"
            ))
        self.row("  baseline: bare rerun of A", lambda x: x["rerun_baseline_ms"])

    def ratios(self) -> None:
        """Ratios against same-run baselines, and the goals."""
        print()
        print(f"  {'ratios and goals':<44}" + "".join(f"{h:>18}" for h in self.hosts))
        self.line(f"bridge p50 / baseline p50 (<= {GOALS['bridge_ratio']}x)",
                  lambda x: f"{x['ratios']['bridge_p50_over_baseline_p50']:.2f}x "
                            f"{mark(x['goals']['bridge_ratio_ok'])}")
        self.line("  means ratio; p50 difference",
                  lambda x: f"{x['ratios']['bridge_mean_over_baseline_mean']:.2f}x; "
                            f"{x['ratios']['bridge_p50_minus_baseline_p50_ms']:.2f} ms")
        self.line(f"e2e p50 / bare rerun p50 (<= {GOALS['e2e_ratio']}x)",
                  lambda x: f"{x['ratios']['e2e_p50_over_rerun_p50']:.2f}x "
                            f"{mark(x['goals']['e2e_ratio_ok'])}")
        self.line(f"init p50 (<= {GOALS['init_p50_ms']} ms)",
                  lambda x: f"{x['startup_ms'][x['startup_ms']['headline']]['p50']:.1f} ms "
                            f"{mark(x['goals']['init_ok'])}")
        for key, label in STARTUP_RATIO_ROWS:
            def fmt(x: Figures, k: str = key) -> str:
                st = x["startup_ms"]
                kk = st["headline"] if k == "headline" else k
                return f"{st['ratios_to_bare_first_render_p50'][kk]:.2f}x"
            self.line(label, fmt)

    def requests(self) -> None:
        """The frontend's requests per new tab, and which waited for which."""
        self.line("frontend requests per new tab (p50)",
                  lambda x: f"{x['startup_ms']['requests']['count']['p50']:.0f}")
        if "v1" in self.figures:
            print("    (v1: the fetch of index.html is Streamlit's own check of the component's"
                  " URL, made by the app page)")
        for h in self.hosts:
            req = self.figures[h]["startup_ms"]["requests"]
            print(f"    {h} requests: " + "; ".join(f"{k} x{n}" for k, n in req["seen"].items()))
            for p in req["pairs"]:
                print(f"    {h}: {p['first']} -> {p['then']}: {p['relation']} "
                      f"({p['loads_where_it_starts_after_first_ended']} loads start after it "
                      f"ended; gap p50 {p['gap_p50_ms']} ms)")

    def bundle(self) -> None:
        """What each host's frontend downloads."""
        files = self.results["bundle_bytes"]["files"]

        def wasm_gzip(x: Figures) -> str:
            # The .wasm among the files this host downloads, not the build's top-level figure.
            wasm = [n for n in x["bundle_bytes"]["files"] if n.endswith(".wasm")]
            return f"{sum(files[n]['gzip'] for n in wasm)} B"

        self.line(f"bundle gzip -9 (<= {GOALS['bundle_gzip_bytes']} B)",
                  lambda x: f"{x['bundle_bytes']['gzip']} B {mark(x['goals']['bundle_ok'])}")
        self.line("  raw", lambda x: f"{x['bundle_bytes']['raw']} B")
        self.line("  entry file (index.html / v2 .js) gzip",
                  lambda x: f"{x['bundle_bytes']['entry_gzip']} B")
        self.line("  .wasm gzip", wasm_gzip)

    def burst_and_memory(self) -> None:
        """Burst and memory rows."""
        self.line("burst: writes in s",
                  lambda x: f"{x['burst']['writes']} in {x['burst']['seconds']:.2f}")
        self.line("  B's reruns (bound 2 + T/100)", lambda x: (
            f"{x['burst']['receiver_reruns']} ({x['burst']['readme_bound_2_plus_T_over_100']})"
        ))
        self.line("  deliveries; final value ok",
                  lambda x: f"{x['burst']['receiver_deliveries']}; {x['burst']['final_value_ok']}")
        self.line("wasm memory at start (B)", lambda x: f"{x['wasm_memory_bytes']['at_start']}")
        for key, label in MEMORY_ROWS:
            self.line(f"  after {label} storage events",
                      lambda x, k=key: f"{x['wasm_memory_bytes'][k]}")
        self.line("  flat", lambda x: mark(x["goals"]["memory_flat"]))


def print_table(results: Figures) -> None:
    """Print every figure of a run of ``bench.run``, host by host."""
    table = Table(results)
    table.header()
    table.startup()
    table.bridge()
    table.end_to_end()
    table.ratios()
    table.requests()
    table.bundle()
    table.burst_and_memory()
    load = results["notes"]["load_average_1_5_15_min"]
    print(f"  load average (1 min) at start {load['at_start'][0]}, at end {load['at_end'][0]}"
          f" on {os.cpu_count()} cores: other work on the machine inflates every latency")
    print()
