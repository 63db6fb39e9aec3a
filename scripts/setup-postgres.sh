#!/usr/bin/env bash
# Installs Debian's PostgreSQL server for the relay tests (across devices), if missing. The
# test fixtures (tests/support/postgres_server.py) make their own clusters in temporary directories on
# free ports; the system service and its cluster are not used.
set -euo pipefail
PG_BIN=${TABSYNC_PG_BIN:-/usr/lib/postgresql/15/bin}
if [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/postgres" ] && [ -x "$PG_BIN/pg_isready" ]; then
  exit 0
fi
echo "==> apt-get install postgresql"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
# Debian starts its own cluster on port 5432; the tests never use it.
$SUDO service postgresql stop >/dev/null 2>&1 || true
if [ ! -x "$PG_BIN/initdb" ]; then
  echo "PostgreSQL installed, but not in $PG_BIN: set TABSYNC_PG_BIN to its bin folder" >&2
  exit 1
fi
