"""The project's Python test code: ``tests.e2e`` (end to end), ``tests.support`` (what the
end-to-end tests, the benchmarks and the scripts share). A regular package, so that
``tests.support`` imports the same way from pytest, ``python -m bench.run`` and
``python -m scripts.<name>`` run from the repository's root, with no ``sys.path`` edits."""
