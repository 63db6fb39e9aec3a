"""Bridge: a storage write in another tab until tab B's component hands the news to
Streamlit, against a hand-written baseline listener in the same frame, hosts taking turns."""

from __future__ import annotations

import json
from typing import Any

from .page import DEADLINE_MS, bridge_frame
from .rig import CHANNEL, Rig

#: Gap kept between a delivery of tab B's component and the next bridge write: the
#: component's 100 ms delivery pacing never holds a write back.
BRIDGE_GAP_MS = 120
#: Bridge writes of one host before the other host's turn.
BRIDGE_BLOCK = 40


class BridgeRun:
    """Storage write in the writer tab -> what tab B hands to Streamlit, alternating two
    kinds of write, run in blocks (``step``) so that the hosts can take turns.

    * odd writes: only the component hands the news on. This gives the component's latency,
      with nothing else handling the event before it.
    * even writes: the hand-written baseline (in the bridge's frame, registered first; on v1
      also the separate baseline iframe) hands it on too, then the component. This gives
      the baselines.

    Both kinds go through the same frame, key, pacing and instrumentation, interleaved.
    """

    def __init__(self, rig: Rig, n: int, warmup: int, base: int) -> None:
        self.rig, self.warmup, self.base = rig, warmup, base
        self.total = warmup + 2 * n
        self.i = 0
        self.tab = rig.pages["B"]
        self.frame = bridge_frame(rig.host, self.tab)
        self.kinds = ["component", "baseline"] + (
            ["baseline_iframe"] if rig.host == "v1" else []
        )
        self.prefix = f"tabsync:v1:{CHANNEL}:"
        self.series: dict[str, list[float]] = {
            k: [] for k in [*self.kinds, "component_same_writes"]
        }
        self.writes: dict[int, tuple[float, float]] = {}
        self.iframe_first = 0
        self.not_before = 0.0
        self.tab.evaluate("() => { window.__bench.posts.length = 0; }")
        self.frame.evaluate("() => { window.__benchFrame.trace = []; }")

    @property
    def done(self) -> bool:
        return self.i >= self.total

    def step(self, count: int) -> None:
        for _ in range(min(count, self.total - self.i)):
            self._one()

    def _one(self) -> None:
        i, tab = self.i, self.tab
        self.i += 1
        v = self.base + i
        with_baseline = i % 2 == 0
        kinds = self.kinds if with_baseline else ["component"]
        tab.evaluate(
            "(p) => { window.__bench.baselineOn = p; }", self.prefix if with_baseline else None
        )
        t_write = self.rig.writer.evaluate(
            "([v, nb]) => window.__writer.writeAt('val', v, nb)", [v, self.not_before]
        )
        posts = tab.evaluate(
            "([v, kinds, d]) => window.__bench.settle(v, kinds, d)", [v, kinds, DEADLINE_MS]
        )
        if posts is None:
            raise RuntimeError(
                f"{self.rig.host} bridge write {v}: {kinds} or tab B's rerun never came"
            )
        first = {k: min(p["t"] for p in posts if p["kind"] == k) for k in kinds}
        # Tab B's rerun has finished; keep the pacing gap after the delivery.
        self.not_before = first["component"] + BRIDGE_GAP_MS
        if i < self.warmup:
            return
        if with_baseline:
            self.series["baseline"].append(first["baseline"] - t_write)
            self.series["component_same_writes"].append(first["component"] - t_write)
            if "baseline_iframe" in first:
                self.series["baseline_iframe"].append(first["baseline_iframe"] - t_write)
                if first["baseline_iframe"] < first["baseline"]:
                    self.iframe_first += 1
        else:
            self.series["component"].append(first["component"] - t_write)
            self.writes[v] = (t_write, first["component"])

    def finish(self) -> dict[str, Any]:
        self.tab.evaluate("() => { window.__bench.baselineOn = null; }")
        trace = self.frame.evaluate("() => window.__benchFrame.trace")
        self.frame.evaluate("() => { window.__benchFrame.trace = null; }")
        # Where the component's time goes (odd writes): write -> event in its frame -> hand-on.
        dispatch: list[float] = []
        handling: list[float] = []
        for t, text in trace:
            try:
                v = json.loads(text)["v"]
            except (ValueError, KeyError, TypeError):
                continue
            if v in self.writes:
                t_write, t_comp = self.writes.pop(v)
                dispatch.append(t - t_write)
                handling.append(t_comp - t)
        return {
            "series": self.series,
            "iframe_first": self.iframe_first,
            "dispatch": dispatch,
            "handling": handling,
        }


def measure_bridge(rigs: list[Rig], n: int, warmup: int, base: int) -> dict[str, Any]:
    """Both hosts' bridge runs, in blocks of ``BRIDGE_BLOCK`` writes, taking turns."""
    bridges = [BridgeRun(rig, n, warmup, base) for rig in rigs]
    turn = 0
    while not all(b.done for b in bridges):
        bridges[turn % len(bridges)].step(BRIDGE_BLOCK)
        turn += 1
    return {b.rig.host: b.finish() for b in bridges}
