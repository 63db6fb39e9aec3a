#!/usr/bin/env bash
# Installs the Rust pieces the build needs, skipping what is already there: the wasm32 target
# and the wasm-bindgen CLI at exactly the version Cargo.lock pins (the two must match).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "==> rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "==> cargo install wasm-bindgen-cli $want (found: ${have:-none}; takes a few minutes once)"
  # No --locked: its lock file wants a crate release the registry lacks (see toolchain notes).
  cargo install wasm-bindgen-cli --version "$want" --force
fi
