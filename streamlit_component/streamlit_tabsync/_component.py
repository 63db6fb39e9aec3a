"""Declarations of the component, one per Streamlit host, and which host a tab uses.

* ``"v2"`` (Streamlit >= 1.51, the default there): ``st.components.v2.component`` runs the
  ES module ``frontend/tabsync-v2-*.js`` in the app page itself, no iframe.
* ``"v1"`` (older Streamlit): ``components.v1.declare_component`` serves
  ``frontend/index.html`` in an iframe of the app's own origin.

``TABSYNC_HOST=v1`` or ``v2`` (environment) forces one, for tests and as an escape hatch.
Release mode (the default) serves the frontend built into this package; ``TABSYNC_DEV_URL``
(for example ``http://localhost:5173``) points the v1 component at a dev server instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from . import _settings
from .errors import FrontendNotBuiltError, TabSyncError

#: Folder of the built frontend inside the installed package (filled by ``make build``).
BUILD_DIR = Path(__file__).resolve().parent / "frontend"

#: The Streamlit host of the component.
HostName = Literal["v1", "v2"]

#: Name of the v2 component: ``<distribution>.<name in the inner pyproject.toml>``.
V2_NAME = "streamlit-tabsync.tabsync"

_v1_func: Callable[..., Any] | None = None
_v2_func: Callable[..., Any] | None = None


def _has_v2() -> bool:
    try:
        import streamlit.components.v2  # noqa: F401
    except ImportError:
        return False
    return True


def chosen_host() -> HostName:
    """The host this process uses: ``TABSYNC_HOST`` if set, else v2 where Streamlit has it.

    Raises
    ------
    TabSyncError
        If ``TABSYNC_HOST`` is neither ``v1`` nor ``v2``, or asks for v2 on a Streamlit
        without it (before 1.51).
    """
    forced = _settings.forced_host()
    if forced not in ("", "v1", "v2"):
        raise TabSyncError(f"TABSYNC_HOST must be 'v1' or 'v2', got {forced!r}")
    if forced == "v2" and not _has_v2():
        raise TabSyncError("TABSYNC_HOST=v2 needs Streamlit 1.51 or newer")
    if forced:
        return forced  # type: ignore[return-value]
    return "v2" if _has_v2() and not _settings.dev_url() else "v1"


def _require_built(pattern: str) -> None:
    if not any(BUILD_DIR.glob(pattern)):
        raise FrontendNotBuiltError(
            f"The tabsync frontend is missing from {BUILD_DIR}. Install a released "
            f"wheel, or run `make build` in a source checkout."
        )


def component_func() -> Callable[..., Any]:
    """The v1 component, declared on first use (Streamlit registers it with the run).

    Raises
    ------
    FrontendNotBuiltError
        If neither a dev server URL is set nor the built frontend is present.
    """
    global _v1_func
    if _v1_func is None:
        import streamlit.components.v1 as components

        dev_url = _settings.dev_url()
        if dev_url:
            _v1_func = components.declare_component("tabsync", url=dev_url)
        else:
            _require_built("index.html")
            _v1_func = components.declare_component("tabsync", path=str(BUILD_DIR))
    return _v1_func


def _ignore_change() -> None:
    """The v2 state callback: the value is read where ``sync`` runs, nothing to do here."""


def mount(host: HostName, args: Mapping[str, Any], key: str) -> None:
    """Draw the (invisible) component of one ``sync`` call with its render args.

    Raises
    ------
    FrontendNotBuiltError
        If the built frontend is missing.
    """
    # One JSON text, not a dict: Streamlit looks for dataframes in every dict or list a
    # component is handed, which imports pandas (about 40,000 objects) into an app that may
    # never use it, and every script run ends with a full garbage collection that walks them,
    # stalling every session of the process (docs/performance.md#across-devices).
    text = json.dumps(dict(args), separators=(",", ":"))
    if host == "v1":
        component_func()(render_args=text, key=key, default=None, tab_index=-1)
        return
    global _v2_func
    if _v2_func is None:
        import streamlit as st

        _require_built("tabsync-v2-*.js")
        _v2_func = st.components.v2.component(V2_NAME, js="tabsync-v2-*.js")
    _v2_func(
        key=key,
        # Bytes: Streamlit hands a str to its dataframe check as well (which imports pandas).
        data=text.encode("utf-8"),
        default={"delivery": None},
        on_delivery_change=_ignore_change,
    )


def _preload_wasm_js() -> str:
    """A script that starts the .wasm download as soon as the page draws it (v2).

    Streamlit imports the v2 module first, and the module then fetches the .wasm: two
    requests in a row on every page load. Started from the page instead, the .wasm comes in
    parallel with the module, which picks the response up from ``__tabsyncWasm`` (and falls
    back to its own fetch if that failed). Empty when the build has no single .wasm.
    """
    wasm = list(BUILD_DIR.glob("*.wasm"))
    if len(wasm) != 1:
        return ""
    import streamlit as st

    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}" if base else ""
    url = f"{prefix}/_stcore/bidi-components/{V2_NAME}/{wasm[0].name}"
    return (
        '<script id="tabsync-preload">globalThis.__tabsyncWasm ??= '
        f"fetch({url!r}, {{credentials: 'same-origin'}});</script>"
    )


#: Hides the element st.html draws for the preload script (a script is not style-only
#: content, which Streamlit would keep out of the layout by itself).
_HIDE_PRELOAD_CSS = (
    '[data-testid="stElementContainer"]:has(script#tabsync-preload){display:none}'
)


def draw_helpers(host: HostName, key: str, hide_css: str) -> None:
    """Draw what goes with the component: its hiding rule, and (v2) the .wasm preload."""
    import streamlit as st

    style = f"<style>{hide_css}</style>"
    if host == "v2":
        try:
            preload = _preload_wasm_js()
            st.html(
                f"<style>{hide_css}{_HIDE_PRELOAD_CSS}</style>{preload}",
                unsafe_allow_javascript=True,
            )
            return
        except TypeError:  # a Streamlit without unsafe_allow_javascript: no preload
            pass
    st.html(style)


def delivery_in(host: HostName, value: Any) -> Any:
    """The delivery held in a component's session-state value (``None`` if none)."""
    if host == "v1":
        return value
    return value.get("delivery") if isinstance(value, Mapping) else None
