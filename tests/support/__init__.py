"""What the end-to-end tests (``tests/e2e``), the benchmarks (``bench/``) and the scripts
(``scripts/``) share: Streamlit servers (:mod:`.servers`), the browser (:mod:`.browser`), a
real ``redis-server`` (:mod:`.redis_server`) and waiting for quiet (:mod:`.quiet`).

Nothing here depends on pytest: a failure is an exception, which a test reports as a failure
and a benchmark as an error.
"""
