"""The figures of one host out of the raw measurements, with ratios against baselines of the
same host in the same run and the goals checked; and the machine they were taken on."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

from .stats import percentile, ratio, summary

GOALS = {
    "bridge_ratio": 1.05,
    "e2e_ratio": 2.2,
    "bundle_gzip_bytes": 40_000,
    "init_p50_ms": 15.0,
}


def machine(browser_version: str) -> str:
    """CPU, cores, memory, OS, browser, Streamlit and Python of this run."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f", {int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                break
    except OSError:
        pass
    import streamlit

    osname = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                osname = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}, {osname}; Chromium {browser_version} headless; "
        f"Streamlit {streamlit.__version__}; Python {platform.python_version()}"
    )


def _hand_on(host: str) -> str:
    return "postMessage(setComponentValue) to the app page" if host == "v1" else (
        "the callback that calls setStateValue('delivery', ...) (v2.js hook `delivered`)"
    )


def bridge_results(host: str, br: dict[str, Any]) -> dict[str, Any]:
    """The bridge figures of one host: the component, its baseline(s), the breakdown."""
    where = "the component iframe" if host == "v1" else "the app page"
    bridge = summary(br["series"]["component"])
    bridge["breakdown"] = {
        "write_to_storage_event_in_bridge_frame": summary(br["dispatch"]),
        "storage_event_to_hand_on_in_bridge_frame": summary(br["handling"]),
    }
    bridge["how"] = (
        "odd writes of an alternating sequence, on which no other listener acts; writer "
        f"page timestamp just before localStorage.setItem -> {_hand_on(host)} in tab B"
    )
    bridge["on_baseline_writes"] = summary(br["series"]["component_same_writes"])
    bridge["on_baseline_writes"]["note"] = (
        "the component on the even writes, where the baselines handle the event first"
    )
    bridge_base = summary(br["series"]["baseline"])
    bridge_base["how"] = (
        f"even writes: a plain JS storage listener registered (by init script) in {where}, "
        "before the component's own, handing the news on at once ("
        + ("posting it to the parent page" if host == "v1" else "recording its time") + ")"
    )
    out: dict[str, Any] = {
        "bridge_latency_ms": bridge,
        "bridge_baseline_ms": bridge_base,
    }
    if host == "v1":
        bridge_iframe = summary(br["series"]["baseline_iframe"])
        bridge_iframe["how"] = (
            "even writes: the same listener in a separate same-origin srcdoc iframe of tab B; "
            "Chromium dispatches a storage event to the frames of a tab one after another, "
            "so its figure depends on the dispatch order"
        )
        bridge_iframe["dispatched_before_component_frame"] = br["iframe_first"]
        out["bridge_baseline_separate_iframe_ms"] = bridge_iframe
    return out


def e2e_results(host: str, e2e_run: dict[str, Any]) -> dict[str, Any]:
    """The end-to-end figures of one host: A -> B, its breakdown, the bare rerun."""
    series = e2e_run["series"]
    e2e = summary(series["e2e"])
    e2e["how"] = (
        "keydown Enter in A's number_input 'Value' (synced) -> a MutationObserver in B sees "
        "'value:val=<v>'; interleaved with the bare-rerun samples; 3 warm-up pairs not counted"
    )
    e2e["breakdown_p50_ms"] = {
        k: round(percentile(series[k], 50), 2)
        for k in ("a_change_to_render_message", "render_message_to_storage_write",
                  "a_change_to_storage_write", "storage_write_to_b_post", "b_post_to_b_dom")
        if series[k]
    }
    e2e["breakdown_how"] = (
        "render message: " + ("the streamlit:render message reaching A's component iframe"
                              if host == "v1" else
                              "Streamlit calling A's module with the new data (hook `rendered`)")
        + "; storage write: A's component's localStorage.setItem; B post: " + _hand_on(host)
    )
    e2e["samples"] = [round(x, 1) for x in series["e2e"]]
    rerun = summary(series["rerun"])
    rerun["how"] = (
        "keydown Enter in A's number_input 'Local' (not synced) -> a MutationObserver in A "
        "sees 'value:local=<v>': one bare rerun of the same app"
    )
    rerun["samples"] = [round(x, 1) for x in series["rerun"]]
    return {
        "e2e_latency_ms": e2e,
        "e2e_writer_rerun_ms": summary(series["writer_rerun"]),
        "e2e_warmup_samples_ms": e2e_run["warm"],
        "rerun_baseline_ms": rerun,
    }


def ratios_and_goals(out: dict[str, Any]) -> None:
    """Add ``ratios`` (against same-run baselines) and ``goals`` to a host's figures."""
    st = out["startup_ms"]
    init = st[st["headline"]]
    memory = out["wasm_memory_bytes"]
    bridge, bridge_base = out["bridge_latency_ms"], out["bridge_baseline_ms"]
    e2e, rerun = out["e2e_latency_ms"], out["rerun_baseline_ms"]
    out["ratios"] = {
        "bridge_p50_over_baseline_p50": ratio(bridge, bridge_base),
        "bridge_mean_over_baseline_mean": ratio(bridge, bridge_base, "mean"),
        "bridge_p50_minus_baseline_p50_ms": round(bridge["p50"] - bridge_base["p50"], 2),
        "e2e_p50_over_rerun_p50": ratio(e2e, rerun),
        **{f"startup_{k}_over_bare_first_render": v
           for k, v in st["ratios_to_bare_first_render_p50"].items()},
    }
    r = out["ratios"]
    out["goals"] = {
        "bridge_ratio_ok": r["bridge_p50_over_baseline_p50"] <= GOALS["bridge_ratio"],
        "e2e_ratio_ok": r["e2e_p50_over_rerun_p50"] <= GOALS["e2e_ratio"],
        "bundle_ok": out["bundle_bytes"]["gzip"] <= GOALS["bundle_gzip_bytes"],
        "init_ok": init["p50"] <= GOALS["init_p50_ms"],
        "init_figure": st["headline"],
        "memory_flat": memory["after_10000_events"] <= memory["after_100_events"],
    }


def host_results(host: str, m: dict[str, Any], bundle: dict[str, Any]) -> dict[str, Any]:
    """Every figure of one host, with its ratios against same-run baselines of that host."""
    out = bridge_results(host, m["bridge"][host])
    out.update(e2e_results(host, m["e2e"][host]))
    out.update({
        "startup_ms": m["startup"][host],
        "burst": m["burst"][host],
        "wasm_memory_bytes": m["memory"][host],
        "bundle_bytes": bundle["hosts"][host],
    })
    ratios_and_goals(out)
    return out
