"""Which Streamlit host a tab uses, and how the component is kept out of the layout."""

from __future__ import annotations

import pytest

from streamlit_tabsync import TabSyncError
from streamlit_tabsync._compat import hide_css
from streamlit_tabsync._component import _has_v2, chosen_host, delivery_in


def test_the_newest_host_streamlit_has_is_the_default(monkeypatch):
    monkeypatch.delenv("TABSYNC_HOST", raising=False)
    monkeypatch.delenv("TABSYNC_DEV_URL", raising=False)
    assert chosen_host() == ("v2" if _has_v2() else "v1")


@pytest.mark.parametrize("forced", ["v1", "V1 "])
def test_tabsync_host_forces_v1(monkeypatch, forced):
    monkeypatch.setenv("TABSYNC_HOST", forced)
    assert chosen_host() == "v1"


def test_tabsync_host_v2_works_where_streamlit_has_it_and_says_why_not_elsewhere(monkeypatch):
    monkeypatch.setenv("TABSYNC_HOST", "v2")
    if _has_v2():
        assert chosen_host() == "v2"
    else:
        with pytest.raises(TabSyncError, match=r"1\.51"):
            chosen_host()


def test_an_unknown_host_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("TABSYNC_HOST", "v3")
    with pytest.raises(TabSyncError, match="'v1' or 'v2'"):
        chosen_host()


def test_the_delivery_is_the_v1_value_or_the_v2_state_field():
    delivery = {"id": "x-1"}
    assert delivery_in("v1", delivery) is delivery
    assert delivery_in("v2", {"delivery": delivery}) is delivery
    assert delivery_in("v2", None) is None
    assert delivery_in("v2", "junk") is None


def test_the_v2_hiding_rule_names_streamlits_class_for_the_key():
    # Streamlit's class: "st-key-" + the key, each character outside [A-Za-z0-9_-] as "-".
    assert hide_css("v2", "tabsync:gis.v2") == ".st-key-tabsync-gis-v2{display:none}"
    assert "iframe[title=" in hide_css("v1", "tabsync:gis")
