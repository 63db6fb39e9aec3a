"""Every use of Streamlit's private APIs, in one place, each with a documented fallback.

Streamlit offers no public way to learn which widgets a run has drawn, whether a session
state key was assigned through the API, or which page a run draws. Each probe below reads a
private attribute that has been stable from 1.50 to 1.67; when one is missing (a future
release), the probe degrades as its docstring says instead of raising in the app.
"""

from __future__ import annotations

from collections.abc import Container, Iterable

from streamlit.runtime.scriptrunner import get_script_run_ctx


def widget_keys_this_run() -> Container[str]:
    """User keys of the widgets drawn so far in this run.

    Fallback: an empty collection, which only loses the early
    :class:`~streamlit_tabsync.WidgetAlreadyCreatedError` (Streamlit then raises its own
    error when a value is assigned after the widget).
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return ()
    # Streamlit 1.6x keeps this set (a ThreadSafeSet, not a collections.abc type) on
    # ctx.shared; earlier releases on ctx itself.
    keys = getattr(getattr(ctx, "shared", ctx), "widget_user_keys_this_run", ())
    return keys if hasattr(keys, "__contains__") else ()


def assigned_by_api(keys: Iterable[str]) -> set[str]:
    """Keys assigned through the Session State API since the last run (callbacks included).

    Fallback: no key counts as assigned, which only loses the rule that an assignment by app
    code is always shared (a "reset" button setting back a value just replaced by another
    tab is then put back once).
    """
    try:
        from streamlit.runtime.state import get_session_state

        state = get_session_state()
        return {k for k in keys if state.is_new_state_value(k)}
    except Exception:  # noqa: BLE001 - private API: degrade, never raise in the script
        return set()


def page_key() -> str:
    """An id of the page this run draws (its script hash).

    Fallback: ``""`` (one page), which only loses the per-page shape of vanished keys.
    """
    ctx = get_script_run_ctx()
    value = getattr(ctx, "page_script_hash", "") if ctx is not None else ""
    return value if isinstance(value, str) else ""


def main_script_path() -> str:
    """Path of the app's main script; fallback ``"app"`` outside a script run."""
    ctx = get_script_run_ctx()
    value = getattr(ctx, "main_script_path", None) if ctx is not None else None
    return value if isinstance(value, str) and value else "app"


def widgets_changed(keys: Iterable[str]) -> dict[str, bool | None]:
    """Per key, whether the browser changed the key's widget in this rerun.

    ``True`` when the browser reported a state for the key's widget that differs from the
    value the previous run drew (Streamlit's own test for ``on_change``), ``False`` when it
    reported none or the same one (the key's value is then not a user's edit: a leftover of
    another page, or the default its widget drew), ``None`` for a key without a widget.

    Fallback: ``None`` for every key (unknown), which only loses the rule that an unchanged
    widget's value is never shared.
    """
    try:
        from streamlit.runtime.state import get_session_state

        state = get_session_state()._state
        mapper = state._key_id_mapper
        new, old = state._new_widget_state, state._old_state
        out: dict[str, bool | None] = {}
        for key in keys:
            widget_id = mapper.get_id_from_key(key, None)
            if widget_id is None:
                out[key] = None
            elif widget_id not in new:
                out[key] = False
            else:
                out[key] = bool(state._widget_changed(widget_id))
        return out
    except Exception:  # noqa: BLE001 - private API: degrade, never raise in the script
        return {}


def hide_css(host: str, key: str) -> str:
    """A style rule that makes the component of ``key`` take no space (it keeps running).

    Relies on Streamlit's DOM, which no API promises: the v1 iframe's title and the
    ``stElementContainer`` test id (v1), the ``st-key-<key>`` class of a keyed element (v2).
    Fallback, if a release changes them: the component shows as an empty element with
    Streamlit's usual gap (the e2e test ``test_component_takes_no_vertical_space`` fails).
    """
    if host == "v1":
        return (
            '[data-testid="stElementContainer"]:has(iframe[title='
            '"streamlit_tabsync._component.tabsync"])'
            "{position:absolute;width:0;height:0;overflow:hidden;margin:0;padding:0}"
        )
    # Streamlit's class for a keyed element: its key with every other character as "-".
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "_-") else "-" for c in key.strip())
    return f".st-key-{safe}{{display:none}}"
