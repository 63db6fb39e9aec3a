// Loads the WASM bridge and starts it; everything else happens in Rust (src/bridge.rs).
import init, { start } from "./pkg/tabsync.js";

init().then(start, (err) => console.error("tabsync: could not load its WebAssembly module", err));
