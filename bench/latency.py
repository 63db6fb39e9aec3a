"""End to end: Enter in tab A's synced number input until tab B's DOM shows the value,
interleaved with a bare rerun of A (an unsynced input), with a breakdown of where the time
goes."""

from __future__ import annotations

from typing import Any

from .page import DEADLINE_MS, bridge_frame, load_js, wait_idle, wait_text
from .rig import CHANNEL, Rig

E2E_KEYS = ("e2e", "writer_rerun", "rerun", "a_change_to_render_message",
            "render_message_to_storage_write", "a_change_to_storage_write",
            "storage_write_to_b_post", "b_post_to_b_dom")


class E2ERun:
    """Interleaved: synced widget change in A -> B's DOM; unsynced change in A -> A's DOM."""

    def __init__(self, rig: Rig, n: int, warmup: int, start: int) -> None:
        self.rig, self.warmup, self.start = rig, warmup, start
        self.total = warmup + n
        self.i = 0
        self.a, self.b = rig.pages["A"], rig.pages["B"]
        self.value_box = self.a.get_by_role("spinbutton", name="Value", exact=True)
        self.local_box = self.a.get_by_role("spinbutton", name="Local", exact=True)
        self.frame_a = bridge_frame(rig.host, self.a)
        self.out: dict[str, list[float]] = {k: [] for k in E2E_KEYS}
        self.warm: list[dict[str, float]] = []

    @property
    def done(self) -> bool:
        return self.i >= self.total

    def step(self) -> None:
        a, b, i = self.a, self.b, self.i
        self.i += 1
        v = self.start + i
        # -- synced: A's number_input "Value" -> B shows it --------------------------------
        b.evaluate("([w, d]) => window.__bench.arm('sync', w, d)", [f"value:val={v}", DEADLINE_MS])
        a.evaluate("([w, d]) => window.__bench.arm('sync', w, d)", [f"value:val={v}", DEADLINE_MS])
        self.value_box.fill(str(v))
        a.evaluate("() => { window.__bench.armEnter = true; window.__bench.t0 = null; }")
        self.value_box.press("Enter")
        t_b = b.evaluate("() => window.__bench.waits.sync")
        t_a = a.evaluate("() => window.__bench.waits.sync")
        t0 = a.evaluate("() => window.__bench.t0")
        if t_b is None or t_a is None or t0 is None:
            raise RuntimeError(
                f"{self.rig.host} sample {i}: value {v} never showed (t0={t0}, A={t_a}, B={t_b})"
            )
        wait_text(a, f"value:val={v}")
        wait_text(b, f"value:val={v}")
        t_write = self.frame_a.evaluate(load_js("write_time.js"), [v, f":{CHANNEL}:val"])
        t_render = self.frame_a.evaluate(load_js("render_time.js"), ["val", v])
        t_post = b.evaluate(load_js("post_time.js"), v)
        # -- bare rerun: A's unsynced number_input "Local" -> A shows it ------------------
        a.evaluate(
            "([w, d]) => window.__bench.arm('local', w, d)", [f"value:local={v}", DEADLINE_MS]
        )
        self.local_box.fill(str(v))
        a.evaluate("() => { window.__bench.armEnter = true; window.__bench.t0 = null; }")
        self.local_box.press("Enter")
        t_l = a.evaluate("() => window.__bench.waits.local")
        t0_l = a.evaluate("() => window.__bench.t0")
        if t_l is None or t0_l is None:
            raise RuntimeError(f"{self.rig.host} sample {i}: local value {v} never showed")
        wait_text(a, f"value:local={v}")
        wait_idle(b)
        sample = {"e2e": t_b - t0, "writer_rerun": t_a - t0, "rerun": t_l - t0_l}
        if t_write is not None and t_post is not None and t_render is not None:
            sample["a_change_to_render_message"] = t_render - t0
            sample["render_message_to_storage_write"] = t_write - t_render
            sample["a_change_to_storage_write"] = t_write - t0
            sample["storage_write_to_b_post"] = t_post - t_write
            sample["b_post_to_b_dom"] = t_b - t_post
        if i < self.warmup:
            self.warm.append({k: round(x, 1) for k, x in sample.items()})
            return
        for k, x in sample.items():
            self.out[k].append(x)


def measure_e2e(rigs: list[Rig], n: int, warmup: int, start: int) -> dict[str, Any]:
    """Both hosts' end-to-end samples, one each in turn (the order alternates)."""
    runs_ = [E2ERun(rig, n, warmup, start) for rig in rigs]
    turn = 0
    while not all(r.done for r in runs_):
        for r in runs_ if turn % 2 == 0 else runs_[::-1]:
            if not r.done:
                r.step()
        turn += 1
    return {r.rig.host: {"series": r.out, "warm": r.warm} for r in runs_}
