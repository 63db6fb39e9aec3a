// v2 host (Streamlit >= 1.51): the component's ES module, run in the app page itself.
//
// Streamlit calls the default export at mount and again whenever `data` (the render args)
// changes, with the same `parentElement`; only the last cleanup returned runs, at unmount.
// So each instance is kept per parentElement, and its bridge is mounted once and fed every
// new `data`. The WASM module is loaded once per page load (module state survives reruns,
// remounts and page switches) and shared by every instance of the page; instances of one
// page hear each other's writes through the bridge's local bus.
//
// Nothing here may throw into Streamlit (an uncaught error shows an error box in the app):
// a failure is reported to Python as a delivery with status "blocked" instead.
import init, { mount_module } from "./pkg/tabsync.js";

// Test hook of bench/run.py, inert in apps: only if a page defines `globalThis.__tabsyncBench`
// (an object) does this module call its functions, each optional: `evaluated()` when this
// module starts, `rendered(data)` for each `data` Streamlit hands over, `ready()` after an
// instance's first mount, `delivered(value)` just before `setStateValue`. Its errors are
// swallowed. Without it the cost is one global lookup per call.
function benchHook(name, arg) {
  const hook = globalThis.__tabsyncBench;
  if (typeof hook !== "object" || hook === null || typeof hook[name] !== "function") return;
  try {
    hook[name](arg);
  } catch (_) {
    // A broken probe must not break the component.
  }
}
benchHook("evaluated");

// The page may have started the .wasm download already, in parallel with this module (the
// Python side draws a one-line script doing `__tabsyncWasm ??= fetch(...)`): use it, and
// fetch it ourselves if that did not work.
const preloaded = globalThis.__tabsyncWasm;
const wasmReady = (
  preloaded instanceof Promise ? init({ module_or_path: preloaded }) : Promise.reject()
).catch(() => init());
const instances = new WeakMap();

function report(setStateValue, error) {
  try {
    setStateValue("delivery", {
      v: 3,
      id: `load-failed-${Date.now()}`,
      ns: null,
      status: "blocked",
      values: {},
      acks: {},
      conflicts: [],
      ignored: 0,
      error: `the tabsync WebAssembly module failed: ${error}`,
    });
  } catch (_) {
    // Nothing left to tell it with.
  }
}

// The render args come as the UTF-8 bytes of their JSON text (see the Python side's
// `_component.mount`: Streamlit would import pandas to look for dataframes in anything else).
const utf8 = new TextDecoder();

export default function tabsync({ data: sent, setStateValue, parentElement }) {
  const data = sent instanceof Uint8Array ? utf8.decode(sent) : sent;
  benchHook("rendered", data);
  let entry = instances.get(parentElement);
  if (entry === undefined) {
    entry = { mounted: null, data, setStateValue, gone: false };
    instances.set(parentElement, entry);
    const mounting = entry;
    wasmReady.then(
      () => {
        if (mounting.gone) return;
        try {
          mounting.mounted = mount_module((value) => {
            benchHook("delivered", value);
            mounting.setStateValue("delivery", value);
          });
          mounting.mounted.render(mounting.data);
          benchHook("ready");
        } catch (error) {
          report(mounting.setStateValue, error);
        }
      },
      (error) => report(mounting.setStateValue, error),
    );
  } else {
    entry.data = data;
    entry.setStateValue = setStateValue;
    if (entry.mounted !== null) {
      try {
        entry.mounted.render(data);
      } catch (error) {
        report(setStateValue, error);
      }
    }
  }
  const current = entry;
  return () => {
    current.gone = true;
    instances.delete(parentElement);
    if (current.mounted !== null) {
      current.mounted.free();
      current.mounted = null;
    }
  };
}
