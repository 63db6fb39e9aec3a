"""Reading and waiting in bench pages: the page-side JavaScript (``bench/js/*.js``), the
app's text lines, script runs, and the frame where the bridge runs."""

from __future__ import annotations

import functools
import time
from pathlib import Path

from playwright.sync_api import Frame, Page

from tests.support.quiet import wait_quiet

JS_DIR = Path(__file__).resolve().parent / "js"

#: Deadline of every wait, in ms (generous: 2 cores run Chromium and Streamlit side by side).
DEADLINE_MS = 30_000
#: Path of the v1 component iframe's document.
COMPONENT_PATH = "/component/streamlit_tabsync"
#: What every request of each host's frontend has in its URL.
FRONTEND_URL_PART = {"v1": COMPONENT_PATH, "v2": "/_stcore/bidi-components/"}


@functools.cache
def load_js(name: str) -> str:
    """The page-side code in ``bench/js/<name>``, without its leading ``//`` comment lines
    (an expression handed to ``evaluate`` must start with the code itself)."""
    lines = (JS_DIR / name).read_text(encoding="utf-8").splitlines()
    while lines and lines[0].lstrip().startswith("//"):
        lines.pop(0)
    return "\n".join(lines) + "\n"


def log(msg: str) -> None:
    """One progress line on stdout, with the time."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def component_frame(page: Page) -> Frame:
    """The v1 component iframe of an app tab (waits until it has been created)."""
    deadline = time.monotonic() + DEADLINE_MS / 1000
    while True:
        for frame in page.frames:
            if COMPONENT_PATH in frame.url:
                return frame
        if time.monotonic() > deadline:
            raise RuntimeError("the tabsync component iframe never appeared")
        time.sleep(0.02)  # poll period


def bridge_frame(host: str, page: Page) -> Frame:
    """The frame where the bridge of an app tab runs: its iframe (v1), the page (v2)."""
    return component_frame(page) if host == "v1" else page.main_frame


def wait_idle(page: Page) -> None:
    """Wait until no script run of the page is in progress."""
    page.wait_for_selector('.stApp[data-test-script-state="notRunning"]', state="attached")


def wait_text(page: Page, text: str) -> None:
    """Wait until an ``st.text`` line reads ``text`` and no script run is in progress."""
    page.wait_for_function(load_js("wait_text.js"), arg=text, polling=10)


def read_line(page: Page, prefix: str) -> str | None:
    """The text after ``prefix`` of the app's ``st.text`` line starting with it."""
    return page.evaluate(load_js("read_line.js"), prefix)


def runs(page: Page) -> int:
    """How many times the page's script has run (its ``runs=`` line)."""
    return int(read_line(page, "runs=") or 0)


def open_app(page: Page, url: str) -> None:
    """Load the app in ``page`` and wait until it is live."""
    page.goto(url)
    wait_text(page, "status=live")


def wait_quiet_page(page: Page, quiet_s: float, deadline_s: float = 30.0) -> int:
    """Wait until the tab has not rerun for ``quiet_s`` (a bounded observation of absence)
    and no run is in progress; its run count then."""
    return wait_quiet(lambda: [runs(page)], quiet_s, deadline_s, lambda: wait_idle(page))[0]
