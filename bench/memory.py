"""Memory: the WASM module's memory in a fresh component after 100, 1,000 and 10,000
received storage events (flat is the goal)."""

from __future__ import annotations

from typing import Any

from .page import DEADLINE_MS, bridge_frame, open_app, wait_text
from .rig import Rig


def measure_memory(rig: Rig, base: int) -> dict[str, Any]:
    """WASM memory of a fresh component (a fresh page load of tab B) after 100, 1,000 and
    10,000 received storage events."""
    writer, tab = rig.writer, rig.pages["B"]
    open_app(tab, rig.url)
    frame = bridge_frame(rig.host, tab)
    frame.wait_for_function("() => window.__benchFrame.memory !== null", polling=10)
    frame.evaluate("() => { window.__benchFrame.count = 0; }")

    def size() -> int:
        return frame.evaluate("() => window.__benchFrame.memory.buffer.byteLength")

    out: dict[str, Any] = {"at_start": size()}
    keys = ["val", "a", "b"]
    done = 0
    for target, label in ((100, "after_100_events"), (1_000, "after_1000_events"),
                          (10_000, "after_10000_events")):
        flood_ms = writer.evaluate(
            "([keys, b, from, to]) => window.__writer.flood(keys, b, from, to)",
            [keys, base, done, target],
        )
        done = target
        frame.wait_for_function(
            "(n) => window.__benchFrame.count >= n", arg=target, polling=10,
            timeout=DEADLINE_MS * 2,
        )
        # Wait until the tab shows the last value of every key (the final delivery applied).
        for j, key in enumerate(keys):
            idx = max(i for i in range(target) if i % len(keys) == j)
            wait_text(tab, f"value:{key}={base + idx}")
        out[label] = size()
        out[f"{label}_flood_ms"] = round(flood_ms, 1)
    out["events_received"] = frame.evaluate("() => window.__benchFrame.count")
    out["wasm_instances"] = frame.evaluate("() => window.__benchFrame.memories")
    return out
