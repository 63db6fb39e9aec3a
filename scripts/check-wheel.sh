#!/usr/bin/env bash
# Builds the wheel and installs it into a fresh virtual environment, then checks that the
# installed package imports and carries the built frontend of both hosts (v1: index.html with
# the JS inlined and the .wasm it preloads; v2: the ES module and the inner pyproject.toml
# that tells Streamlit where its files are), and finally serves a small app from that
# environment and checks, in two tabs of a real browser, that they sync
# (scripts/wheel_smoke.py).
# Usage: scripts/check-wheel.sh DEV_PYTHON [WHEEL]
# DEV_PYTHON (the .venv's python) builds the wheel and drives the browser; with WHEEL (make
# dist: the wheel built from the sdist) that wheel is checked instead of a fresh build. The
# clean environment gets only the wheel and Streamlit at the version the tests pin.
set -euo pipefail
cd "$(dirname "$0")/.."
py=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ $# -ge 2 ]; then
  wheel=$(realpath "$2")
else
  # setuptools keeps a build/ folder between builds; a stale one would put old .wasm files
  # into the wheel next to the new one.
  rm -rf streamlit_component/build
  "$py" -m build --wheel --outdir "$tmp/dist" streamlit_component >"$tmp/build.log" 2>&1 \
    || { cat "$tmp/build.log"; exit 1; }
  wheel=$(echo "$tmp"/dist/*.whl)
fi
python3 -m venv "$tmp/venv"
streamlit_pin=$(grep -E '^streamlit==' requirements-dev.txt)
"$tmp/venv/bin/pip" install --quiet "$wheel" "$streamlit_pin"
(cd "$tmp" && "$tmp/venv/bin/python" - <<'PY'
import importlib.metadata
import pathlib
import streamlit_tabsync
assert importlib.metadata.version("streamlit-tabsync") == streamlit_tabsync.__version__
licence = importlib.metadata.distribution("streamlit-tabsync").read_text("licenses/LICENSE")
assert licence and licence.startswith("MIT License"), "the wheel carries the licence"
from streamlit_tabsync._component import BUILD_DIR
files = sorted(p.name for p in pathlib.Path(BUILD_DIR).rglob("*") if p.is_file())
html = (BUILD_DIR / "index.html").read_text(encoding="utf-8")
wasm = [n for n in files if n.endswith(".wasm")]
assert len(wasm) == 1, files
assert '<script type="module">' in html, "the glue JS is inlined into index.html"
assert f'href="./{wasm[0]}"' in html, "index.html preloads the .wasm it ships with"
assert (pathlib.Path(streamlit_tabsync.__file__).parent / "py.typed").is_file()
v2 = [n for n in files if n.startswith("tabsync-v2-") and n.endswith(".js")]
assert len(v2) == 1, files
inner = pathlib.Path(streamlit_tabsync.__file__).parent / "pyproject.toml"
assert 'asset_dir = "frontend"' in inner.read_text(encoding="utf-8"), "v2 asset folder declared"
# The Redis relay's Lua scripts (read at run time, not imported) must ship too.
from streamlit_tabsync._relay.redis_relay import lua_script
assert "stamp_cmp" in lua_script("put") and "stamp_cmp" in lua_script("compare")
tests = [n for n in files if "test" in n or n.endswith(".pyc")]
assert not tests, f"only the frontend belongs there: {tests}"
print(f"    wheel OK: {len(files)} frontend files installed from {BUILD_DIR.parent.parent.name}")
PY
)
"$py" -m scripts.wheel_smoke "$tmp/venv/bin/python" "$tmp"
