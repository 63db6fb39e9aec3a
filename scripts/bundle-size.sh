#!/usr/bin/env bash
# Prints the built frontend's size: every file raw and gzip -9, and the total.
set -euo pipefail
dir=$1
total_raw=0; total_gz=0
while IFS= read -r f; do
  raw=$(wc -c <"$f"); gz=$(gzip -9c "$f" | wc -c)
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz))
  printf '    %-50s %8d B raw %8d B gzip -9\n' "${f#"$dir"/}" "$raw" "$gz"
done < <(find "$dir" -type f | sort)
printf '    %-50s %8d B raw %8d B gzip -9\n' "total" "$total_raw" "$total_gz"
