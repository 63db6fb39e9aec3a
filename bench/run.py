"""``make bench``: latency, burst, size, start-up and memory figures of streamlit-tabsync,
for both Streamlit hosts side by side, in one run.

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
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Frame, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

REPO = Path(__file__).resolve().parents[1]
APP = Path(__file__).resolve().parent / "apps" / "bench_app.py"
BUILD_DIR = REPO / "streamlit_component" / "streamlit_tabsync" / "frontend"
RESULTS = Path(__file__).resolve().parent / "results.json"

# One browser set-up for the benchmarks and the end-to-end tests.
sys.path.insert(0, str(REPO))
from tests.e2e.harness import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    COMPONENT_TITLE,
    launch_streamlit,
    stop_server,
    wait_healthy,
)

HOSTS = ("v1", "v2")
CHANNEL = "bench"
#: Path of the v1 component iframe's document.
COMPONENT_PATH = "/component/streamlit_tabsync"
#: What every request of each host's frontend has in its URL.
FRONTEND_URL_PART = {"v1": COMPONENT_PATH, "v2": "/_stcore/bidi-components/"}
#: Shared values a new tab must show (start-up figure); written before the start-up loads.
SHARED = {"val": 4242, "a": 4243, "b": 4244}

#: Deadline of every wait, in ms (generous: 2 cores run Chromium and Streamlit side by side).
DEADLINE_MS = 30_000
#: Gap kept between a delivery of tab B's component and the next bridge write (see above).
BRIDGE_GAP_MS = 120
#: Bridge writes of one host before the other host's turn.
BRIDGE_BLOCK = 40

GOALS = {
    "bridge_ratio": 1.05,
    "e2e_ratio": 2.2,
    "bundle_gzip_bytes": 40_000,
    "init_p50_ms": 15.0,
}

# ------------------------------------------------------------------------------------------
# In-page code
# ------------------------------------------------------------------------------------------

INIT_JS = r"""
(() => {
  const HOST = "__HOST__";
  const now = () => performance.timeOrigin + performance.now();
  // Chromium runs init scripts in an iframe's initial about:blank document and, when the
  // real document is same-origin, reuses that window without running them again: so the
  // component iframe is recognised by its <iframe> element (same origin, hence readable).
  const isComponentFrame = () => {
    if (location.pathname.includes("__COMPONENT_PATH__")) return true;
    try {
      const el = window !== window.top ? window.frameElement : null;
      return !!el && ((el.getAttribute("src") || "").includes("__COMPONENT_PATH__")
                      || el.title === "__TITLE__");
    } catch (err) {
      return false;
    }
  };
  if (window.__bench || window.__benchFrame) return;  // already instrumented (reused window)
  const isTop = window === window.top;
  if (isTop) {
    // The top page (an app tab, or the writer page): what reaches Streamlit, and the DOM.
    const T = (window.__bench = {
      posts: [], ready: null, firstDelivery: null, evaluated: null, waits: {}, t0: null,
      armEnter: false, baselineOn: null, onPost: null,
    });
    T.notify = () => { if (T.onPost) setTimeout(T.onPost, 0); };  // never inside the caller
    // A delivery handed to Streamlit at `t` (`frameNow`: the same moment in the timeline of
    // the frame where it was made).
    T.delivery = (value, t, frameNow) => {
      let val = null;
      try { val = JSON.parse(value.values.val.t); } catch (err) { /* no value of val */ }
      T.posts.push({kind: "component", t, val});
      if (T.firstDelivery === null) T.firstDelivery = {t, frameNow};
    };
    // v1: a message the component iframe (or a baseline) posts to this page.
    T.record = (msg, t, frameNow) => {
      if (!msg || typeof msg !== "object" || typeof msg.type !== "string") return;
      if (msg.type === "streamlit:setComponentValue") {
        T.delivery(msg.value, t, frameNow);
      } else if (msg.type === "bench:baseline" || msg.type === "bench:baseline-iframe") {
        let val = null;
        try { val = JSON.parse(msg.value).v; } catch (err) { /* not ours */ }
        const kind = msg.type === "bench:baseline" ? "baseline" : "baseline_iframe";
        T.posts.push({kind, t, key: msg.key, val});
      } else if (msg.type === "streamlit:componentReady" && T.ready === null) {
        T.ready = {t, frameNow};
      }
      T.notify();
    };
    addEventListener("keydown", (e) => {
      if (e.key === "Enter" && T.armEnter) { T.armEnter = false; T.t0 = now(); }
    }, true);
    const shows = (want) => {
      for (const el of document.querySelectorAll('[data-testid="stText"]')) {
        if (el.textContent.trim() === want) return true;
      }
      return false;
    };
    // Resolves, without polling, once the posts of value `v` of every kind in `kinds` have
    // been recorded and the page shows `value:val=<v>` with no script run in progress; with
    // those posts (null at the deadline).
    T.settle = (v, kinds, deadlineMs) => new Promise((resolve) => {
      let timer = null, obs = null;
      const finish = (out) => {
        obs.disconnect(); clearTimeout(timer); T.onPost = null; resolve(out);
      };
      const check = () => {
        const mine = T.posts.filter((x) => x.val === v);
        const have = new Set(mine.map((x) => x.kind));
        const app = document.querySelector(".stApp");
        if (kinds.every((k) => have.has(k)) && shows(`value:val=${v}`) && app
            && app.getAttribute("data-test-script-state") === "notRunning") finish(mine);
      };
      obs = new MutationObserver(check);
      obs.observe(document.documentElement, {
        subtree: true, childList: true, characterData: true,
        attributes: true, attributeFilter: ["data-test-script-state"],
      });
      timer = setTimeout(() => finish(null), deadlineMs);
      T.onPost = check;
      check();
    });
    // Resolves with the time a MutationObserver first sees the text `want` (null at the
    // deadline).
    T.arm = (id, want, deadlineMs) => {
      T.waits[id] = new Promise((resolve) => {
        if (shows(want)) { resolve(now()); return; }
        const obs = new MutationObserver(() => {
          if (shows(want)) { obs.disconnect(); clearTimeout(timer); resolve(now()); }
        });
        const timer = setTimeout(() => { obs.disconnect(); resolve(null); }, deadlineMs);
        obs.observe(document.documentElement,
                    {subtree: true, childList: true, characterData: true});
      });
    };
  }
  // The frame where the bridge runs: the component iframe (v1) or the app page (v2; not the
  // writer page, which is under /_stcore/).
  const bridgeHere = HOST === "v1"
    ? !isTop && isComponentFrame()
    : isTop && !location.pathname.startsWith("/_stcore/");
  if (!bridgeHere) return;
  const S = (window.__benchFrame = {
    count: 0, trace: null, memory: null, memories: 0, instCall: null, instDone: null,
    renders: [], writes: [],
  });
  // Registered before the component's own listener, so it sees each event first. While the
  // top page's `__bench.baselineOn` holds a key prefix, it is the hand-written baseline: it
  // hands the news on at once, as the component does after its WASM module has handled the
  // event (v1: posts it to the parent page; v2: records it, where the component's hook
  // records its delivery just before setStateValue).
  addEventListener("storage", (e) => {
    const T = window.parent.__bench;  // the app page's (v2: this page's own)
    if (T && T.baselineOn && e.key !== null && e.key.startsWith(T.baselineOn)) {
      if (HOST === "v1") {
        parent.postMessage({type: "bench:baseline", key: e.key, value: e.newValue}, "*");
      } else {
        const t = now();
        let val = null;
        try { val = JSON.parse(e.newValue).v; } catch (err) { /* not ours */ }
        T.posts.push({kind: "baseline", t, key: e.key, val});
        T.notify();
      }
    }
    S.count++;
    if (S.trace !== null && e.newValue !== null) S.trace.push([now(), e.newValue]);
  });
  const keepRender = (args) => {
    S.renders.push([now(), args]);
    if (S.renders.length > 50) S.renders.shift();
  };
  // The component's own storage writes (time, key, text), the latest 200.
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key, value) {
    if (typeof key === "string" && key.startsWith("tabsync:v1:")) {
      S.writes.push([now(), key, String(value)]);
      if (S.writes.length > 200) S.writes.shift();
    }
    return setItem.call(this, key, value);
  };
  for (const name of ["instantiateStreaming", "instantiate"]) {
    const orig = WebAssembly[name];
    if (typeof orig !== "function") continue;
    WebAssembly[name] = function (...args) {
      if (S.instCall === null) S.instCall = performance.now();
      return orig.apply(this, args).then((result) => {
        const instance =
          result instanceof WebAssembly.Instance ? result : result && result.instance;
        const memory = instance && instance.exports && instance.exports.memory;
        if (memory instanceof WebAssembly.Memory) {
          S.memories++;
          S.memory = memory;
          if (S.instDone === null) S.instDone = performance.now();
        }
        return result;
      });
    };
  }
  if (HOST === "v2") {
    // The test hook of frontend/v2.js (see there): defined before the module is evaluated.
    const T = window.__bench;
    globalThis.__tabsyncBench = {
      evaluated() { if (T.evaluated === null) T.evaluated = performance.now(); },
      rendered(data) { keepRender(data); },
      ready() { if (T.ready === null) T.ready = {t: now(), frameNow: performance.now()}; },
      delivered(value) {
        const t = now(), local = performance.now();
        T.delivery(value, t, local);
        T.notify();
      },
    };
    return;
  }
  // v1. Render messages from Streamlit (time, args), the latest 50; capture phase, so before
  // the component's own listener.
  addEventListener("message", (e) => {
    if (e.data && e.data.type === "streamlit:render") keepRender(e.data.args);
  }, true);
  // Wrap the parent's postMessage with a function of THIS realm: the message's
  // `event.source` is the caller's (incumbent) window, so a wrapper made in the top page
  // would make Streamlit drop the component's messages. Both the component (through
  // wasm-bindgen's `parent.postMessage(...)`) and the baseline iframe (`parent.postMessage`)
  // pass through it, so both are timed the same way, at the moment of the call.
  const P = window.parent;
  if (P && P !== window) {
    // Window members are own properties of the window ([Global]): keep the native one.
    const orig = P.__benchNativePostMessage || (P.__benchNativePostMessage = P.postMessage);
    P.postMessage = function (msg, ...rest) {
      const t = now(), local = performance.now();
      try { if (P.__bench) P.__bench.record(msg, t, local); } catch (err) { /* never break */ }
      return orig.apply(P, [msg, ...rest]);
    };
  }
})();
"""


def init_js(host: str) -> str:
    return (
        INIT_JS.replace("__HOST__", host)
        .replace("__COMPONENT_PATH__", COMPONENT_PATH)
        .replace("__TITLE__", COMPONENT_TITLE)
    )


#: Added to each start-up tab only: the moment (ms since the app page's navigation start)
#: each text line of the app is first in the DOM.
SEEN_JS = r"""
(() => {
  if (window !== window.top) return;
  const seen = (window.__benchSeen = {});
  const scan = () => {
    for (const el of document.querySelectorAll('[data-testid="stText"]')) {
      const text = el.textContent.trim();
      if (!(text in seen)) seen[text] = performance.now();
    }
  };
  new MutationObserver(scan).observe(document,
                                    {subtree: true, childList: true, characterData: true});
})();
"""

#: Installed in the writer page: valid envelopes with stamps above whatever is stored.
WRITER_JS = r"""
(channel) => {
  const now = () => performance.timeOrigin + performance.now();
  const W = (window.__writer = {});
  const TAB = "benchwriter";
  W.text = (key, v) => {
    const sk = `tabsync:v1:${channel}:${key}`;
    let wall = Date.now(), ctr = 0;
    const old = localStorage.getItem(sk);
    if (old !== null) {
      try {
        const s = JSON.parse(old).s;
        if (s[0] >= wall) { wall = s[0]; ctr = s[1] + 1; }
      } catch (err) { /* overwrite a malformed entry */ }
    }
    return [sk, JSON.stringify({f: 1, ns: channel, k: key, v, s: [wall, ctr, TAB]})];
  };
  // One write, made no earlier than `notBefore` (pacing); returns the time of the write.
  W.writeAt = async (key, v, notBefore) => {
    const wait = notBefore - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const [sk, text] = W.text(key, v);
    const t = now();
    localStorage.setItem(sk, text);
    return t;
  };
  // `n` writes of key (values base..base+n-1) spread evenly over `ms` milliseconds.
  W.burst = async (key, base, n, ms) => {
    const start = performance.now();
    let i = 0;
    while (i < n) {
      const due = Math.min(n, Math.floor(((performance.now() - start) / ms) * n) + 1);
      for (; i < due; i++) {
        const [sk, text] = W.text(key, base + i);
        localStorage.setItem(sk, text);
      }
      if (i < n) await new Promise((r) => setTimeout(r, 1));
    }
    return performance.now() - start;
  };
  // Writes number `from` to `to - 1` as fast as possible: write i sets keys[i % keys.length]
  // to base + i. Yields to the event loop every 200 writes.
  W.flood = async (keys, base, from, to) => {
    const start = performance.now();
    for (let i = from; i < to; i++) {
      const [sk, text] = W.text(keys[i % keys.length], base + i);
      localStorage.setItem(sk, text);
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 0));
    }
    return performance.now() - start;
  };
}
"""

#: v1: adds a second hand-written baseline to an app tab: a same-origin iframe of its own
#: that posts to its parent on every storage event of the channel.
BASELINE_JS = r"""
() => {
  const frame = document.createElement("iframe");
  frame.title = "bench-baseline";
  frame.style.cssText = "position:absolute;width:0;height:0;border:0";
  frame.srcdoc = "<script>addEventListener('storage', (e) => {" +
    "const T = parent.__bench;" +
    "if (T && T.baselineOn && e.key && e.key.startsWith(T.baselineOn)) " +
    "parent.postMessage({type: 'bench:baseline-iframe', key: e.key, value: e.newValue}, '*');" +
    "});<\/script>";
  return new Promise((resolve) => {
    frame.addEventListener("load", () => resolve(true), {once: true});
    document.body.appendChild(frame);
  });
}
"""


# ------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100), as numpy's default."""
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summary(values: list[float], with_p95: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"p50": round(percentile(values, 50), 2)}
    if with_p95:
        out["p95"] = round(percentile(values, 95), 2)
    out["n"] = len(values)
    if values:
        out["mean"] = round(sum(values) / len(values), 3)
        out["min"] = round(min(values), 2)
        out["max"] = round(max(values), 2)
    return out


def ratio(a: dict[str, Any], b: dict[str, Any], key: str = "p50") -> float:
    return round(a[key] / b[key], 3) if b.get(key) else float("nan")


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Server:
    """``streamlit run`` of the bench app with ``TABSYNC_HOST=host``, started and stopped
    through the e2e harness (one server per host in one process)."""

    def __init__(self, host: str, log_dir: Path) -> None:
        self.host = host
        self._server = launch_streamlit(APP, log_dir, host)
        self.url = self._server.url
        self.process = self._server.process
        self.log_path = self._server.log_path

    def wait_healthy(self) -> None:
        wait_healthy(self._server)

    def log_tail(self, lines: int = 40) -> str:
        return self._server.log_tail(lines)

    def stop(self) -> None:
        stop_server(self.process)


def component_frame(page: Page) -> Frame:
    """The v1 component iframe of an app tab (waits until it has been created)."""
    deadline = time.monotonic() + DEADLINE_MS / 1000
    while True:
        for frame in page.frames:
            if COMPONENT_PATH in frame.url:
                return frame
        if time.monotonic() > deadline:
            raise RuntimeError("the tabsync component iframe never appeared")
        time.sleep(0.02)  # poll period


def bridge_frame(host: str, page: Page) -> Frame:
    """The frame where the bridge of an app tab runs: its iframe (v1), the page (v2)."""
    return component_frame(page) if host == "v1" else page.main_frame


def wait_idle(page: Page) -> None:
    page.wait_for_selector('.stApp[data-test-script-state="notRunning"]', state="attached")


def wait_text(page: Page, text: str) -> None:
    """Wait until an ``st.text`` line reads ``text`` and no script run is in progress."""
    page.wait_for_function(
        """(want) => {
          const app = document.querySelector('.stApp');
          if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
          for (const el of document.querySelectorAll('[data-testid="stText"]')) {
            if (el.textContent.trim() === want) return true;
          }
          return false;
        }""",
        arg=text,
        polling=10,
    )


def read_line(page: Page, prefix: str) -> str:
    return page.evaluate(
        """(prefix) => {
          for (const el of document.querySelectorAll('[data-testid="stText"]')) {
            const t = el.textContent.trim();
            if (t.startsWith(prefix)) return t.slice(prefix.length);
          }
          return null;
        }""",
        prefix,
    )


def runs(page: Page) -> int:
    return int(read_line(page, "runs="))


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    wait_text(page, "status=live")


def wait_quiet(page: Page, quiet_s: float = 1.5, deadline_s: float = 30.0) -> int:
    """Wait until the tab has not rerun for ``quiet_s`` (a bounded observation of absence)."""
    deadline = time.monotonic() + deadline_s
    last, since = runs(page), time.monotonic()
    while True:
        time.sleep(0.1)  # poll period
        now = runs(page)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            wait_idle(page)
            return now
        if time.monotonic() > deadline:
            raise RuntimeError(f"tab kept rerunning for {deadline_s}s (runs={now})")


@dataclass
class Rig:
    """One host: its server, its browser context (profile) and its tabs."""

    host: str
    server: Server
    context: BrowserContext
    writer: Page
    pages: dict[str, Page] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def new_tab(self, name: str) -> Page:
        page = self.context.new_page()
        self.pages[name] = page
        return page


# ------------------------------------------------------------------------------------------
# Bundle
# ------------------------------------------------------------------------------------------


def measure_bundle() -> dict[str, Any]:
    """Every built file, and per host what its frontend downloads, raw and gzip -9."""
    files = sorted(p for p in BUILD_DIR.rglob("*") if p.is_file())
    if not files:
        raise RuntimeError(f"no built frontend in {BUILD_DIR}: run `make build`")
    per_file: dict[str, dict[str, int]] = {}
    for path in files:
        data = path.read_bytes()
        per_file[str(path.relative_to(BUILD_DIR))] = {
            "raw": len(data),
            "gzip": len(gzip.compress(data, compresslevel=9, mtime=0)),
        }
    wasm = [n for n in per_file if n.endswith(".wasm")]
    entry = {
        "v1": [n for n in per_file if n == "index.html"],
        "v2": [n for n in per_file if n.startswith("tabsync-v2-") and n.endswith(".js")],
    }
    if len(wasm) != 1 or any(len(e) != 1 for e in entry.values()):
        raise RuntimeError(f"expected index.html, one tabsync-v2-*.js and one .wasm: {per_file}")
    hosts = {}
    for host, names in entry.items():
        names = names + wasm
        hosts[host] = {
            "files": names,
            "raw": sum(per_file[n]["raw"] for n in names),
            "gzip": sum(per_file[n]["gzip"] for n in names),
            "entry_raw": per_file[names[0]]["raw"],
            "entry_gzip": per_file[names[0]]["gzip"],
        }
    return {
        "hosts": hosts,
        "wasm_raw": per_file[wasm[0]]["raw"],
        "wasm_gzip": per_file[wasm[0]]["gzip"],
        "total_raw": sum(f["raw"] for f in per_file.values()),
        "total_gzip": sum(f["gzip"] for f in per_file.values()),
        "files": per_file,
        "method": "gzip level 9 of each file (Python zlib, no name in header), summed; per "
        "host: the files its frontend downloads (v1: index.html, JS inlined, + .wasm; v2: "
        "tabsync-v2-*.js + .wasm)",
    }


# ------------------------------------------------------------------------------------------
# Start-up
# ------------------------------------------------------------------------------------------

#: Everything a start-up tab recorded, in its own timeline (0 = the app's navigation start)
#: except `origin`-based absolute times.
STARTUP_READ_JS = r"""
(urlPart) => {
  const T = window.__bench, S = window.__benchFrame || {};
  const resources = performance.getEntriesByType("resource")
    .filter((r) => r.name.includes(urlPart))
    .map((r) => ({name: r.name, type: r.initiatorType,
                  start: performance.timeOrigin + r.startTime,
                  end: performance.timeOrigin + r.responseEnd, transfer: r.transferSize}));
  return {
    origin: performance.timeOrigin, seen: window.__benchSeen, ready: T.ready,
    firstDelivery: T.firstDelivery, evaluated: T.evaluated,
    instCall: S.instCall ?? null, memories: S.memories ?? null, resources,
  };
}
"""

#: The same for the v1 component iframe, in its own timeline (0 = its navigation start).
FRAME_READ_JS = r"""
(urlPart) => {
  const S = window.__benchFrame || {};
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource")
    .filter((r) => r.name.includes(urlPart))
    .map((r) => ({name: r.name, type: r.initiatorType,
                  start: performance.timeOrigin + r.startTime,
                  end: performance.timeOrigin + r.responseEnd, transfer: r.transferSize}));
  return {
    origin: performance.timeOrigin, htmlResponseEnd: nav ? nav.responseEnd : null,
    instCall: S.instCall ?? null, instDone: S.instDone ?? null, resources,
  };
}
"""

#: True once a start-up tab shows every text of `wants`, no script run is in progress and
#: (synced app) the component has delivered and is ready.
STARTUP_DONE_JS = r"""
([wants, synced]) => {
  const seen = window.__benchSeen, T = window.__bench;
  const app = document.querySelector('.stApp');
  if (!seen || !app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (synced && (T.ready === null || T.firstDelivery === null)) return false;
  return wants.every((w) => w in seen);
}
"""


def _basename(url: str) -> str:
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def startup_load(rig: Rig, bare: bool) -> dict[str, Any]:
    """One new tab of the app (``?bare=1``: without ``sync()``), until it has settled."""
    page = rig.context.new_page()
    page.add_init_script(SEEN_JS)
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
        page.wait_for_function(STARTUP_DONE_JS, arg=[wants, not bare], polling=50)
        info = page.evaluate(STARTUP_READ_JS, part)
        frame = (
            component_frame(page).evaluate(FRAME_READ_JS, part)
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


ISOLATED_FRAME_JS = r"""
async ([src, deadlineMs]) => {
  const T = window.__bench;
  T.ready = null;
  for (const old of document.querySelectorAll("iframe")) old.remove();
  const frame = document.createElement("iframe");
  frame.src = src;
  document.body.appendChild(frame);
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, deadlineMs);
    T.onPost = () => { if (T.ready !== null) { clearTimeout(timer); resolve(); } };
  });
  T.onPost = null;
  return T.ready;
}
"""


def measure_init_isolated(page: Page, url: str, loads: int) -> dict[str, Any]:
    """v1: the component iframe alone in an idle same-origin page (no Streamlit app loading
    beside it on the same main thread; no render args, so only start-up): its navigation
    start -> componentReady."""
    src = f"{url}/component/{COMPONENT_TITLE}/index.html"
    ready_ms: list[float] = []
    own: list[float] = []
    cold: dict[str, Any] = {}
    for i in range(loads + 1):
        ready = page.evaluate(ISOLATED_FRAME_JS, [src, DEADLINE_MS])
        if ready is None:
            raise RuntimeError("isolated component iframe never posted componentReady")
        frame = component_frame(page).evaluate(FRAME_READ_JS, FRONTEND_URL_PART["v1"])
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


# ------------------------------------------------------------------------------------------
# Bridge, burst, memory
# ------------------------------------------------------------------------------------------


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


def measure_burst(rig: Rig, writes: int, seconds: float, base: int) -> dict[str, Any]:
    """``writes`` writes of ``val`` spread over ``seconds`` from the writer tab; tab B's reruns
    are counted once it has been quiet for 1.5 s (an observation window: the absence of
    further reruns has no event to wait for)."""
    writer, tab = rig.writer, rig.pages["B"]
    runs_before = wait_quiet(tab, quiet_s=1.0)
    tab.evaluate("() => { window.__bench.posts.length = 0; }")
    elapsed_ms = writer.evaluate(
        "([b, n, ms]) => window.__writer.burst('val', b, n, ms)",
        [base, writes, seconds * 1000],
    )
    last = base + writes - 1
    try:
        tab.wait_for_function(
            "(v) => window.__bench.posts.some((x) => x.kind === 'component' && x.val === v)",
            arg=last,
            polling=10,
        )
        wait_text(tab, f"value:val={last}")
    except PlaywrightTimeout:
        log(f"{rig.host} burst: tab B never showed the last value {last}; final_value_ok=false")
    runs_after = wait_quiet(tab, quiet_s=1.5)
    delivered = tab.evaluate(
        "() => window.__bench.posts.filter((x) => x.kind === 'component').map((x) => x.val)"
    )
    shown = read_line(tab, "value:val=")
    stored = writer.evaluate(
        "(ch) => JSON.parse(localStorage.getItem(`tabsync:v1:${ch}:val`)).v", CHANNEL
    )
    return {
        "writes": writes,
        "seconds": round(elapsed_ms / 1000, 3),
        "receiver_reruns": runs_after - runs_before,
        "final_value_ok": shown == str(last) and stored == last and delivered[-1:] == [last],
        "receiver_deliveries": len(delivered),
        "readme_bound_2_plus_T_over_100": round(2 + elapsed_ms / 100, 2),
        "last_written": last,
        "receiver_shows": shown,
        "last_delivered": delivered[-1] if delivered else None,
        "stored": stored,
    }


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


# ------------------------------------------------------------------------------------------
# End to end
# ------------------------------------------------------------------------------------------

RENDER_TIME_JS = r"""
([key, v]) => {
  for (const [t, args] of window.__benchFrame.renders) {
    const edit = args && args.edits && args.edits[key];
    // Edits carry the value as its canonical JSON text.
    try { if (edit && JSON.parse(edit.t) === v) return t; } catch (err) { /* not ours */ }
  }
  return null;
}
"""

WRITE_TIME_JS = r"""
([v, suffix]) => {
  for (const [t, key, text] of window.__benchFrame.writes) {
    if (!key.endsWith(suffix)) continue;
    try { if (JSON.parse(text).v === v) return t; } catch (err) { /* not ours */ }
  }
  return null;
}
"""

POST_TIME_JS = r"""
(v) => {
  const p = window.__bench.posts.filter((x) => x.kind === "component" && x.val === v);
  return p.length ? Math.min(...p.map((x) => x.t)) : null;
}
"""

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
        t_write = self.frame_a.evaluate(WRITE_TIME_JS, [v, f":{CHANNEL}:val"])
        t_render = self.frame_a.evaluate(RENDER_TIME_JS, ["val", v])
        t_post = b.evaluate(POST_TIME_JS, v)
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


def measure_in_browser(servers: dict[str, Server], args: argparse.Namespace) -> dict[str, Any]:
    """Every browser figure of both hosts, in one browser: one context (profile) per host."""
    m: dict[str, Any] = {}
    rigs: list[Rig] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        m["browser"] = browser.version
        try:
            for host in args.hosts:
                context = browser.new_context()
                context.set_default_timeout(DEADLINE_MS)
                context.add_init_script(init_js(host))
                writer = context.new_page()
                rig = Rig(host, servers[host], context, writer, {"writer": writer})
                rigs.append(rig)
                writer.goto(f"{rig.url}/_stcore/health")
                writer.evaluate(WRITER_JS, CHANNEL)
                writer.evaluate("() => localStorage.clear()")

            log(f"start-up: {args.init} new tabs (+1 cold) per host of the synced and the bare "
                "app, interleaved")
            m["startup"] = measure_startup(rigs, args.init)
            if "v1" in args.hosts:
                log(f"start-up: {args.init} loads of the v1 component iframe alone in an idle page")
                v1 = next(r for r in rigs if r.host == "v1")
                m["startup"]["v1"]["isolated"] = measure_init_isolated(
                    v1.writer, v1.url, args.init
                )

            for rig in rigs:
                tab_b = rig.new_tab("B")
                open_app(tab_b, rig.url)
                if rig.host == "v1":
                    tab_b.evaluate(BASELINE_JS)
            log(f"bridge: {2 * args.bridge} paced writes per host, alternating kinds (+5 "
                f"warm-up), hosts taking turns every {BRIDGE_BLOCK} writes")
            m["bridge"] = measure_bridge(rigs, args.bridge, 5, base=1_000)

            m["burst"], m["memory"] = {}, {}
            for rig in rigs:
                log(f"{rig.host} burst: {args.burst} writes in {args.burst_seconds} s")
                m["burst"][rig.host] = measure_burst(
                    rig, args.burst, args.burst_seconds, base=10_000
                )
            for rig in rigs:
                log(f"{rig.host} memory: fresh component, 100 / 1,000 / 10,000 storage events")
                m["memory"][rig.host] = measure_memory(rig, base=100_000)

            log(f"end-to-end: {args.e2e} interleaved pairs per host (+3 warm-up), hosts in turn")
            for rig in rigs:
                open_app(rig.new_tab("A"), rig.url)
            for rig in rigs:
                wait_quiet(rig.pages["B"], quiet_s=0.5)
            m["e2e"] = measure_e2e(rigs, args.e2e, 3, start=500)
        except Exception:
            diagnose(rigs)
            raise
        finally:
            for rig in rigs:
                rig.context.close()
            browser.close()
    return m


# ------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------


def machine(browser_version: str) -> str:
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


def host_results(host: str, m: dict[str, Any], bundle: dict[str, Any]) -> dict[str, Any]:
    """Every figure of one host, with its ratios against same-run baselines of that host."""
    hand_on = "postMessage(setComponentValue) to the app page" if host == "v1" else (
        "the callback that calls setStateValue('delivery', ...) (v2.js hook `delivered`)"
    )
    where = "the component iframe" if host == "v1" else "the app page"
    br = m["bridge"][host]
    bridge = summary(br["series"]["component"])
    bridge["breakdown"] = {
        "write_to_storage_event_in_bridge_frame": summary(br["dispatch"]),
        "storage_event_to_hand_on_in_bridge_frame": summary(br["handling"]),
    }
    bridge["how"] = (
        "odd writes of an alternating sequence, on which no other listener acts; writer "
        f"page timestamp just before localStorage.setItem -> {hand_on} in tab B"
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

    series = m["e2e"][host]["series"]
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
        + "; storage write: A's component's localStorage.setItem; B post: " + hand_on
    )
    e2e["samples"] = [round(x, 1) for x in series["e2e"]]
    rerun = summary(series["rerun"])
    rerun["how"] = (
        "keydown Enter in A's number_input 'Local' (not synced) -> a MutationObserver in A "
        "sees 'value:local=<v>': one bare rerun of the same app"
    )
    rerun["samples"] = [round(x, 1) for x in series["rerun"]]
    out.update({
        "e2e_latency_ms": e2e,
        "e2e_writer_rerun_ms": summary(series["writer_rerun"]),
        "e2e_warmup_samples_ms": m["e2e"][host]["warm"],
        "rerun_baseline_ms": rerun,
        "startup_ms": m["startup"][host],
        "burst": m["burst"][host],
        "wasm_memory_bytes": m["memory"][host],
        "bundle_bytes": bundle["hosts"][host],
    })
    st = out["startup_ms"]
    init = st[st["headline"]]
    memory = out["wasm_memory_bytes"]
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
    return out


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


def print_table(r: dict[str, Any]) -> None:
    hosts = list(r["hosts"])
    H = r["hosts"]
    mark = lambda ok: "ok" if ok else "MISSED"  # noqa: E731

    def cell(s: dict[str, Any] | None) -> str:
        if not s or s.get("n", 0) == 0:
            return " " * 18
        return f"{s['p50']:9.1f}{s['p95']:9.1f}" if "p95" in s else f"{s['p50']:9.1f}" + " " * 9

    def row(name: str, pick: Callable[[dict[str, Any]], dict[str, Any] | None]) -> None:
        cells, ns = [], []
        for h in hosts:
            s = pick(H[h])
            cells.append(cell(s))
            ns.append(str(s["n"]) if s else "-")
        print(f"  {name:<44}{''.join(cells)}  {'/'.join(ns):>7}")

    def line(name: str, fmt: Callable[[dict[str, Any]], str]) -> None:
        print(f"  {name:<44}" + "".join(f"{fmt(H[h]):>18}" for h in hosts))

    print()
    print("streamlit-tabsync bench:", r["machine"])
    print(f"  {'figure (ms)':<44}" + "".join(f"{h + ' p50':>9}{h + ' p95':>9}" for h in hosts)
          + f"{'n':>9}")
    print("  start-up (new tabs; nav = navigation start)")
    for key, label in STARTUP_ROWS:
        if any(key in H[h]["startup_ms"] for h in hosts):
            row("  " + label, lambda x, k=key: x["startup_ms"].get(k))
    if "v1" in H and "isolated" in H["v1"]["startup_ms"]:
        row("  v1: iframe alone, nav -> componentReady",
            lambda x: x["startup_ms"].get("isolated"))
    print("  bridge (storage write in another tab -> hand-on)")
    row("  component: write -> hand-on in B", lambda x: x["bridge_latency_ms"])
    row("  baseline: plain listener, same frame/page", lambda x: x["bridge_baseline_ms"])
    row(
        "  baseline: plain listener, own iframe",
        lambda x: x.get("bridge_baseline_separate_iframe_ms"),
    )
    row("  component: event -> hand-on (own work)",
        lambda x: x["bridge_latency_ms"]["breakdown"]["storage_event_to_hand_on_in_bridge_frame"])
    print("  end to end")
    row("  change in A -> B's DOM", lambda x: x["e2e_latency_ms"])
    row("  writer A's own rerun (same changes)", lambda x: x["e2e_writer_rerun_ms"])
    for part, label in (("a_change_to_render_message", "    change -> render msg to A's component"),
                        (
                            "render_message_to_storage_write",
                            "    render msg -> A's component writes",
                        ),
                        ("storage_write_to_b_post", "    A's write -> B's component hands on"),
                        ("b_post_to_b_dom", "    B's hand-on -> B's DOM (B's rerun)")):
        line(label + " (p50)",
             lambda x, p=part: (
                 f"{x['e2e_latency_ms']['breakdown_p50_ms'].get(p, float('nan')):.1f}"
             ))
    row("  baseline: bare rerun of A", lambda x: x["rerun_baseline_ms"])
    print()
    print(f"  {'ratios and goals':<44}" + "".join(f"{h:>18}" for h in hosts))
    line(f"bridge p50 / baseline p50 (<= {GOALS['bridge_ratio']}x)",
         lambda x: f"{x['ratios']['bridge_p50_over_baseline_p50']:.2f}x "
                   f"{mark(x['goals']['bridge_ratio_ok'])}")
    line("  means ratio; p50 difference",
         lambda x: f"{x['ratios']['bridge_mean_over_baseline_mean']:.2f}x; "
                   f"{x['ratios']['bridge_p50_minus_baseline_p50_ms']:.2f} ms")
    line(f"e2e p50 / bare rerun p50 (<= {GOALS['e2e_ratio']}x)",
         lambda x: f"{x['ratios']['e2e_p50_over_rerun_p50']:.2f}x "
                   f"{mark(x['goals']['e2e_ratio_ok'])}")
    line(f"init p50 (<= {GOALS['init_p50_ms']} ms)",
         lambda x: f"{x['startup_ms'][x['startup_ms']['headline']]['p50']:.1f} ms "
                   f"{mark(x['goals']['init_ok'])}")
    for key, label in (("headline", "init figure / bare first render"),
                       ("app_nav_to_ready", "app nav -> ready / bare first render"),
                       ("app_nav_to_first_delivery", "app nav -> delivery / bare first render"),
                       ("shared_visible", "shared values in DOM / bare first render"),
                       ("first_render", "synced first render / bare first render")):
        def fmt(x: dict[str, Any], k: str = key) -> str:
            st = x["startup_ms"]
            kk = st["headline"] if k == "headline" else k
            return f"{st['ratios_to_bare_first_render_p50'][kk]:.2f}x"
        line(label, fmt)
    line("frontend requests per new tab (p50)",
         lambda x: f"{x['startup_ms']['requests']['count']['p50']:.0f}")
    if "v1" in H:
        print("    (v1: the fetch of index.html is Streamlit's own check of the component's URL,"
              " made by the app page)")
    for h in hosts:
        req = H[h]["startup_ms"]["requests"]
        print(f"    {h} requests: " + "; ".join(
            f"{k} x{n}" for k, n in req["seen"].items()))
        for p in req["pairs"]:
            print(f"    {h}: {p['first']} -> {p['then']}: {p['relation']} "
                  f"({p['loads_where_it_starts_after_first_ended']} loads start after it ended;"
                  f" gap p50 {p['gap_p50_ms']} ms)")
    line(f"bundle gzip -9 (<= {GOALS['bundle_gzip_bytes']} B)",
         lambda x: f"{x['bundle_bytes']['gzip']} B {mark(x['goals']['bundle_ok'])}")
    line("  raw", lambda x: f"{x['bundle_bytes']['raw']} B")
    line("  entry file (index.html / v2 .js) gzip",
         lambda x: f"{x['bundle_bytes']['entry_gzip']} B")
    line("  .wasm gzip", lambda x: f"{r['bundle_bytes']['wasm_gzip']} B")
    line("burst: writes in s",
         lambda x: f"{x['burst']['writes']} in {x['burst']['seconds']:.2f}")
    line("  B's reruns (bound 2 + T/100)",
         lambda x: (
             f"{x['burst']['receiver_reruns']} "
             f"({x['burst']['readme_bound_2_plus_T_over_100']})"
         ))
    line("  deliveries; final value ok",
         lambda x: f"{x['burst']['receiver_deliveries']}; {x['burst']['final_value_ok']}")
    line("wasm memory at start (B)", lambda x: f"{x['wasm_memory_bytes']['at_start']}")
    for key, label in (("after_100_events", "100"), ("after_1000_events", "1,000"),
                       ("after_10000_events", "10,000")):
        line(f"  after {label} storage events", lambda x, k=key: f"{x['wasm_memory_bytes'][k]}")
    line("  flat", lambda x: mark(x["goals"]["memory_flat"]))
    load = r["notes"]["load_average_1_5_15_min"]
    print(f"  load average (1 min) at start {load['at_start'][0]}, at end {load['at_end'][0]}"
          f" on {os.cpu_count()} cores: other work on the machine inflates every latency")
    print()


# ------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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

    started = time.monotonic()
    load_start = os.getloadavg()
    bundle = measure_bundle()
    log_dir = Path(tempfile.mkdtemp(prefix="tabsync-bench-"))
    log(f"starting streamlit, one server per host: {', '.join(args.hosts)} (logs in {log_dir})")
    servers: dict[str, Server] = {}
    try:
        for host in args.hosts:
            servers[host] = Server(host, log_dir)
        for server in servers.values():
            server.wait_healthy()
        m = measure_in_browser(servers, args)
    except Exception:
        for server in servers.values():
            print(f"--- streamlit {server.host} log tail ({server.log_path})\n"
                  f"{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        for server in servers.values():
            server.stop()

    results: dict[str, Any] = {
        "machine": machine(m["browser"]),
        "hosts": {host: host_results(host, m, bundle) for host in args.hosts},
        "bundle_bytes": bundle,
        "goal_targets": GOALS,
    }
    results["notes"] = {
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
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    log(f"wrote {args.out} in {results['notes']['duration_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
