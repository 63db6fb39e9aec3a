"""Main page of the round-trip app: binds ``level`` (a number input whose default is -1000).

Other pages: ``blank`` binds nothing (no ``sync`` call), ``slider`` binds ``level`` with a
slider. "Hide level" leaves the number input out of the run (Streamlit then drops its
state); "Forget level" deletes ``level`` from session state in a callback. None of these is
an edit: the tab must come back showing the shared value and publish nothing.
"""

import streamlit as st

import streamlit_tabsync as tabsync

state = st.session_state
state["_runs"] = runs = state.get("_runs", 0) + 1


def _forget() -> None:
    state.pop("level", None)


hide = st.checkbox("Hide level", key="hide")
st.button("Forget level", on_click=_forget)
info = tabsync.sync(["level"], channel="rt")
if not hide:
    st.number_input("Level", min_value=-1000, max_value=1000, step=1, key="level")

st.text("page=main")
st.text(f"value:level={state.get('level', 'absent')!r}")
st.text(f"status={info.status}")
st.text(f"restored={','.join(info.restored)}")
st.text(f"runs={runs}")
