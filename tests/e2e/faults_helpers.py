"""Helpers of the engine and fault tests (``test_engine.py``, ``test_faults.py``).

Builds on :mod:`.harness` (``Profile``, ``Tab``): opening tabs with an init script, reaching
the component iframe, reading and writing ``localStorage`` entries, a same-origin page that
is not a Streamlit tab (to send real ``storage`` events), and hand-written poll loops.
Every wait is a poll with a deadline; nothing sleeps for a fixed time to synchronise.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Page

from .harness import (  # noqa: F401 - shared helpers re-exported for the tests
    APPS,
    DEADLINE_MS,
    POLL_S,
    Profile,
    StreamlitServer,
    Tab,
    assert_no_errors,
    component_frame,
    fill_number,
    text_line,
)

CHANNEL = "e2e-engine"

T = TypeVar("T")


def storage_key(key: str, channel: str = CHANNEL) -> str:
    return f"tabsync:v1:{channel}:{key}"


# --------------------------------------------------------------------------------------------
# Polling
# --------------------------------------------------------------------------------------------


def poll_until(
    probe: Callable[[], T], what: str, deadline_s: float = DEADLINE_MS / 1000
) -> T:
    """Call ``probe`` every poll period until it returns something truthy; return that.

    Fails with ``what`` and the last value seen when the deadline passes.
    """
    deadline = time.monotonic() + deadline_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {deadline_s}s waiting for {what}; last: {value!r}")
        time.sleep(POLL_S)  # poll period


# --------------------------------------------------------------------------------------------
# Tabs
# --------------------------------------------------------------------------------------------


def open_tab(
    profile: Profile,
    url: str,
    *,
    init_script: str | None = None,
    status: str | None = "live",
) -> Tab:
    """Open one tab like ``Profile.open_tabs``, optionally with a page init script (see
    ``Profile.start_tab``)."""
    tab = profile.start_tab(url, init_script)
    tab.wait_rendered(status)
    return tab


# --------------------------------------------------------------------------------------------
# localStorage
# --------------------------------------------------------------------------------------------


def raw_entry(page: Page, key: str) -> str | None:
    return page.evaluate("(k) => localStorage.getItem(k)", key)


def entry(page: Page, key: str) -> dict[str, Any] | None:
    """The parsed stored entry under ``key`` (``None`` when absent)."""
    text = raw_entry(page, key)
    return None if text is None else json.loads(text)


def js_now(page: Page) -> int:
    return int(page.evaluate("() => Date.now()"))


def origin_page(profile: Profile, url: str) -> Page:
    """A page of the app's origin that is not a Streamlit tab (the health endpoint).

    ``localStorage.setItem`` there fires real ``storage`` events in every tab's frames.
    """
    page = profile.context.new_page()
    page.set_default_timeout(DEADLINE_MS)
    page.goto(f"{url}/_stcore/health")
    return page


#: Writes ``text`` (a JS expression evaluated in the writing page, so it can build strings
#: Python cannot send, such as lone surrogates) under ``key``.
_SET_EXPR_JS = """([key, expr]) => {
  const text = (0, eval)(expr);
  localStorage.setItem(key, text);
  return text.length;
}"""


def set_raw(page: Page, key: str, text_expr: str) -> int:
    """``localStorage.setItem(key, <text_expr evaluated in page>)``; returns the length."""
    return int(page.evaluate(_SET_EXPR_JS, [key, text_expr]))


def envelope_expr(
    key: str,
    value_json: str,
    *,
    channel: str = CHANNEL,
    wall: str = "Date.now() + 1000",
    counter: str = "0",
    tab: str = "outsider",
    version: str = "1",
) -> str:
    """A JS expression building an entry text in the stored format, from raw JSON fragments.

    ``value_json``, ``wall``, ``counter``, ``version`` are spliced in as text (so they may be
    invalid JSON on purpose); ``wall`` is evaluated in the writing page (default: one
    second ahead, so the entry would win if it were accepted).
    """
    head = json.dumps(f'{{"f":{version},"ns":{json.dumps(channel)},"k":{json.dumps(key)},"v":')
    tail = json.dumps(',"s":[')
    stamp_end = f"',{counter},{json.dumps(tab)}]}}'"
    return f"{head} + {json.dumps(value_json)} + {tail} + ({wall}) + {stamp_end}"


def write_entry(page: Page, key: str, value: Any, **kwargs: str) -> int:
    """Write a well-formed entry holding ``value`` (JSON-encodable) under ``key``."""
    return set_raw(page, storage_key(key, kwargs.get("channel", CHANNEL)),
                   envelope_expr(key, json.dumps(value), **kwargs))
