"""Every use of Streamlit's private APIs, in one place, each with a documented fallback.

Streamlit offers no public way to learn which widgets a run has drawn, whether a session
state key was assigned through the API, or which page a run draws. Each probe below reads a
private attribute that has been stable from 1.50 to 1.67; when one is missing (a future
release), the probe degrades as its docstring says instead of raising in the app.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from typing import Any

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


def _session_state_internals() -> Any:
    """Streamlit's private ``SessionState`` behind ``st.session_state`` (widget states, the
    key-to-widget-id map, the change test). Raises whatever a release without it raises:
    callers catch it and fall back."""
    from streamlit.runtime.state import get_session_state

    return get_session_state()._state


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
        state = _session_state_internals()
        mapper = state._key_id_mapper
        new = state._new_widget_state
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


def widgets_changed_beside(keys: Iterable[str]) -> dict[str, bool]:
    """Per key, whether the browser changed the state of some *other* widget in this rerun.

    A user's action changes one widget; a stale copy of a key's previous value (the browser
    had not drawn the run that applied another tab's value) reaches the server together with
    that action on another widget. Buttons (trigger widgets, a form's submit button among
    them) are left out, so a set-back submitted alone in a form stays an edit (submitted
    with another changed field of the form, it is put back once: the price of the rule).

    Fallback: an empty dict (unknown), which leaves the decision to the grace period.
    """
    try:
        state = _session_state_internals()
        widgets = state._new_widget_state
        metadata = widgets.widget_metadata
        changed = set()
        for widget_id in list(widgets.keys()):
            meta = metadata.get(widget_id)
            if meta is None or "trigger" in meta.value_type:
                continue
            try:
                if state._widget_changed(widget_id):
                    changed.add(widget_id)
            except Exception:  # noqa: BLE001 - one unreadable widget state: not counted
                continue
        mapper = state._key_id_mapper
        return {key: bool(changed - {mapper.get_id_from_key(key, None)}) for key in keys}
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


def session_id() -> str | None:
    """Id of the session running this script (public: the script run context)."""
    ctx = get_script_run_ctx()
    return getattr(ctx, "session_id", None) if ctx is not None else None


def _app_session(session_id: str) -> object | None:
    """The running ``AppSession`` of ``session_id``, or ``None`` when it has ended."""
    from streamlit import runtime

    if not runtime.exists():
        return None
    instance = runtime.get_instance()
    getter = getattr(instance, "get_app_session", None)  # public-ish since 1.67
    if callable(getter):
        return getter(session_id)
    manager = getattr(instance, "_session_mgr", None)  # 1.18 .. 1.66
    info = manager.get_active_session_info(session_id) if manager is not None else None
    return getattr(info, "session", None)


def can_rerun_sessions() -> bool:
    """Whether :func:`rerun_session` works on this Streamlit (probed on this session).

    Fallback when it does not: ``sync(across="devices")`` polls for news in a fragment with
    ``run_every`` (public API), at the cost of a run every interval.
    """
    sid = session_id()
    if sid is None:
        return False
    try:
        from streamlit.proto.ClientState_pb2 import ClientState  # noqa: F401
        from streamlit.runtime.app_session import AppSessionState

        session = _app_session(sid)
        return (
            session is not None
            and callable(getattr(session, "request_rerun", None))
            and hasattr(session, "_client_state")
            and hasattr(session, "_event_loop")
            and isinstance(getattr(session, "_state", None), AppSessionState)
        )
    except Exception:  # noqa: BLE001 - any change in the internals means "no"
        return False


#: How long a rerun waits for a running session to finish, in seconds (then it is dropped:
#: the session is busy for that long, and its next run reads the relay anyway).
_RERUN_PATIENCE_S = 30.0
_RERUN_RETRY_S = 0.05


def fresh_widget_states(keys: Iterable[str]) -> bool | None:
    """Whether the browser reported a state for some bound key's widget in this rerun.

    A run the server asked for (:func:`rerun_session`) carries no widget states: its widget
    values are what the previous run drew. A rerun the browser asked for carries the state
    of every widget it shows. ``None`` when no bound key has a widget yet (a first run) or
    the probe fails.

    Fallback: ``None`` (unknown), which only loses the server run's certainty that its
    values are not the browser's (its edits are then checked as a browser run's are).
    """
    try:
        state = _session_state_internals()
        mapper = state._key_id_mapper
        new = state._new_widget_state
        ids = [mapper.get_id_from_key(key, None) for key in keys]
        ids = [widget_id for widget_id in ids if widget_id is not None]
        if not ids:
            return None
        return any(widget_id in new for widget_id in ids)
    except Exception:  # noqa: BLE001 - private API: degrade, never raise in the script
        return None


def run_location() -> tuple[str, str] | None:
    """Where this run is: its query string and page script hash (public attributes of the
    script run context), for :func:`rerun_session` to run the session there again.

    Fallback: ``None``, with which a rerun uses the session's last saved client state (which
    Streamlit only saves when a script runner shuts down: until then it is empty).
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    query, page = getattr(ctx, "query_string", None), getattr(ctx, "page_script_hash", None)
    if not isinstance(query, str) or not isinstance(page, str):
        return None
    return (query, page)


def rerun_session(
    session_id: str,
    wanted: Callable[[], bool] | None = None,
    location: tuple[str, str] | None = None,
) -> bool:
    """Ask another session to run its whole script again, with no widget states.

    Called from any thread. The rerun is requested on the server's event loop, only while
    the session has no script runner (a request while one exists, running or about to run
    the browser's request, would replace the user's run and its widget states), with
    a copy of the session's last client state (so a multipage app stays on its page) whose
    fragment id is cleared (the whole script runs) and whose widget states are left out:
    the run's widget values are then what the session's last run drew, never a browser's
    report older than that (see :func:`fresh_widget_states`). ``wanted`` is asked before
    each attempt: when it says no (the news was read meanwhile), the rerun is dropped.
    ``location`` (:func:`run_location` of the session's last run of ``sync``) sets the query
    string and page: Streamlit saves a session's client state only when its script runner
    shuts down, so right after a session's first run the saved one has neither, and a rerun
    from it would lose the page's query parameters (and, in a multipage app, its page).

    Returns
    -------
    bool
        False when the session has ended (the caller forgets it), True otherwise.
    """
    try:
        from streamlit.proto.ClientState_pb2 import ClientState
        from streamlit.runtime.app_session import AppSessionState

        session: Any = _app_session(session_id)
        if session is None:
            return False
        loop = session._event_loop
    except Exception:  # noqa: BLE001
        return False
    tries = int(_RERUN_PATIENCE_S / _RERUN_RETRY_S)

    def attempt(left: int) -> None:
        state = session._state
        if state == AppSessionState.SHUTDOWN_REQUESTED:
            return
        if wanted is not None and not wanted():
            return
        # A runner that exists has a run going or about to start (the browser's request
        # made it before its state says running): with fast reruns, a request now would stop
        # that run and replace the user's widget states with none. Wait for it to end.
        if state == AppSessionState.APP_IS_RUNNING or getattr(session, "_scriptrunner", None):
            if left > 0:
                loop.call_later(_RERUN_RETRY_S, attempt, left - 1)
            return
        client_state = ClientState()
        client_state.CopyFrom(session._client_state)
        client_state.fragment_id = ""
        if location is not None:
            client_state.query_string, page = location
            if page:
                client_state.page_script_hash = page
        # An empty (not absent) set of widget states: Streamlit still starts the run from
        # the values the last run drew, and no callback fires.
        client_state.widget_states.Clear()
        session.request_rerun(client_state)

    try:
        loop.call_soon_threadsafe(attempt, tries)
    except RuntimeError:  # the loop is closed: the server is shutting down
        return False
    return True
