#!/usr/bin/env bash
# Prints the built frontend's size: every file raw and gzip -9, and what each host downloads
# (v1: index.html + .wasm; v2: tabsync-v2-*.js + .wasm).
set -euo pipefail
dir=$1
size() { printf '%d %d\n' "$(cat "$@" | wc -c)" "$(for f in "$@"; do gzip -9c "$f"; done | wc -c)"; }
while IFS= read -r f; do
  read -r raw gz < <(size "$f")
  printf '    %-50s %8d B raw %8d B gzip -9\n' "${f#"$dir"/}" "$raw" "$gz"
done < <(find "$dir" -type f | sort)
wasm=$(find "$dir" -maxdepth 1 -name '*.wasm')
for host in v1 v2; do
  case $host in
    v1) entry="$dir/index.html" ;;
    v2) entry=$(find "$dir" -maxdepth 1 -name 'tabsync-v2-*.js') ;;
  esac
  [ -n "$entry" ] && [ -n "$wasm" ] || continue
  read -r raw gz < <(size "$entry" $wasm)
  printf '    %-50s %8d B raw %8d B gzip -9\n' "$host host total" "$raw" "$gz"
done
