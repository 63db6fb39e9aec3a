"""Declaration of the Streamlit component that hosts the WASM bridge.

Release mode (the default) serves the frontend built into this package. Setting the
environment variable ``TABSYNC_DEV_URL`` (for example ``http://localhost:5173``) points the
component at a running dev server instead, for work on the frontend itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from .errors import FrontendNotBuiltError

#: Folder of the built frontend inside the installed package (filled by ``make build``).
BUILD_DIR = Path(__file__).resolve().parent / "frontend"

_component_func: Callable[..., Any] | None = None


def component_func() -> Callable[..., Any]:
    """Return the declared component, declaring it on first use.

    Declaration is deferred to the first ``sync`` call because Streamlit registers components
    against the running script.

    Raises
    ------
    FrontendNotBuiltError
        If neither a dev server URL is set nor the built frontend is present.
    """
    global _component_func
    if _component_func is None:
        import streamlit.components.v1 as components

        dev_url = os.environ.get("TABSYNC_DEV_URL")
        if dev_url:
            _component_func = components.declare_component("tabsync", url=dev_url)
        else:
            if not (BUILD_DIR / "index.html").is_file():
                raise FrontendNotBuiltError(
                    f"The tabsync frontend is missing from {BUILD_DIR}. Install a released "
                    f"wheel, or run `make build` in a source checkout."
                )
            _component_func = components.declare_component("tabsync", path=str(BUILD_DIR))
    return _component_func
