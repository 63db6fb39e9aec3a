// Init script of every frame of a bench context (placeholders __HOST__, __COMPONENT_PATH__,
// __TITLE__ filled in by bench/rig.py). Instruments the top page (what reaches Streamlit,
// the DOM) and the frame where the bridge runs (baseline listener, storage events and
// writes, the WASM memory, the v2 test hook). See bench/README.md, "How it observes".
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
