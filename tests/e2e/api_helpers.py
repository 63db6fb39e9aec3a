"""Helpers of ``test_api.py`` (the public API end to end), on top of :mod:`.harness`.

Kept apart from the shared harness: storage forging from another same-origin page, the
Streamlit error elements of a tab, a bounded "does not change" observation, and a server-log
dump for the servers these tests start.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from playwright.sync_api import BrowserContext, Locator, expect

from .harness import (  # noqa: F401 - shared helpers re-exported for the tests
    POLL_S,
    StreamlitServer,
    Tab,
    component_locator,
    error_elements,
    fill_number,
    text_line,
)

_FORGE_JS = """([storageKey, channel, key, valueJson, aheadMs]) => {
  const entry = `{"f":1,"ns":${JSON.stringify(channel)},"k":${JSON.stringify(key)},`
    + `"v":${valueJson},"s":[${Date.now() + aheadMs},0,"forger"]}`;
  localStorage.setItem(storageKey, entry);
  return entry;
}"""


def forge_entry(
    context: BrowserContext,
    server: StreamlitServer,
    channel: str,
    key: str,
    value: Any,
    ahead_ms: int = 1000,
) -> str:
    """Write a storage entry for ``key`` from another page of the app's origin; return it.

    The page is Streamlit's health endpoint: same origin as the app and its component iframes,
    but no Streamlit app, so the write fires a ``storage`` event in every tab of the app.
    """
    page = context.new_page()
    try:
        page.goto(f"{server.url}/_stcore/health")
        return page.evaluate(
            _FORGE_JS,
            [f"tabsync:v1:{channel}:{key}", channel, key, json.dumps(value), ahead_ms],
        )
    finally:
        page.close()


def session_storage(tab: Tab) -> dict[str, str]:
    return tab.page.evaluate("() => Object.fromEntries(Object.entries(sessionStorage))")


def expect_line_matches(tab: Tab, prefix: str, pattern: str) -> None:
    """Wait (up to the deadline) until the line ``prefix...`` matches ``pattern`` (search)."""
    expect(tab.line(prefix)).to_have_text(re.compile("^" + re.escape(prefix) + ".*" + pattern))


def assert_stays(tab: Tab, key: str, expected_repr: str, window_s: float) -> None:
    """Check that ``key`` keeps showing ``expected_repr`` for ``window_s`` seconds.

    A bounded observation window on purpose: what is checked is that something does NOT
    happen, which no event signals.
    """
    end = time.monotonic() + window_s
    while time.monotonic() < end:
        shown = tab.value(key)
        assert shown == expected_repr, f"tab {tab.name}: {key} became {shown}"
        time.sleep(POLL_S)  # poll period


def textbox(tab: Tab, label: str) -> Locator:
    return tab.page.get_by_role("textbox", name=label, exact=True)


def component_iframes(tab: Tab) -> Locator:
    """The tab's tabsync components (one per ``sync`` call), on either host."""
    return component_locator(tab.page)
