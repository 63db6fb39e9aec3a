"""The browser every test, benchmark and script drives: Debian's Chromium, headless."""

from __future__ import annotations

import os

from playwright.sync_api import Browser, Playwright

#: The full browser (Debian's ``chromium``): the wheel check, the screenshots, the benchmarks.
CHROMIUM = os.environ.get("TABSYNC_CHROMIUM", "/usr/bin/chromium")
#: The browser of the end-to-end suite: Chromium's headless shell by default, the same Blink
#: and V8 build as :data:`CHROMIUM` without the browser's UI layer (what Playwright itself runs
#: for headless tests). A tab of a test app costs about 2.1 CPU-s in it against 3.9 in the
#: full browser (2 cores, reused context), which the suite pays for every tab it opens; the
#: wheel check keeps the full browser covered. ``TABSYNC_E2E_CHROMIUM=/usr/bin/chromium``
#: runs the suite in the full browser.
E2E_CHROMIUM = os.environ.get("TABSYNC_E2E_CHROMIUM", "/usr/bin/chromium-headless-shell")
#: Flags of every launch: no sandbox (root in a container), no GPU, no background traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Title Streamlit gives the component's iframe (``<module>.<name>`` of the declaration).
COMPONENT_TITLE = "streamlit_tabsync._component.tabsync"


def launch_chromium(
    playwright: Playwright,
    executable: str = CHROMIUM,
    extra_args: list[str] | None = None,
) -> Browser:
    """Launch ``executable`` headless with :data:`CHROMIUM_ARGS` (and ``extra_args``).

    Playwright's own browser download cannot work here: the browser is Debian's.
    """
    return playwright.chromium.launch(
        executable_path=executable, args=CHROMIUM_ARGS + (extra_args or []), headless=True
    )
