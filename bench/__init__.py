"""``make bench``: the benchmarks of streamlit-tabsync, run from the repository's root as
``python -m bench.run`` (both Streamlit hosts), ``python -m bench.devices``,
``python -m bench.presence`` and ``python -m bench.peer`` (the closest peer side by side).
See ``bench/README.md``."""
