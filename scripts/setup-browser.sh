#!/usr/bin/env bash
# Installs Debian's Chromium, its headless shell and ChromeDriver for the browser tests, if
# missing. (Downloads of browsers by test tools cannot work here; Debian's packages can.)
# The end-to-end suite runs in the headless shell (see E2E_CHROMIUM in tests/support/browser.py);
# the wheel check, the Rust browser tests, the screenshots and the benchmarks in the full browser.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null \
  && command -v chromium-headless-shell >/dev/null; then
  exit 0
fi
echo "==> apt-get install chromium chromium-headless-shell chromium-driver"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
  chromium chromium-headless-shell chromium-driver >/dev/null
