"""Helper scripts of the Makefile; the Python ones run as modules from the repository's root
(``python -m scripts.screenshots``, ``python -m scripts.wheel_smoke``)."""
