"""The component is invisible: it takes no space on the page, yet it syncs."""

from __future__ import annotations

from playwright.sync_api import expect

from .harness import HOST, Profile, StreamlitServer, component_locator


def test_component_takes_no_vertical_space_and_still_syncs(
    basic_app: StreamlitServer, profile: Profile
) -> None:
    a, b = profile.open_tabs(basic_app.url, 2)

    for tab in (a, b):
        page = tab.page
        component = component_locator(page)
        expect(component).to_have_count(1)
        container = (
            page.get_by_test_id("stElementContainer").filter(has=component)
            if HOST == "v1"
            else component  # v2: the keyed element container itself
        )
        box = container.bounding_box()
        assert box is None or box["height"] == 0, f"component container takes space: {box}"
        # sync() is the first call of the script: the first widget sits at the very top of the
        # main block, with no gap left by the component (or its style element) above it.
        block_top = page.get_by_test_id("stMainBlockContainer").bounding_box()["y"]
        first_widget = page.get_by_test_id("stElementContainer").filter(
            has=page.get_by_test_id("stSlider")
        ).first
        padding_top = page.get_by_test_id("stMainBlockContainer").evaluate(
            "el => parseFloat(getComputedStyle(el).paddingTop)"
        )
        assert first_widget.bounding_box()["y"] == block_top + padding_top

    # ... and it works.
    a.click_checkbox("Flag")
    b.expect_value("flag", "True")
