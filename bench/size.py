"""Bundle size: every built file of the frontend, and per host what its frontend downloads,
raw and gzip -9."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from tests.support.servers import REPO

BUILD_DIR = REPO / "streamlit_component" / "streamlit_tabsync" / "frontend"


def measure_bundle(build_dir: Path = BUILD_DIR) -> dict[str, Any]:
    """Every built file, and per host what its frontend downloads, raw and gzip -9."""
    files = sorted(p for p in build_dir.rglob("*") if p.is_file())
    if not files:
        raise RuntimeError(f"no built frontend in {build_dir}: run `make build`")
    per_file: dict[str, dict[str, int]] = {}
    for path in files:
        data = path.read_bytes()
        per_file[str(path.relative_to(build_dir))] = {
            "raw": len(data),
            "gzip": len(gzip.compress(data, compresslevel=9, mtime=0)),
        }
    wasm = [n for n in per_file if n.endswith(".wasm")]
    entry = {
        "v1": [n for n in per_file if n == "index.html"],
        "v2": [n for n in per_file if n.startswith("tabsync-v2-") and n.endswith(".js")],
    }
    if len(wasm) != 1 or any(len(e) != 1 for e in entry.values()):
        raise RuntimeError(f"expected index.html, one tabsync-v2-*.js and one .wasm: {per_file}")
    hosts = {}
    for host, names in entry.items():
        names = names + wasm
        hosts[host] = {
            "files": names,
            "raw": sum(per_file[n]["raw"] for n in names),
            "gzip": sum(per_file[n]["gzip"] for n in names),
            "entry_raw": per_file[names[0]]["raw"],
            "entry_gzip": per_file[names[0]]["gzip"],
        }
    return {
        "hosts": hosts,
        "wasm_raw": per_file[wasm[0]]["raw"],
        "wasm_gzip": per_file[wasm[0]]["gzip"],
        "total_raw": sum(f["raw"] for f in per_file.values()),
        "total_gzip": sum(f["gzip"] for f in per_file.values()),
        "files": per_file,
        "method": "gzip level 9 of each file (Python zlib, no name in header), summed; per "
        "host: the files its frontend downloads (v1: index.html, JS inlined, + .wasm; v2: "
        "tabsync-v2-*.js + .wasm)",
    }
