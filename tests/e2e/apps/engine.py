"""Test app of the engine and fault tests: a few synced keys and everything ``SyncInfo`` says.

Configured by query parameters, so one server serves every variant:

* ``ttl=<seconds>``: ``sync(..., ttl=...)``;
* ``conflict=reject``: ``sync(..., conflict="reject", on_conflict=...)``;
* ``ch=<channel>``: the channel (default ``e2e-engine``).

Synced keys: ``note`` (text input), ``count`` (integer number input), ``prefs`` (a dict held
in session state, no widget) and ``beat`` (an int held in session state, no widget: the tests
write it from outside as a barrier). Two unsynced checkboxes re-create the component iframe:
"Paused" skips the ``sync`` call (the iframe is removed, and comes back with the same key
when unticked); "Alt key" passes another component ``key=``.

Printed lines (``st.text``, last so they describe a finished run): ``value:<key>=<repr>``,
``status=``, ``error=``, ``applied=``, ``rejected=`` (this run), ``rejected_log=`` (keys
ever rejected in this session), ``conflicts=`` (this run), ``conflict_log=`` (every
``on_conflict`` call as ``key:mine->theirs``), ``conflict_calls=``, ``change_log=`` (every
``on_change`` call as ``key=<repr>,...``, values as read in the callback), ``tab=``,
``ignored=`` (invalid entries the browser side ignored), ``restored=`` (keys put back in this
run), ``runs=``.
"""

import streamlit as st

import streamlit_tabsync as tabsync

KEYS = ["note", "count", "prefs", "beat"]

params = st.query_params
channel = params.get("ch", "e2e-engine")
ttl = float(params["ttl"]) if "ttl" in params else None
conflict = params.get("conflict", "lww")

state = st.session_state
state["_runs"] = state.get("_runs", 0) + 1
state.setdefault("prefs", {"theme": "light"})
state.setdefault("beat", 0)
state.setdefault("_conflict_log", [])
state.setdefault("_rejected_log", [])
state.setdefault("_change_log", [])


def _on_conflict(key, mine, theirs):
    state["_conflict_log"].append(f"{key}:{mine!r}->{theirs!r}")


def _on_change(info):
    # Drawn below: proves the applied values are in session state when it is called.
    applied = ",".join(f"{k}={state[k]!r}" for k in info.applied)
    state["_change_log"].append(applied)


paused = st.checkbox("Paused", key="paused")
alt = st.checkbox("Alt key", key="alt")

info = None
if not paused:
    info = tabsync.sync(
        KEYS,
        channel=channel,
        ttl=ttl,
        conflict=conflict,
        on_conflict=_on_conflict if conflict == "reject" else None,
        on_change=_on_change,
        key="tabsync-alt" if alt else None,
    )
    for key in info.rejected:
        if key not in state["_rejected_log"]:
            state["_rejected_log"].append(key)

st.text_input("Note", value="untitled", key="note")
st.number_input("Count", value=0, step=1, key="count")

for key in KEYS:
    st.text(f"value:{key}={state[key]!r}")
if info is None:
    st.text("status=paused")
else:
    st.text(f"status={info.status}")
    st.text(f"error={info.error}")
    st.text(f"applied={','.join(info.applied)}")
    st.text(f"rejected={';'.join(f'{k}:{r}' for k, r in sorted(info.rejected.items()))}")
    st.text(f"conflicts={';'.join(f'{c.key}:{c.mine!r}->{c.theirs!r}' for c in info.conflicts)}")
    st.text(f"tab={info.tab_id}")
    st.text(f"ignored={info.ignored}")
    st.text(f"restored={','.join(info.restored)}")
st.text(f"rejected_log={','.join(state['_rejected_log'])}")
st.text(f"conflict_log={' | '.join(state['_conflict_log'])}")
st.text(f"conflict_calls={len(state['_conflict_log'])}")
st.text(f"change_log={' | '.join(state['_change_log'])}")
st.text(f"runs={state['_runs']}")
