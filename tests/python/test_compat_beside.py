"""``_compat.widgets_changed_beside``: which keys saw another widget change in a rerun, read
from Streamlit's own widget state (AppTest runs the script as a browser would rerun it)."""

from streamlit.testing.v1 import AppTest

SCRIPT = """
import streamlit as st
from streamlit_tabsync import _compat
beside = _compat.widgets_changed_beside(["zoom", "title"])
st.slider("Zoom", 1, 20, 5, key="zoom")
st.text_input("Title", "untitled", key="title")
st.button("Go")
with st.form("f"):
    st.text_input("Note", "", key="note")
    st.form_submit_button("Send")
st.text(f"{beside.get('zoom')}|{beside.get('title')}")
"""


def beside_of(at: AppTest) -> str:
    return at.text[0].value


def test_a_changed_slider_counts_for_the_other_keys_but_not_its_own():
    at = AppTest.from_string(SCRIPT, default_timeout=30).run()
    assert beside_of(at) == "False|False"  # first run: nothing changed
    at.slider(key="zoom").set_value(7).run()
    assert beside_of(at) == "False|True"


def test_a_rerun_with_no_change_counts_nothing():
    at = AppTest.from_string(SCRIPT, default_timeout=30).run()
    at.slider(key="zoom").set_value(7).run()
    at.run()
    assert beside_of(at) == "False|False"


def test_buttons_and_form_submits_do_not_count():
    at = AppTest.from_string(SCRIPT, default_timeout=30).run()
    at.button[0].click().run()
    assert beside_of(at) == "False|False"
    at.button[1].click().run()  # the form's submit button, nothing else changed in the form
    assert beside_of(at) == "False|False"


def test_a_changed_form_field_counts_for_the_keys_outside_the_form():
    at = AppTest.from_string(SCRIPT, default_timeout=30).run()
    at.text_input(key="note").input("hello")
    at.button[1].click().run()
    assert beside_of(at) == "True|True"
