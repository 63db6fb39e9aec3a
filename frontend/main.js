// v1 host (the component iframe): loads the WASM bridge and mounts it in this frame; the
// handle stays alive with the page. Everything else happens in Rust (src/bridge/).
import init, { mount_iframe } from "./pkg/tabsync.js";

init().then(
  () => {
    globalThis.__tabsyncMounted = mount_iframe();
  },
  (err) => console.error("tabsync: could not load its WebAssembly module", err),
);
