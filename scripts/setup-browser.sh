#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the browser tests, if missing. (Downloads of
# browsers by test tools cannot work here; Debian's packages can.)
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
echo "==> apt-get install chromium chromium-driver"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
