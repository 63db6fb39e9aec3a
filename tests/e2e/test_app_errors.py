"""Misuse is reported in the app."""

from __future__ import annotations

from playwright.sync_api import expect

from .harness import Profile, StreamlitServer


def test_sync_after_its_bound_widget_raises_tabsync_error_in_the_app(
    late_sync_app: StreamlitServer, profile: Profile
) -> None:
    (tab,) = profile.open_tabs(late_sync_app.url, 1, status=None)

    # Caught as the library's base class, then shown by Streamlit as an uncaught exception.
    expect(tab.line("caught:")).to_have_text("caught:WidgetAlreadyCreatedError")
    error = tab.page.get_by_test_id("stException")
    expect(error).to_contain_text("WidgetAlreadyCreatedError")
    expect(error).to_contain_text("'zoom' was created before tabsync.sync()")
    expect(tab.line("unreachable")).to_have_count(0)
