"""Helpers of the end-to-end tests: Streamlit servers, tabs of a test app, run counting.

:class:`Tab` wraps one page (one browser tab, one Streamlit session) and reads what the test
apps print: ``value:<key>=<repr>``, ``runs=<n>`` (script runs of that tab), ``status=...``.
:class:`Profile` is one browser context, i.e. a separate profile with its own ``localStorage``.

Every wait is a poll with a deadline (Playwright's auto-waiting ``expect`` or an explicit poll
loop); nothing sleeps for a fixed time to synchronise.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    CDPSession,
    ConsoleMessage,
    Error,
    Frame,
    Locator,
    Page,
    expect,
)

# Servers and the browser are shared with the benchmarks and scripts (tests.support);
# re-exported here for the test modules.
from tests.support.browser import (  # noqa: F401 - re-exported
    CHROMIUM,
    CHROMIUM_ARGS,
    COMPONENT_TITLE,
    E2E_CHROMIUM,
)
from tests.support.quiet import NeverQuiet, wait_quiet
from tests.support.servers import (  # noqa: F401 - re-exported
    HOST,
    REPO,
    SERVED_ORIGINS,
    SERVER_START_S,
    StreamlitServer,
    free_port,
    healthy,
    launch_streamlit,
    start_streamlit,
    stop_server,
    stop_servers,
    streamlit_command,
    wait_healthy,
)

APPS = Path(__file__).resolve().parent / "apps"

#: Deadline of every "until it shows up" wait, in milliseconds. Generous: a 2-core machine
#: running Chromium and Streamlit side by side can be slow, and a pass takes far less.
DEADLINE_MS = 20_000
#: Poll period of the hand-written poll loops, in seconds.
POLL_S = 0.1

#: A JS condition true in the frame where the bridge runs: the component iframe (v1), or
#: the app page itself (v2).
_IN_BRIDGE_FRAME = "window !== window.top" if HOST == "v1" else "window === window.top"


def in_bridge_frame(body_js: str) -> str:
    """A page init script running ``body_js`` only in the frame where the bridge runs.

    Playwright runs init scripts in every frame of a page; the bridge runs in the component
    iframe (v1) or in the app page (v2).
    """
    return f"(() => {{ if (!({_IN_BRIDGE_FRAME})) return;\n{body_js}\n}})();"


def component_locator(page: Page) -> Locator:
    """The tabsync components of a page (one per ``sync`` call), on either host."""
    if HOST == "v1":
        return page.locator(f'iframe[title="{COMPONENT_TITLE}"]')
    return page.locator('[data-testid="stElementContainer"][class*="st-key-tabsync"]')


def component_frame(tab: Tab) -> Frame:
    """The frame the (current) bridge of ``tab`` runs in: its iframe (v1), the page (v2)."""
    if HOST == "v2":
        return tab.page.main_frame
    handle = tab.page.locator(f'iframe[title="{COMPONENT_TITLE}"]').element_handle()
    frame = handle.content_frame() if handle is not None else None
    assert frame is not None, f"tab {tab.name} has no component iframe"
    return frame

expect.set_options(timeout=DEADLINE_MS)


# --------------------------------------------------------------------------------------------
# Tabs
# --------------------------------------------------------------------------------------------

#: The ``st.text`` elements the current run has drawn. While a run is in progress, Streamlit
#: marks the elements of the run before ``data-stale="true"`` until the new run draws them
#: again, and removes those it did not draw when it ends: a line that moved (the app drew
#: another layout) is briefly there twice, the old copy stale.
CURRENT_TEXT = '[data-testid="stElementContainer"]:not([data-stale="true"]) [data-testid="stText"]'

#: Page-side finder shared by the readers below: the text of the ``st.text`` line starting with
#: a prefix that the current run has drawn, else (if ``previousRunToo``) the copy of the run
#: before (what the user still sees while a run is in progress), else null. An element is the
#: current run's when no ancestor is marked stale, as :data:`CURRENT_TEXT` says.
_FIND_LINE_JS = """const findLine = (prefix, previousRunToo) => {
  let previous = null;
  for (const el of document.querySelectorAll('[data-testid="stText"]')) {
    const text = el.textContent.trim();
    if (!text.startsWith(prefix)) continue;
    if (!el.closest('[data-stale="true"]')) return text;
    if (previousRunToo) previous ??= text;
  }
  return previous;
};"""

#: The text of the ``st.text`` line starting with a prefix, read at once: the current run's
#: copy if it has drawn one, else the previous run's, else null.
_READ_JS = "(prefix) => { " + _FIND_LINE_JS + " return findLine(prefix, true); }"

#: Records each new text of the current run's ``st.text`` line starting with a prefix, as
#: React commits it.
_RECORD_JS = (
    "(prefix) => { "
    + _FIND_LINE_JS
    + """
  const read = () => {
    const text = findLine(prefix, false);
    return text === null ? null : text.slice(prefix.length);
  };
  const seen = (window.__tabsyncSeen ??= {});
  seen[prefix] = [read()];
  new MutationObserver(() => {
    const value = read();
    const list = seen[prefix];
    if (value !== null && value !== list[list.length - 1]) list.push(value);
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
)


@dataclass
class Tab:
    """One browser tab of a test app, with readers for what the app prints."""

    page: Page
    name: str
    console: list[str] = field(default_factory=list)

    # ---- reading -------------------------------------------------------------------------

    def line(self, prefix: str) -> Locator:
        """The ``st.text`` element of the current run whose text starts with ``prefix``, for
        waits (``expect``): during a run, it is there once that run has drawn it."""
        pattern = re.compile("^" + re.escape(prefix))
        return self.page.locator(CURRENT_TEXT).filter(has_text=pattern)

    def text(self, prefix: str) -> str:
        """The whole text of the ``st.text`` line starting with ``prefix``, read at once (see
        :data:`_READ_JS`): a read in the middle of a run does not wait for the run to draw
        it, so reads of several lines in a poll loop stay close in time. Waits for the line
        only when the page has none yet."""
        found = self.page.evaluate(_READ_JS, prefix)
        return found if found is not None else self.line(prefix).inner_text().strip()

    def _read(self, prefix: str) -> str:
        return self.text(prefix)[len(prefix):]

    def value(self, key: str) -> str:
        """The repr of ``st.session_state[key]`` at the end of this tab's last run."""
        return self._read(f"value:{key}=")

    def runs(self) -> int:
        """How many times this tab's script has run."""
        return int(self._read("runs="))

    def status(self) -> str:
        return self._read("status=")

    def expect_status(self, status: str) -> None:
        """Wait (up to the deadline) until this tab shows ``status=<status>``."""
        expect(self.line("status=")).to_have_text(f"status={status}")

    def expect_value(self, key: str, expected_repr: str, timeout_ms: float = DEADLINE_MS) -> None:
        """Wait (up to ``timeout_ms``, the deadline unless told) until this tab shows
        ``repr(session_state[key])``."""
        expect(self.line(f"value:{key}=")).to_have_text(
            f"value:{key}={expected_repr}", timeout=timeout_ms
        )

    def expect_idle(self) -> None:
        """Wait until no script run of this tab is in progress."""
        expect(self.page.locator(".stApp")).to_have_attribute(
            "data-test-script-state", "notRunning"
        )

    def wait_rendered(self, status: str | None = "live") -> None:
        """Wait until a script run has finished and, if given, the app shows ``status=...``."""
        if status is not None:
            expect(self.line("status=")).to_have_text(f"status={status}")
        self.expect_idle()

    def record(self, key: str) -> None:
        """Start recording every value of ``key`` this tab shows, in order (see ``recorded``)."""
        self.page.evaluate(_RECORD_JS, f"value:{key}=")

    def recorded(self, key: str) -> list[str]:
        """The successive values of ``key`` shown since ``record(key)``, repeats dropped."""
        return self.page.evaluate("(prefix) => window.__tabsyncSeen[prefix]", f"value:{key}=")

    def local_storage(self) -> dict[str, str]:
        return self.page.evaluate("() => Object.fromEntries(Object.entries(localStorage))")

    # ---- acting like a user --------------------------------------------------------------
    # A user acts in the tab they are looking at: each action first brings its tab to the
    # front, so the other tabs are background tabs (as in real use) while they receive.

    def front(self) -> Tab:
        self.page.bring_to_front()
        return self

    def slider(self, label: str) -> Locator:
        """The slider thumb (``input type=range``, role slider) whose aria-label is ``label``."""
        return self.page.locator(f'input[type="range"][aria-label="{label}"]')

    def press_slider(self, label: str, *keys: str) -> None:
        """Focus the slider thumb named ``label`` and press ``keys`` on it."""
        thumb = self.front().slider(label)
        thumb.focus()
        for key in keys:
            thumb.press(key)

    def fill_text(self, label: str, text: str) -> None:
        box = self.front().page.get_by_role("textbox", name=label, exact=True)
        # A delivery from another tab can redraw the box between `fill`'s select-all and its
        # insert, leaving the new text after the delivered one. A user would see that and
        # type again before pressing Enter; so does this.
        deadline = time.monotonic() + DEADLINE_MS / 1000
        box.fill(text)
        while box.input_value() != text and time.monotonic() < deadline:
            box.fill(text)
        box.press("Enter")

    def click_checkbox(self, label: str) -> None:
        checkbox = self.front().page.get_by_test_id("stCheckbox").filter(has_text=label)
        checkbox.locator("label").click()

    def multiselect_add(self, label: str, option: str) -> None:
        self.front().page.get_by_role("combobox", name=label, exact=True).click()
        self.page.get_by_role("option", name=option, exact=True).click()
        self.page.keyboard.press("Escape")

    def multiselect_remove(self, option: str) -> None:
        self.front().page.get_by_role("button", name=f"Remove {option}", exact=True).click()

    def click_pill(self, option: str) -> None:
        self.front().page.get_by_test_id("stButtonGroup").get_by_role(
            "button", name=option, exact=True
        ).click()

    # ---- diagnostics -----------------------------------------------------------------------

    def on_console(self, msg: ConsoleMessage) -> None:
        if not msg.text.startswith("Unrecognized feature"):  # Chromium noise about iframe `allow`
            self.console.append(f"[{msg.type}] {msg.text}")

    def diagnostics(self) -> str:
        out = [f"--- tab {self.name} ({self.page.url})"]
        try:
            texts = self.page.get_by_test_id("stText").all_inner_texts()
            out.append("texts: " + " | ".join(t.strip() for t in texts))
            exceptions = self.page.get_by_test_id("stException").all_inner_texts()
            if exceptions:
                out.append("exceptions: " + " | ".join(exceptions))
            out.append(f"localStorage: {self.local_storage()!r}")
        except Exception as exc:  # noqa: BLE001 - diagnostics must not mask the failure
            out.append(f"(page not readable: {exc})")
        out.append("console:")
        out.extend(f"  {line}" for line in self.console[-60:])
        return "\n".join(out)


class ContextPool:
    """Browser contexts handed from test to test, wiped in between.

    A new context starts with an empty HTTP cache, so its first tab fetches and compiles
    Streamlit's whole frontend again: 6.2-6.3 CPU-s against 2.5 for a tab whose context
    loaded it before (Chromium and Streamlit server, 2 cores), paid by every test. A context
    given back has what a test could observe wiped: its pages are closed (which releases their
    Web Locks and leaves their broadcast channels), and every origin a test server
    serves (:data:`SERVED_ORIGINS`) has its storage cleared (``localStorage``, IndexedDB,
    cookies, ...). What stays is the HTTP cache, as for a user coming back to the app.

    Each pooled context keeps one ``about:blank`` page of its own, never navigated, for the
    DevTools session that clears storage.
    """

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self._free: list[BrowserContext] = []
        self._keepers: dict[BrowserContext, tuple[Page, CDPSession]] = {}

    def take(self) -> BrowserContext:
        """A wiped context: one given back earlier, or a new one."""
        if self._free:
            return self._free.pop()
        context = self.browser.new_context()
        keeper = context.new_page()
        self._keepers[context] = (keeper, context.new_cdp_session(keeper))
        return context

    def give_back(self, context: BrowserContext) -> None:
        """Wipe ``context`` for the next test; a context that cannot be wiped is closed."""
        keeper, session = self._keepers[context]
        try:
            for page in context.pages:
                if page is not keeper:
                    page.close()
            for origin in sorted(SERVED_ORIGINS):
                session.send(
                    "Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"}
                )
            context.clear_cookies()
            context.clear_permissions()
        except Error:
            del self._keepers[context]
            context.close()
            return
        self._free.append(context)

    def close(self) -> None:
        for context in self._keepers:
            context.close()
        self._keepers.clear()
        self._free.clear()


class Profile:
    """One browser context (a separate profile, with its own ``localStorage``)."""

    def __init__(self, context: BrowserContext, name: str) -> None:
        self.context = context
        self.name = name
        self.tabs: list[Tab] = []
        self._listeners: list[tuple[str, Callable[..., None]]] = []

    def on(self, event: str, handler: Callable[..., None]) -> None:
        """Listen to a context event for this test only (see :meth:`stop_listening`)."""
        self.context.on(event, handler)
        self._listeners.append((event, handler))

    def stop_listening(self) -> None:
        """Remove the listeners added by :meth:`on`: the context outlives the test."""
        for event, handler in self._listeners:
            self.context.remove_listener(event, handler)
        self._listeners.clear()

    def start_tab(self, url: str, init_script: str | None = None) -> Tab:
        """Open one tab of ``url`` without waiting for it to render.

        ``init_script`` is a page init script: Playwright runs it in every frame of the page,
        the component iframe included, before the frame's own scripts.
        """
        page = self.context.new_page()
        page.set_default_timeout(DEADLINE_MS)
        if init_script is not None:
            page.add_init_script(init_script)
        tab = Tab(page, f"{self.name}{len(self.tabs) + 1}")
        page.on("console", tab.on_console)
        page.on("pageerror", lambda err, tab=tab: tab.console.append(f"[pageerror] {err}"))
        page.goto(url)
        self.tabs.append(tab)
        return tab

    def open_tabs(self, url: str, count: int, status: str | None = "live") -> list[Tab]:
        """Open ``count`` tabs of ``url`` and wait until each has rendered (and is ``status``)."""
        opened = [self.start_tab(url) for _ in range(count)]
        for tab in opened:
            tab.wait_rendered(status)
        return opened


# --------------------------------------------------------------------------------------------
# Reading and acting, shared by every test module
# --------------------------------------------------------------------------------------------


def text_line(tab: Tab, prefix: str) -> str:
    """The text after ``prefix`` of the app's ``st.text`` line starting with it."""
    return tab.text(prefix)[len(prefix):]


def fill_number(tab: Tab, label: str, value: int) -> None:
    """Type ``value`` into the number input named ``label`` and submit it (Enter)."""
    box = tab.front().page.get_by_role("spinbutton", name=label, exact=True)
    box.fill(str(value))
    box.press("Enter")


#: Streamlit's elements for an exception and for st.error/st.warning/st.info/st.success.
ERROR_TEST_IDS = ("stException", "stAlert")


def error_elements(tab: Tab) -> list[str]:
    """Texts of every exception or alert element the tab shows (should be none)."""
    found: list[str] = []
    for test_id in ERROR_TEST_IDS:
        found += [f"{test_id}: {t}" for t in tab.page.get_by_test_id(test_id).all_inner_texts()]
    return found


def assert_no_errors(*tabs: Tab) -> None:
    """The one meaning of "no errors": no uncaught page error in any frame, and no
    exception or alert shown by Streamlit (on the v2 host an uncaught component error would
    show as an alert in the app)."""
    for tab in tabs:
        errors = [line for line in tab.console if line.startswith("[pageerror]")]
        assert not errors, f"tab {tab.name} had page errors: {errors}"
        shown = error_elements(tab)
        assert not shown, f"tab {tab.name} shows errors: {shown}"


# --------------------------------------------------------------------------------------------
# Run counting
# --------------------------------------------------------------------------------------------


def run_counts(tabs: list[Tab]) -> list[int]:
    return [tab.runs() for tab in tabs]


#: ``wait_settled``'s quiet window once tabs of one browser have shown what a test waited for
#: (and where a test watches a tab not react to something that reaches it at once). What can
#: still be coming then is news held back by the delivery pacing, and a tab's first delivery:
#: the bridge posts news at once after a quiet spell and at most one delivery per 100 ms
#: (``MIN_DELIVERY_GAP_MS``, src/bridge/mod.rs), the news of a gap at its end; a new tab's
#: first delivery waits at most 250 ms for its first presence count (``SETTLE_MS``,
#: src/bridge/presence.rs). So the last delivery anyone still owes a tab is posted within
#: 250 ms of the run that was drawn last, and the rerun it asks for marks the page running one
#: server round trip later, which ``wait_settled`` checks (``expect_idle``, then the counters
#: again) before it returns. 0.5 s leaves 250 ms for that round trip on a loaded machine.
TABS_QUIET_S = 0.5
#: ``wait_settled``'s quiet window across devices: news reaches an idle session through the
#: server (the relay, then the session's fragment run), and a delivery the Streamlit side has
#: not seen is posted again after 1 s (``UNSEEN_MS``, src/bridge/mod.rs); the window stays
#: the 1 s it always was there.
DEVICES_QUIET_S = 1.0


def wait_settled(tabs: list[Tab], quiet_s: float, deadline_s: float = 20.0) -> list[int]:
    """Wait until no tab has run its script for ``quiet_s``; return the run counts then.

    ``quiet_s`` is the caller's reason: :data:`TABS_QUIET_S` within one browser,
    :data:`DEVICES_QUIET_S` across devices. Once the counters were quiet that long, every tab
    must also be idle (no run in progress) with unchanged counters, else the window starts
    again. Fails if the tabs keep rerunning until the deadline (a rerun loop never settles).
    """

    def wait_idle() -> None:
        for tab in tabs:
            tab.expect_idle()

    try:
        return wait_quiet(lambda: run_counts(tabs), quiet_s, deadline_s, wait_idle)
    except NeverQuiet as exc:
        pytest.fail(str(exc))


def assert_no_reruns(tabs: list[Tab], window_s: float = 3.0) -> None:
    """Watch the run counters for ``window_s`` and fail as soon as any tab reruns.

    This is a bounded observation window on purpose: what is checked is the *absence* of
    reruns, which no event can signal, so the test watches for a fixed time.
    """
    before = run_counts(tabs)
    end = time.monotonic() + window_s
    while time.monotonic() < end:
        time.sleep(POLL_S)  # poll period
        now = run_counts(tabs)
        assert now == before, f"tabs reran by themselves: runs {before} -> {now}"
