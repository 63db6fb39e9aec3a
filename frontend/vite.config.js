// Bundles both hosts' entry points and the wasm-bindgen output (pkg/, made by `make build`)
// into the Python package, where Streamlit serves them from the app's own origin:
//
// * v1 (`vite build`): index.html with main.js inlined and the .wasm preloaded from the
//   HTML head, so the .wasm download starts with the first parse (Streamlit serves
//   component files without cache lifetimes, so every page load pays each request).
// * v2 (`vite build --mode v2`): one ES module, tabsync-v2-<hash>.js, that Streamlit imports
//   into the app page; it fetches the same .wasm (same content, same hashed name).
//
// Two builds rather than two inputs of one: with two entries Rollup would move the shared
// glue into a third file, one more request for each host.
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

const common = {
  outDir: "../streamlit_component/streamlit_tabsync/frontend",
  assetsDir: "",
  assetsInlineLimit: 0,
  target: "es2020",
  modulePreload: false,
  reportCompressedSize: false,
};

export default defineConfig(({ mode }) =>
  mode === "v2"
    ? {
        base: "./",
        build: {
          ...common,
          emptyOutDir: false,
          rollupOptions: {
            input: "v2.js",
            preserveEntrySignatures: "strict",
            output: { format: "es", entryFileNames: "tabsync-v2-[hash].js" },
          },
        },
      }
    : {
        base: "./",
        plugins: [inlineEntryAndPreloadWasm()],
        build: { ...common, emptyOutDir: true },
      },
);
