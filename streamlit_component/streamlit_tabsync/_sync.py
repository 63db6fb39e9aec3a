"""The public :func:`sync` call: glue between Streamlit's session state and the component."""

from __future__ import annotations

import hashlib
import re
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

import streamlit as st

from . import _compat
from ._component import chosen_host, delivery_in, draw_helpers, mount
from ._state import ChannelState, Conflict
from ._validate import Validator
from .errors import TabSyncError, WidgetAlreadyCreatedError

ConflictPolicy = Literal["lww", "reject"]
"""``"lww"``: last writer wins. ``"reject"``: an edit made on a value that another tab has
since replaced is not written; the tab gets the stored value and the conflict is reported."""

SyncStatus = Literal["starting", "live", "degraded", "blocked"]
"""Where a tab stands: ``starting`` until the shared state has been read, then ``live``;
``degraded`` when something is wrong but sync goes on (a write failed, for example storage is
full; or storage is denied and the open tabs sync over ``BroadcastChannel`` without
persistence: :attr:`SyncInfo.error` says which); ``blocked`` when neither storage nor
``BroadcastChannel`` works, in which case the tab works on its own."""

_STATE_PREFIX = "_tabsync_state:"
_CHANNEL_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")

@dataclass(frozen=True)
class SyncInfo:
    """What :func:`sync` did in this run.

    Attributes
    ----------
    tab_id : str
        Random id of this tab's sync instance, stable across reruns: one per Streamlit
        session (browser tab), component ``key`` and namespace, so two ``sync`` calls with
        different channels in one tab have different ids, and a tab whose ``user`` changes
        gets a new one. It breaks ties between stamps and prefixes this tab's edit ids.
    channel : str
        The namespace the keys are shared in.
    status : SyncStatus
        ``"starting"`` on a tab's first run, before the shared state has been read; ``"live"``
        once it has; ``"degraded"`` or ``"blocked"`` when something is wrong (see
        :data:`SyncStatus`; :attr:`error` says what).
    applied : tuple of str
        Keys whose values from other tabs were applied in this run.
    rejected : dict of str to str
        Keys whose values from other tabs were not applied, with the reason.
    conflicts : tuple of Conflict
        This tab's edits refused in this run under ``conflict="reject"``.
    last_update : datetime or None
        When a value from another tab was last applied in this tab (UTC).
    error : str or None
        The last problem the browser side reported, if any.
    ignored : int
        How many entries (from storage or another tab) the browser side ignored as invalid
        since the component started: malformed, oversized, from the far future.
    restored : tuple of str
        Keys whose shared value was put back in this run instead of being shared: the key
        had vanished from session state (a page switch, a widget not drawn in some runs, or
        ``del st.session_state[key]``), or the browser still reported a widget's previous
        value right after another tab's value was applied.
    """

    tab_id: str
    channel: str
    status: SyncStatus
    applied: tuple[str, ...] = ()
    rejected: dict[str, str] = field(default_factory=dict)
    conflicts: tuple[Conflict, ...] = ()
    last_update: datetime | None = None
    error: str | None = None
    ignored: int = 0
    restored: tuple[str, ...] = ()


def _default_channel() -> str:
    """One namespace per app: a short hash of the main script's path."""
    path = _compat.main_script_path()
    return "app-" + hashlib.sha256(path.encode("utf-8")).hexdigest()[:12]


def _check_keys(keys: Sequence[str] | Mapping[str, Validator | None]) -> dict[str, Validator | None]:
    """The bound keys with their validators (``None``: the default type check)."""
    if isinstance(keys, Mapping):
        pairs = list(keys.items())
    elif isinstance(keys, str) or not isinstance(keys, Sequence):
        raise TabSyncError("keys must be a list of session_state key names, e.g. ['zoom']")
    else:
        pairs = [(k, None) for k in keys]
    if not pairs:
        raise TabSyncError("keys must name at least one session_state key")
    checked: dict[str, Validator | None] = {}
    for key, validator in pairs:
        if not isinstance(key, str) or not key:
            raise TabSyncError(f"every key must be a non-empty string, got {key!r}")
        if key in checked:
            raise TabSyncError(f"keys must not repeat, {key!r} does")
        if validator is not None and not callable(validator):
            raise TabSyncError(
                f"the validator of {key!r} must be a type or a callable, got {validator!r}"
            )
        checked[key] = validator
    return checked


def _user_id(user: Any) -> str:
    """A stable id for ``user``: a string, or a mapping like ``st.user`` (email, else sub)."""
    if isinstance(user, str):
        if not user:
            raise TabSyncError("user must not be empty")
        return user
    getter = getattr(user, "get", None)
    if callable(getter):
        if getter("is_logged_in") is False:
            return "\0anonymous"
        for field_name in ("email", "sub", "id"):
            value = getter(field_name)
            if isinstance(value, str) and value:
                return value
    raise TabSyncError(
        "user must be a string id or a mapping with an 'email' or 'sub' (such as st.user)"
    )


def _scoped(namespace: str, user: Any) -> str:
    """The namespace of ``user`` within ``namespace``: only a hash of the id is stored."""
    digest = hashlib.sha256(f"{namespace}\0{_user_id(user)}".encode("utf-8")).hexdigest()
    return "u-" + digest[:32]


def sync(
    keys: Sequence[str] | Mapping[str, Validator | None],
    *,
    channel: str | None = None,
    user: Any = None,
    ttl: float | None = None,
    conflict: ConflictPolicy = "lww",
    on_conflict: Callable[[str, Any, Any], None] | None = None,
    on_change: Callable[[SyncInfo], None] | None = None,
    key: str | None = None,
) -> SyncInfo:
    """Keep the listed ``st.session_state`` keys in step across this browser's tabs.

    Call it once per run, before the widgets bound to ``keys``: a value changed in another tab
    is then already in ``st.session_state`` when those widgets are drawn.

    Parameters
    ----------
    keys : sequence of str, or mapping of str to validator
        The session state keys to share (usually widget keys). As a mapping, each key's
        validator decides which values from other tabs it accepts: a type (``int``,
        ``str``, ...), a pydantic model class, or a callable returning a bool; ``None``
        keeps the default check (the JSON type of the key's current value).
    channel : str, optional
        Namespace of the shared state: letters, digits, ``_``, ``.`` and ``-``, at most 64.
        Defaults to one namespace per app (derived from the main script's path).
    user : str or mapping, optional
        Scope the shared state to a signed-in user: a user id, or ``st.user``. Tabs of
        different users never see each other's values, even in one browser. Only a hash of
        the id is stored.
    ttl : float, optional
        Time to live of shared values, in seconds. Values written longer ago are ignored
        when read and removed from storage, so a tab opened later never brings them back.
    conflict : {"lww", "reject"}, default "lww"
        ``"lww"``: concurrent edits of one key resolve to the last write. ``"reject"``
        (optimistic locking): an edit made on a value another tab has since replaced is not
        written; this tab gets the stored value instead and the conflict is reported in
        :attr:`SyncInfo.conflicts` and to ``on_conflict``. The check is atomic across tabs
        through the Web Locks API; where a browser lacks it, it is made without the lock
        and :attr:`SyncInfo.error` says so.
    on_conflict : callable, optional
        Called as ``on_conflict(key, mine, theirs)`` once per refused edit, in the run that
        learns of it, before the widgets are drawn.
    on_change : callable, optional
        Called as ``on_change(info)`` (``info`` being the :class:`SyncInfo` this call
        returns) once in each run where values from other tabs were applied, after they are
        in ``st.session_state`` and before the widgets are drawn; ``info.applied`` names the
        keys. Not called for this tab's own edits. A value put back after a refused edit
        (``conflict="reject"``) counts as applied, after ``on_conflict`` is called.
    key : str, optional
        Key of the (invisible) component. Defaults to one derived from ``channel``, so two
        ``sync`` calls with different channels can coexist in one script.

    Returns
    -------
    SyncInfo
        This tab's id, its status and which keys were applied from other tabs in this run.

    Raises
    ------
    WidgetAlreadyCreatedError
        If the widget of a bound key was created earlier in this run.
    UnshareableValueError
        If a bound key holds a value that is not JSON data or is too large to share.
    TabSyncError
        If ``keys`` or ``channel`` is malformed.
    """
    validators = _check_keys(keys)
    bound = list(validators)
    channel_name = channel if channel is not None else _default_channel()
    if not isinstance(channel_name, str) or not _CHANNEL_RE.match(channel_name):
        raise TabSyncError(
            f"channel must be 1-64 letters, digits, '_', '.' or '-', got {channel_name!r}"
        )
    namespace = channel_name if user is None else _scoped(channel_name, user)
    if conflict not in ("lww", "reject"):
        raise TabSyncError(f'conflict must be "lww" or "reject", got {conflict!r}')
    ttl_ms: int | None = None
    if ttl is not None:
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl > 0:
            raise TabSyncError(f"ttl must be a positive number of seconds, got {ttl!r}")
        ttl_ms = math.ceil(ttl * 1000)
    for name, callback in (("on_conflict", on_conflict), ("on_change", on_change)):
        if callback is not None and not callable(callback):
            raise TabSyncError(f"{name} must be a callable or None, got {callback!r}")
    component_key = key if key is not None else f"tabsync:{channel_name}"

    created = _compat.widget_keys_this_run()
    for bound_key in bound:
        if bound_key in created:
            raise WidgetAlreadyCreatedError(bound_key)

    session = st.session_state
    # Per namespace: a tab whose user changes starts afresh, keeping nothing of the last one.
    state_key = f"{_STATE_PREFIX}{component_key}:{namespace}"
    state = session.get(state_key)
    if not isinstance(state, ChannelState):
        state = ChannelState(namespace=namespace)
        session[state_key] = state

    page = _compat.page_key()
    # Back from another page: the previous run did not show this page's widgets, so a
    # user cannot have edited them (see ChannelState.detect_edits). A run that merely
    # skipped sync() on the same page does not count: its widgets may have been shown and
    # edited (the edit is then shared when sync() runs again).
    returned = state.live and state.page is not None and state.page != page
    state.page = page
    current = {k: session[k] for k in bound if k in session}
    # A bound key that vanished (page switch, widget not drawn, del) gets the shared value
    # back before its widget is drawn: its widget's default is not an edit.
    restored = state.put_back_vanished(bound, current, page)
    host = chosen_host()
    delivery = delivery_in(host, session.get(component_key))
    # A delivery not processed yet means the component requested this rerun, not the user.
    news = isinstance(delivery, dict) and delivery.get("id") != state.last_delivery
    edited, put_back = state.detect_edits(
        bound,
        current,
        _compat.assigned_by_api(bound),
        news=news,
        returned=returned,
        # Only settling keys consult it (see ChannelState.detect_edits): skip the probe of
        # Streamlit's widget state on ordinary reruns.
        changed=_compat.widgets_changed(bound) if returned or state.settling else None,
    )
    restored += put_back
    for item in restored:
        session[item.key] = item.value
        current[item.key] = item.value
    outcome = state.take_delivery(
        delivery, bound, current, edited, validators, page=page
    )
    for item in outcome.applied:
        session[item.key] = item.value
        current[item.key] = item.value
    state.remember_shapes(page, current)
    if on_conflict is not None:
        for found in outcome.conflicts:
            on_conflict(found.key, found.mine, found.theirs)

    draw_helpers(host, component_key, _compat.hide_css(host, component_key))
    args = state.render_args(namespace, bound, ttl_ms=ttl_ms, conflict=conflict)
    mount(host, args, component_key)

    status: SyncStatus = "starting"
    if state.live or state.browser_status == "blocked":
        # "blocked" can come before the first shared state: the browser side could not
        # start (no storage and no channel, or render args it could not read).
        status = state.browser_status  # type: ignore[assignment]
    last = state.last_update
    info = SyncInfo(
        tab_id=state.tab_id,
        channel=channel_name,
        status=status,
        applied=tuple(item.key for item in outcome.applied),
        rejected={item.key: item.reason for item in outcome.rejected},
        conflicts=tuple(outcome.conflicts),
        last_update=datetime.fromtimestamp(last, tz=timezone.utc) if last else None,
        error=state.browser_error,
        ignored=state.ignored,
        restored=tuple(dict.fromkeys(item.key for item in restored)),
    )
    if on_change is not None and info.applied:
        on_change(info)
    return info
