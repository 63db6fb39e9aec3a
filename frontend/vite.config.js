// Bundles index.html, the JS that starts the bridge and the wasm-bindgen output (pkg/, made by
// `make build`) into the Python package, where Streamlit serves it from the app's own origin.
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  build: {
    outDir: "../streamlit_component/streamlit_tabsync/frontend",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    target: "es2020",
    modulePreload: false,
    reportCompressedSize: false,
  },
});
