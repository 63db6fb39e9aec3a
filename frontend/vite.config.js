// Bundles index.html, the JS that starts the bridge and the wasm-bindgen output (pkg/, made by
// `make build`) into the Python package, where Streamlit serves it from the app's own origin.
//
// Start-up is three requests in a row unless told otherwise (HTML, then JS, then .wasm), and
// Streamlit serves component files without cache lifetimes, so every page load pays them.
// The plugin below inlines the JS into index.html and preloads the .wasm from the HTML head,
// so the .wasm download starts with the first parse. All files sit in one folder, so the
// glue's `new URL(..., import.meta.url)` resolves the same from the inlined module.
import { defineConfig } from "vite";

function inlineEntryAndPreloadWasm() {
  return {
    name: "tabsync-inline-entry-preload-wasm",
    enforce: "post",
    generateBundle(_options, bundle) {
      const html = Object.values(bundle).find((f) => f.fileName === "index.html");
      const entry = Object.values(bundle).find((f) => f.type === "chunk" && f.isEntry);
      const wasm = Object.values(bundle).find((f) => f.fileName.endsWith(".wasm"));
      if (!html || !entry || !wasm) {
        this.error("expected index.html, one entry chunk and one .wasm in the bundle");
      }
      const tag = new RegExp(`<script[^>]*src="[^"]*${entry.fileName}"[^>]*></script>`);
      if (!tag.test(html.source)) {
        this.error(`no script tag for ${entry.fileName} in index.html`);
      }
      const preload =
        `<link rel="preload" href="./${wasm.fileName}" as="fetch" ` +
        `type="application/wasm" crossorigin>`;
      const code = entry.code.replace(/<\/script/gi, "<\\/script");
      html.source = html.source
        .replace(tag, () => `${preload}\n    <script type="module">${code}</script>`);
      delete bundle[entry.fileName];
    },
  };
}

export default defineConfig({
  base: "./",
  plugins: [inlineEntryAndPreloadWasm()],
  build: {
    outDir: "../streamlit_component/streamlit_tabsync/frontend",
    emptyOutDir: true,
    assetsDir: "",
    assetsInlineLimit: 0,
    target: "es2020",
    modulePreload: false,
    reportCompressedSize: false,
  },
});
