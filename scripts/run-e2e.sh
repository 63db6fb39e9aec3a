#!/bin/sh
# Runs end-to-end test files on one Streamlit host, in pytest-xdist workers where it is safe.
#
#   scripts/run-e2e.sh HOST PYTHON WORKERS FILE...
#
# WORKERS=0: every test in one process. Otherwise two passes: the tests not marked `alone` in
# WORKERS workers (each with its own browser, Streamlit servers and redis-server on free
# ports), then the `alone` tests in one process, with no other test loading the machine (see
# the marker's registration in tests/e2e/conftest.py for why they need that).
set -eu
host=$1 python=$2 workers=$3
shift 3
run() {
    TABSYNC_HOST=$host "$python" -m pytest "$@" -q -p no:cacheprovider --durations=10
}
if [ "$workers" = 0 ]; then
    run "$@"
    exit
fi
echo "--> $workers workers: every test not marked alone"
run -n "$workers" -m "not alone" "$@"
echo "--> one process: the tests marked alone"
status=0
run -m alone "$@" || status=$?
# 5 is pytest's "no tests collected": these files have no test marked alone.
[ "$status" = 0 ] || [ "$status" = 5 ]
