#!/usr/bin/env bash
# `make size`: where the .wasm's bytes go. Builds nothing itself (make runs `build` first):
# takes the release .wasm, runs wasm-bindgen and binaryen's wasm-opt exactly as `make build`
# does but keeping function names (-g), then prints the shipped files' sizes, the bytes per
# crate (twiggy's per-function sizes summed by the crate in each name) and the largest
# functions. Installs twiggy on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
TWIGGY_VERSION=0.8.0
if [ "$(twiggy --version 2>/dev/null | awk '{print $2}')" != "$TWIGGY_VERSION" ]; then
  echo "==> cargo install twiggy $TWIGGY_VERSION (once, about 2 minutes)"
  cargo install twiggy --version "$TWIGGY_VERSION" --force
fi
top=${SIZE_TOP:-25}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target web --out-dir "$tmp" --out-name tabsync \
  target/wasm32-unknown-unknown/release/tabsync.wasm
frontend/node_modules/.bin/wasm-opt -Oz --converge -g --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$tmp/tabsync_bg.wasm" -o "$tmp/named.wasm"
echo "==> shipped files (streamlit_component/streamlit_tabsync/frontend)"
scripts/bundle-size.sh streamlit_component/streamlit_tabsync/frontend
twiggy top -n 1000000 -f csv "$tmp/named.wasm" >"$tmp/top.csv"
echo "==> .wasm bytes by crate (raw, names section excluded; functions inlined into a caller count for the caller)"
python3 scripts/size-by-crate.py "$tmp/top.csv"
echo "==> largest $top items (twiggy top)"
twiggy top -n "$top" "$tmp/named.wasm" | grep -v '"function names" subsection'
