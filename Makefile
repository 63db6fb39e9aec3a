# streamlit-tabsync: `make demo` serves the example dashboard, `make test` runs every test
# layer. Both install whatever is missing first (idempotent: a second run skips what is there).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV       := .venv
PY         := $(VENV)/bin/python
WASM_TARGET := wasm32-unknown-unknown
WASM_OUT   := target/$(WASM_TARGET)/release/tabsync.wasm
PKG        := frontend/pkg
BUILD_DIR  := streamlit_component/streamlit_tabsync/frontend
DEMO_PORT  ?= 8501
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: help setup setup-rust setup-browser setup-redis setup-postgres setup-node setup-python \
        build demo test \
        test-fast test-rust test-wasm test-python test-floor test-floor-e2e test-e2e test-wheel lint \
        bench fuzz dist screenshots clean size

help:
	@echo "make demo   - install what is missing, build, serve examples/dashboard.py on :$(DEMO_PORT)"
	@echo "make test   - install what is missing, build, run every test layer"
	@echo "make test-fast - every layer but the end-to-end tests (lint, Rust, wasm, Python, floor, wheel)"
	@echo "make build  - build the WASM bridge and the frontend bundle into the Python package"
	@echo "make bench  - latency, burst, bundle, start-up, memory, devices, presence and peer figures (bench/*.json)"
	@echo "make fuzz   - the property/fuzz and differential tests with FUZZ_SCALE (default 20) times the cases"
	@echo "make size   - where the .wasm's bytes go: files, bytes per crate, largest functions (twiggy)"
	@echo "make dist   - build the sdist and the wheel into dist/, twine check, check their contents"
	@echo "make screenshots - two real tabs of the example dashboard -> docs/ (the README's picture)"
	@echo "make setup  - only install what is missing"

setup: setup-rust setup-browser setup-redis setup-postgres setup-node setup-python

setup-rust:
	@scripts/setup-rust.sh

setup-browser:
	@scripts/setup-browser.sh

setup-redis:
	@scripts/setup-redis.sh

setup-postgres:
	@scripts/setup-postgres.sh

setup-node: frontend/node_modules/.package-lock.json

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	@echo "==> npm ci (frontend build tools: vite, binaryen's wasm-opt)"
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

setup-python: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt streamlit_component/pyproject.toml
	@echo "==> Python virtual environment in $(VENV) (package in editable mode + test tools)"
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt -e ./streamlit_component
	@touch $@

build: setup-rust setup-node
	@echo "==> cargo build (release, $(WASM_TARGET))"
	cargo build --release --target $(WASM_TARGET)
	@echo "==> wasm-bindgen --target web"
	wasm-bindgen --target web --out-dir $(PKG) --out-name tabsync $(WASM_OUT)
	@echo "==> wasm-opt -Oz (binaryen from npm)"
	frontend/node_modules/.bin/wasm-opt -Oz --converge --strip-debug --strip-producers \
	  --enable-bulk-memory --enable-nontrapping-float-to-int \
	  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
	  $(PKG)/tabsync_bg.wasm -o $(PKG)/tabsync_bg.wasm
	@echo "==> vite build -> $(BUILD_DIR) (v1: index.html; v2: tabsync-v2-*.js)"
	cd frontend && node_modules/.bin/vite build --logLevel warn
	cd frontend && node_modules/.bin/vite build --mode v2 --logLevel warn
	@scripts/bundle-size.sh $(BUILD_DIR)

demo: setup build setup-python
	@echo "==> serving examples/dashboard.py on http://localhost:$(DEMO_PORT) (Ctrl-C stops)"
	$(VENV)/bin/streamlit run examples/dashboard.py --server.port $(DEMO_PORT) \
	  --server.headless true --browser.gatherUsageStats false

test: setup build lint test-rust test-wasm test-python test-floor test-wheel test-e2e test-floor-e2e
	@echo "==> all test layers passed"

# The inner loop: everything but the end-to-end layer (test-e2e, test-floor-e2e).
test-fast: setup build lint test-rust test-wasm test-python test-floor test-wheel
	@echo "==> fast test layers passed (end-to-end tests not run: make test)"

lint: setup-rust setup-python
	@echo "==> cargo fmt --check, clippy (wasm32 and native)"
	cargo fmt --check
	cargo clippy --target $(WASM_TARGET) --all-targets -- -D warnings
	cargo clippy --all-targets -- -D warnings
	@echo "==> ruff check (Python: package, tests, bench, scripts, examples; rules in ruff.toml)"
	$(VENV)/bin/ruff check .

test-rust: setup-rust
	@echo "==> Rust native tests (pure core, property tests)"
	cargo test

test-wasm: setup-rust setup-browser
	@echo "==> Rust browser tests (wasm-bindgen-test, headless Chromium)"
	cargo test --target $(WASM_TARGET)

test-python: setup-python setup-redis setup-postgres
	@echo "==> Python unit tests"
	$(PY) -m pytest tests/python -q

# The oldest Streamlit the package supports (streamlit_component/pyproject.toml), in its own venv.
FLOOR_STREAMLIT := 1.50.0
FLOOR_VENV      := .venv-floor

test-floor: $(FLOOR_VENV)/.installed setup-redis setup-postgres
	@echo "==> Python unit tests against the Streamlit floor ($(FLOOR_STREAMLIT))"
	$(FLOOR_VENV)/bin/python -m pytest tests/python -q

$(FLOOR_VENV)/.installed: requirements-dev.txt streamlit_component/pyproject.toml Makefile
	@echo "==> virtual environment $(FLOOR_VENV) with streamlit==$(FLOOR_STREAMLIT)"
	@test -x $(FLOOR_VENV)/bin/python || python3 -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip install --quiet "streamlit==$(FLOOR_STREAMLIT)" \
	  $$(grep -E '^(pytest|pytest-xdist|hypothesis|pydantic|playwright|redis|psycopg|psycopg-binary)==' \
	  requirements-dev.txt) -e ./streamlit_component
	@touch $@

# End-to-end tests on the floor, where Streamlit has only the v1 host: the engine, fault,
# integrity, error, invisibility and presence tests. The other files drive widgets by their
# markup (range slider thumbs, pills, keyboard steps), which Streamlit 1.50 draws differently.
FLOOR_E2E := tests/e2e/test_engine.py tests/e2e/test_faults.py tests/e2e/test_integrity.py \
             tests/e2e/test_app_errors.py tests/e2e/test_invisible_component.py \
             tests/e2e/test_presence.py

test-floor-e2e: $(FLOOR_VENV)/.installed setup-browser setup-redis setup-postgres build
	@echo "==> end-to-end tests, v1 host on the Streamlit floor ($(FLOOR_STREAMLIT))"
	@scripts/run-e2e.sh v1 $(FLOOR_VENV)/bin/python $(E2E_WORKERS) $(FLOOR_E2E)

test-wheel: setup-python setup-browser build
	@echo "==> wheel: build it, install it into a clean virtual environment, check its files, run an app from it in two browser tabs"
	@scripts/check-wheel.sh $(PY)

# The end-to-end layer runs in E2E_WORKERS pytest-xdist workers (scripts/run-e2e.sh), each with
# its own browser, Streamlit servers and redis-server on free ports, then the tests marked
# `alone` (across devices) in one process. In one process the layer leaves about half of 2
# cores idle (each test mostly waits for reruns); 3 workers fill them. Same machine and
# session: the layer took 729-886 s in four three-worker runs and 1148 s in a fifth at a
# noisier time (12 % CPU steal), against 1248 s in one process.
# Earlier three-worker runs exposed five load-only failures, each fixed (the harness: 650d852,
# 2ae0f85, eb155bd, 3512643; the product: 82ddd93); 3 became the default after five
# whole-layer runs in a row were green.
# E2E_WORKERS=0 runs everything in one process (to debug one test).
E2E_WORKERS ?= 3

# The whole suite once per Streamlit host (v2: the component module in the page; v1: the
# component iframe), both on the newest Streamlit.
E2E_HOSTS ?= v2 v1

test-e2e: setup-python setup-browser setup-redis setup-postgres build
	@for host in $(E2E_HOSTS); do \
	  echo "==> end-to-end tests, $$host host (real Streamlit server, tabs of headless Chromium)"; \
	  scripts/run-e2e.sh $$host $(PY) $(E2E_WORKERS) tests/e2e || exit 1; \
	done

# The bench environment: the package's dev environment plus bench/requirements.txt (the peer
# measured side by side, pinned), installed into the same .venv once per change of that file.
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): bench/requirements.txt $(VENV)/.installed
	@echo "==> bench requirements (bench/requirements.txt) into $(VENV)"
	$(PY) -m pip install --quiet -r bench/requirements.txt
	@touch $@

# Each part is a module of the bench package, run from the repository's root.
bench: setup-python setup-browser setup-redis setup-postgres build $(BENCH_STAMP)
	@echo "==> benchmarks (real Streamlit server, headless Chromium) -> bench/results.json"
	$(PY) -m bench.run
	@echo "==> across-devices benchmarks (two Streamlit servers, one redis-server, one PostgreSQL) -> bench/devices.json"
	$(PY) -m bench.devices
	@echo "==> presence benchmarks (leader hand-over, reruns per change, idle reruns) -> bench/presence.json"
	$(PY) -m bench.presence
	@echo "==> side by side with streamlit-server-state (A -> B, one write -> 10 and 20 idle sessions) -> bench/peer.json"
	$(PY) -m bench.peer

# Longer property/fuzz run of the decoder, merge, convergence and presence properties, of the
# differential tests of the JSON reader and writer against serde_json (release build), and of
# the stateful tests of the edit rule (Hypothesis).
FUZZ_SCALE ?= 20
fuzz: setup-rust setup-python
	@echo "==> property and differential tests x$(FUZZ_SCALE) (TABSYNC_FUZZ_SCALE)"
	TABSYNC_FUZZ_SCALE=$(FUZZ_SCALE) cargo test --release --test properties --test differential --test presence
	TABSYNC_FUZZ_SCALE=$(FUZZ_SCALE) $(PY) -m pytest tests/python/test_edit_rule_stateful.py -q \
	  --hypothesis-show-statistics

# Where the .wasm's bytes go (installs twiggy on first use).
size: build
	@scripts/size-report.sh

# Release archives. python -m build makes the sdist, then the wheel from that sdist (not from
# the source tree), which proves the sdist alone builds a working wheel (no Rust, no npm: the
# built frontend is inside).
DIST := dist

dist: setup-python setup-browser build
	@echo "==> sdist, then the wheel from it -> $(DIST)/"
	rm -rf $(DIST) streamlit_component/build
	@log=$$(mktemp) && trap 'rm -f "$$log"' EXIT && \
	  $(PY) -m build --outdir $(DIST) streamlit_component >"$$log" 2>&1 || { cat "$$log"; exit 1; }
	$(PY) -m twine check --strict $(DIST)/*
	$(PY) scripts/check-dist.py $(DIST)
	@echo "==> the wheel built from the sdist, installed into a clean environment, in two browser tabs"
	@scripts/check-wheel.sh $(PY) $(DIST)/*.whl

# The README's picture: the example dashboard in two real tabs, one edited, one following.
screenshots: setup-python setup-browser build
	@echo "==> screenshots of examples/dashboard.py in two tabs -> docs/"
	$(PY) -m scripts.screenshots docs

clean:
	rm -rf target $(PKG) $(BUILD_DIR) frontend/node_modules $(VENV) $(FLOOR_VENV) \
	  streamlit_component/dist streamlit_component/build $(DIST)
