#!/usr/bin/env bash
# Installs Debian's redis-server for the relay tests (across devices), if missing. The test
# fixtures start their own servers on free ports; the system service is not used.
set -euo pipefail
if command -v redis-server >/dev/null; then
  exit 0
fi
echo "==> apt-get install redis-server"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
# Debian starts its own service on port 6379; the tests never use it.
$SUDO service redis-server stop >/dev/null 2>&1 || true
