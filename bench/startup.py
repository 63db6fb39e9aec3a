"""Start-up: new tabs of the synced app and of the bare app (``?bare=1``, no ``sync()``),
interleaved across hosts, and (v1) the component iframe alone in an idle page."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from tests.support.browser import COMPONENT_TITLE

from .page import DEADLINE_MS, FRONTEND_URL_PART, component_frame, load_js
from .rig import SHARED, Rig
from .stats import percentile, ratio, summary


def _basename(url: str) -> str:
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def startup_load(rig: Rig, bare: bool) -> dict[str, Any]:
    """One new tab of the app (``?bare=1``: without ``sync()``), until it has settled."""
    page = rig.context.new_page()
    page.add_init_script(load_js("seen_lines.js"))
    part = FRONTEND_URL_PART[rig.host]
    requested: list[str] = []
    page.on(
        "request",
        lambda r: requested.append(f"{_basename(r.url)} ({r.resource_type})")
        if part in r.url else None,
    )
    wants = ["runs=1", "status=bare"] if bare else (
        ["status=live"] + [f"value:{k}={v}" for k, v in SHARED.items()]
    )
    try:
        page.goto(f"{rig.url}/?bare=1" if bare else f"{rig.url}/")
        page.wait_for_function(load_js("startup_done.js"), arg=[wants, not bare], polling=50)
        info = page.evaluate(load_js("startup_read.js"), part)
        frame = (
            component_frame(page).evaluate(load_js("frame_read.js"), part)
            if rig.host == "v1" and not bare else None
        )
    finally:
        page.close()
    origin, seen = info["origin"], info["seen"]
    rec: dict[str, Any] = {"first_render": seen["runs=1"]}
    if bare:
        return rec
    ready, first = info["ready"], info["firstDelivery"]
    rec["shared_visible"] = max(seen[f"value:{k}={v}"] for k, v in SHARED.items())
    rec["app_nav_to_ready"] = ready["t"] - origin
    rec["app_nav_to_first_delivery"] = first["t"] - origin
    resources = list(info["resources"])
    if rig.host == "v1":
        assert frame is not None
        rec["app_nav_to_frame_nav"] = frame["origin"] - origin
        rec["frame_nav_to_ready"] = ready["frameNow"]
        rec["frame_nav_to_first_delivery"] = first["frameNow"]
        rec["frame_html_response_end"] = frame["htmlResponseEnd"]
        if frame["instCall"] is not None:
            rec["instantiate_call_to_ready"] = ready["frameNow"] - frame["instCall"]
        resources += frame["resources"]
    else:
        ev = info["evaluated"]
        rec["app_nav_to_module_eval"] = ev
        rec["module_eval_to_first_delivery"] = first["frameNow"] - ev
        rec["module_eval_to_ready"] = ready["frameNow"] - ev
        if info["instCall"] is not None:
            rec["instantiate_call_to_ready"] = ready["frameNow"] - info["instCall"]
        rec["wasm_instances"] = info["memories"]
    rec["requested"] = requested
    rec["timeline"] = sorted(
        (
            {
                "label": f"{_basename(r['name'])} ({r['type']})",
                "start": r["start"] - origin,
                "end": r["end"] - origin,
                "transfer": r["transfer"],
            }
            for r in resources
        ),
        key=lambda r: r["start"],
    )
    return rec


def analyse_requests(recs: list[dict[str, Any]]) -> dict[str, Any]:
    """How many requests the frontend made per load, and which waited for which."""
    counts = [len(r["requested"]) for r in recs]
    sets: dict[str, int] = {}
    for r in recs:
        key = " + ".join(sorted(r["requested"]))
        sets[key] = sets.get(key, 0) + 1
    labels: dict[str, list[dict[str, Any]]] = {}
    for r in recs:
        for t in r["timeline"]:
            labels.setdefault(t["label"], []).append(t)
    order = sorted(labels, key=lambda k: percentile([t["start"] for t in labels[k]], 50))
    per_label = {
        k: {
            "start_p50_ms": round(percentile([t["start"] for t in labels[k]], 50), 1),
            "end_p50_ms": round(percentile([t["end"] for t in labels[k]], 50), 1),
            "transfer_bytes_p50": percentile([t["transfer"] for t in labels[k]], 50),
            "loads": len(labels[k]),
        }
        for k in order
    }
    pairs = []
    for i, first in enumerate(order):
        for second in order[i + 1:]:
            gaps = []
            for r in recs:
                by = {t["label"]: t for t in r["timeline"]}
                if first in by and second in by:
                    gaps.append(by[second]["start"] - by[first]["end"])
            if not gaps:
                continue
            after = sum(1 for g in gaps if g >= 0)
            pairs.append({
                "first": first,
                "then": second,
                "relation": "sequential" if after * 2 > len(gaps) else "parallel",
                "loads_where_it_starts_after_first_ended": f"{after}/{len(gaps)}",
                "gap_p50_ms": round(percentile(gaps, 50), 1),
            })
    return {
        "count": summary([float(c) for c in counts], with_p95=False),
        "seen": sets,
        "timeline_p50_ms_since_app_navigation": per_label,
        "pairs": pairs,
        "how": "count: Playwright request events of the page whose URL holds the frontend's "
        "path; timeline: Resource Timing of the app page and the component frame; a pair "
        "is sequential when the second request starts after the first one's response ended "
        "(gap >= 0) in most loads, parallel when it starts while the first is in flight",
    }


def _pick(recs: list[dict[str, Any]], key: str) -> list[float]:
    return [r[key] for r in recs if isinstance(r.get(key), (int, float))]


def startup_summary(host: str, synced: list[dict[str, Any]], bare: list[dict[str, Any]],
                    cold: dict[str, dict[str, Any]]) -> dict[str, Any]:
    keys = ["first_render", "shared_visible", "app_nav_to_ready", "app_nav_to_first_delivery",
            "instantiate_call_to_ready"]
    if host == "v1":
        headline = "frame_nav_to_ready"
        keys += ["frame_nav_to_ready", "frame_nav_to_first_delivery", "app_nav_to_frame_nav",
                 "frame_html_response_end"]
    else:
        headline = "module_eval_to_first_delivery"
        keys += ["module_eval_to_first_delivery", "module_eval_to_ready", "app_nav_to_module_eval"]
    out: dict[str, Any] = {"bare_first_render": summary(_pick(bare, "first_render"))}
    for key in keys:
        out[key] = summary(_pick(synced, key))
    out["headline"] = headline
    base = out["bare_first_render"]
    out["ratios_to_bare_first_render_p50"] = {
        k: ratio(out[k], base)
        for k in (headline, "app_nav_to_ready", "app_nav_to_first_delivery", "shared_visible",
                  "first_render")
    }
    out["requests"] = analyse_requests(synced)
    if host == "v1":
        out["requests"]["note"] = (
            "index.html (iframe) is the component iframe's document, index.html (fetch) "
            "Streamlit's own check of the component's URL (checkSourceUrlResponse, made by "
            "the app page), the .wasm the iframe's preload"
        )
    if host == "v2":
        out["wasm_instances_per_page"] = sorted(set(_pick(synced, "wasm_instances")))
    out["cold_first_load_ms"] = {
        kind: {k: round(v, 1) for k, v in rec.items() if isinstance(v, (int, float))}
        for kind, rec in cold.items()
    }
    return out


def measure_startup(rigs: list[Rig], loads: int) -> dict[str, Any]:
    """``loads`` new tabs (+1 cold, reported apart) per host of the synced and the bare app,
    interleaved: host order and bare/synced order alternate from one round to the next."""
    for rig in rigs:
        for key, v in SHARED.items():
            rig.writer.evaluate("([k, v]) => window.__writer.writeAt(k, v, 0)", [key, v])
    recs: dict[tuple[str, bool], list[dict[str, Any]]] = {
        (r.host, b): [] for r in rigs for b in (False, True)
    }
    cold: dict[str, dict[str, dict[str, Any]]] = {r.host: {} for r in rigs}
    for i in range(loads + 1):
        for rig in rigs if i % 2 == 0 else rigs[::-1]:
            for bare in (True, False) if i % 2 == 0 else (False, True):
                rec = startup_load(rig, bare)
                if i == 0:
                    cold[rig.host]["bare" if bare else "synced"] = rec
                else:
                    recs[(rig.host, bare)].append(rec)
    return {
        rig.host: startup_summary(
            rig.host, recs[(rig.host, False)], recs[(rig.host, True)], cold[rig.host]
        )
        for rig in rigs
    }


def measure_init_isolated(page: Page, url: str, loads: int) -> dict[str, Any]:
    """v1: the component iframe alone in an idle same-origin page (no Streamlit app loading
    beside it on the same main thread; no render args, so only start-up): its navigation
    start -> componentReady."""
    src = f"{url}/component/{COMPONENT_TITLE}/index.html"
    ready_ms: list[float] = []
    own: list[float] = []
    cold: dict[str, Any] = {}
    for i in range(loads + 1):
        ready = page.evaluate(load_js("isolated_frame.js"), [src, DEADLINE_MS])
        if ready is None:
            raise RuntimeError("isolated component iframe never posted componentReady")
        frame = component_frame(page).evaluate(load_js("frame_read.js"), FRONTEND_URL_PART["v1"])
        own_ms = ready["frameNow"] - frame["instCall"] if frame["instCall"] is not None else None
        if i == 0:
            cold = {"ready": round(ready["frameNow"], 1), "instantiate_call_to_ready": own_ms}
            continue
        ready_ms.append(ready["frameNow"])
        if own_ms is not None:
            own.append(own_ms)
    page.evaluate("() => document.querySelectorAll('iframe').forEach((f) => f.remove())")
    out = summary(ready_ms)
    out["instantiate_call_to_ready"] = summary(own)
    out["cold_first_load_ms"] = cold
    return out
