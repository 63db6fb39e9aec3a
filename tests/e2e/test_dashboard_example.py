"""The example dashboard runs without network and shares its view between tabs."""

from __future__ import annotations

from playwright.sync_api import Request, expect

from .harness import DEADLINE_MS, Profile, StreamlitServer, Tab

#: Deadline for a dashboard tab to go live, three times the suite's. Chromium draws the two
#: deck.gl maps in software (SwiftShader), which blocks each tab's main thread for one task of
#: about 7 s on an idle 2-core machine (measured with a long-task observer: 6.9 s and 7.3 s);
#: under the load of parallel workers the same start took more than the 20 s of DEADLINE_MS
#: (twice, both tabs still "sync starting"). A tab that never goes live still fails.
START_DEADLINE_MS = 3 * DEADLINE_MS


def _latitude(tab: Tab):
    return tab.page.get_by_role("spinbutton", name="Centre latitude", exact=True)


def test_dashboard_example_runs_offline_and_shares_its_view(
    dashboard_app: StreamlitServer, profile: Profile
) -> None:
    foreign: list[str] = []

    def note_foreign(request: Request) -> None:
        if not request.url.startswith((dashboard_app.url + "/", "data:", "blob:")):
            foreign.append(request.url)

    profile.on("request", note_foreign)
    a, b = profile.open_tabs(dashboard_app.url, 2, status=None)
    for tab in (a, b):
        expect(tab.page.get_by_test_id("stCaptionContainer")).to_contain_text(
            "sync live", timeout=START_DEADLINE_MS
        )
        expect(tab.page.get_by_test_id("stDeckGlJsonChart")).to_be_visible()

    # int slider, float number input, multiselect: A -> B
    a.press_slider("Zoom", "ArrowRight")
    _latitude(a.front()).fill("54.2100")
    _latitude(a).press("Enter")
    a.multiselect_remove("Roads")
    expect(b.slider("Zoom")).to_have_attribute("aria-valuetext", "14")
    expect(_latitude(b)).to_have_value("54.2100")
    expect(b.page.get_by_role("button", name="Remove Roads", exact=True)).to_have_count(0)
    expect(b.page.get_by_role("button", name="Remove Districts", exact=True)).to_have_count(1)

    # A button callback that assigns the view keys is shared too: B -> A
    b.front().page.get_by_role("button", name="Reset view").click()
    expect(a.slider("Zoom")).to_have_attribute("aria-valuetext", "13")
    expect(_latitude(a)).to_have_value("54.2000")

    assert not foreign, f"the dashboard reached outside the app: {foreign}"
    for tab in (a, b):
        assert not [line for line in tab.console if line.startswith("[pageerror]")], tab.console
