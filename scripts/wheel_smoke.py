"""Runs a small app from an installed wheel in two tabs of a real browser, and checks they sync.

Usage (scripts/check-wheel.sh does this)::

    .venv/bin/python -m scripts.wheel_smoke CLEAN_VENV_PYTHON WORK_DIR

The app is written into WORK_DIR and served by CLEAN_VENV_PYTHON (a virtual environment that
holds only the wheel and Streamlit, with no PYTHONPATH), so it can only use what the wheel
installed: the package, its WASM module and both hosts' frontend files. The pages are driven
by this (development) Python's Playwright, in one headless Chromium context: the two tabs
share one ``localStorage``. A word typed in tab 1 must show up in tab 2, which nobody touches.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from .live_app import launch_chromium, serve

#: Deadline of each wait in the browser, in milliseconds: generous, a pass takes far less.
DEADLINE_MS = 60_000

APP = '''\
from pathlib import Path

import streamlit as st
import streamlit_tabsync as tabsync

st.session_state.setdefault("word", "start")
info = tabsync.sync(["word"], channel="wheel-smoke")
st.text_input("Word", key="word")
st.text(f"value:word={st.session_state.word}")
st.text(f"status={info.status}")
st.text(f"package={Path(tabsync.__file__).resolve().parent}")
'''


def line(page: Page, prefix: str):
    return page.get_by_test_id("stText").filter(has_text=prefix)


def text_after(page: Page, prefix: str) -> str:
    return line(page, prefix).inner_text().strip()[len(prefix):]


def shown_texts(page: Page) -> str:
    try:
        return " | ".join(t.strip() for t in page.get_by_test_id("stText").all_inner_texts())
    except Exception as exc:  # noqa: BLE001 - diagnostics must not mask the failure
        return f"(not readable: {exc})"


def check_two_tabs(pages: list[Page], url: str, python: str) -> tuple[float, Path]:
    """Open ``url`` in both tabs, edit in tab 1, wait for tab 2; return (seconds, package)."""
    for page in pages:
        page.set_default_timeout(DEADLINE_MS)
        page.goto(url)
    tab1, tab2 = pages
    for page in pages:
        expect(line(page, "status=")).to_have_text("status=live", timeout=DEADLINE_MS)
    expect(line(tab2, "value:word=")).to_have_text("value:word=start")

    # The package must come from the clean environment, not from a source tree.
    package = Path(text_after(tab1, "package=")).resolve()
    # The venv's folder, not where its python links to (the system's interpreter).
    venv = Path(os.path.abspath(python)).parent.parent.resolve()
    assert venv in package.parents, f"package imported from {package}, not {venv}"

    word = "from-tab-1-" + secrets.token_hex(3)
    tab1.bring_to_front()
    box = tab1.get_by_role("textbox", name="Word", exact=True)
    box.fill(word)
    box.press("Enter")
    edited = time.monotonic()
    expect(line(tab2, "value:word=")).to_have_text(f"value:word={word}", timeout=DEADLINE_MS)
    arrived = time.monotonic() - edited
    expect(tab2.get_by_role("textbox", name="Word", exact=True)).to_have_value(word)
    for page in pages:
        shown = page.get_by_test_id("stException").all_inner_texts()
        assert not shown, f"the app shows an exception: {shown}"
    return arrived, package


def main(python: str, work_dir: Path) -> None:
    app = work_dir / "smoke_app.py"
    app.write_text(APP, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TABSYNC_HOST")}
    env["HOME"] = str(work_dir)  # Streamlit's ~/.streamlit, away from the developer's
    started = time.monotonic()
    server = serve(python, app, work_dir, work_dir / "streamlit.log", env)
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            pages = [browser.new_context().new_page()]
            pages.append(pages[0].context.new_page())  # one context: one localStorage
            try:
                arrived, package = check_two_tabs(pages, server.url, python)
            except BaseException:
                for number, page in enumerate(pages, 1):
                    print(f"--- tab {number}: {shown_texts(page)}", file=sys.stderr)
                print(f"--- server log:\n{server.log_tail()}", file=sys.stderr)
                raise
            finally:
                browser.close()
    finally:
        code = server.stop()
    if code is None:
        raise SystemExit("the server did not stop within 15 s of SIGTERM")
    print(
        f"    wheel app OK: tab 2 showed tab 1's edit after {arrived * 1000:.0f} ms "
        f"(whole smoke test {time.monotonic() - started:.1f} s; package from {package})"
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], Path(sys.argv[2]).resolve())
