"""What the server takes from a browser's outbox for the relay (``_relay.intake``)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from streamlit_tabsync._protocol import OutboxItem
from streamlit_tabsync._relay.base import MAX_AHEAD_MS, MAX_SCOPE_BYTES
from streamlit_tabsync._relay.intake import examined_at_most, screen_outbox

SCOPE = "u-3f9c2a61b0d4"
T0 = 1_764_110_000_000
KEYS = ("zoom", "note")


def item(key: str, wall: int = T0, value: Any = 1, *, scope: str = SCOPE, **kw: Any) -> OutboxItem:
    text = json.dumps(
        {"f": 1, "ns": scope, "k": key, "v": value, "s": [wall, 0, "tab1"]},
        separators=(",", ":"),
    )
    return OutboxItem(text, **kw)


def test_entries_of_named_keys_pass_in_their_order_with_their_items() -> None:
    items = [item("note", value="hi", edit_id="t.2"), item("zoom", cas=True, base="1.0.t")]
    screened = screen_outbox(items, SCOPE, KEYS, now=T0)
    assert [pair[0] for pair in screened.accepted] == items
    assert [pair[1].key for pair in screened.accepted] == ["note", "zoom"]
    assert screened.refused_count == 0


def test_thousands_of_made_up_keys_are_refused_unread_beyond_the_cap(
    caplog: pytest.LogCaptureFixture,
) -> None:
    junk = [item(f"junk-{n}") for n in range(5000)]
    with caplog.at_level(logging.WARNING, logger="streamlit_tabsync"):
        screened = screen_outbox([*junk, item("zoom")], SCOPE, KEYS, now=T0)
    assert screened.accepted == [], "the named key came after the cap: unread"
    limit = examined_at_most(len(KEYS))
    assert screened.refused == {
        "a key sync() does not name": limit,
        "over the delivery's item cap": 5001 - limit,
    }
    assert screened.refused_count == 5001
    (record,) = caplog.records  # one line per delivery, whatever its size
    assert "refused 5001 of 5001 entries" in record.getMessage()


def test_a_named_key_among_junk_within_the_cap_passes() -> None:
    screened = screen_outbox([item("junk"), item("zoom"), item("x")], SCOPE, KEYS, now=T0)
    assert [entry.key for _, entry in screened.accepted] == ["zoom"]
    assert screened.refused == {"a key sync() does not name": 2}


def test_only_the_newest_entry_of_a_key_passes() -> None:
    items = [item("zoom", T0 + 5, 5), item("zoom", T0 + 9, 9), item("zoom", T0 + 7, 7)]
    screened = screen_outbox(items, SCOPE, KEYS, now=T0)
    assert [pair[0] for pair in screened.accepted] == [items[1]]
    assert screened.refused_count == 0, "an older copy of a key is no refusal"


@pytest.mark.parametrize(
    "bad",
    [
        OutboxItem("not json"),
        item("zoom", scope="u-someone-else"),
        item("zoom", T0 + MAX_AHEAD_MS + 1),
        item("zoom", value="x" * (96 * 1024)),
    ],
    ids=["not-json", "another-scope", "far-future", "oversized"],
)
def test_malformed_foreign_or_far_future_entries_are_refused(bad: OutboxItem) -> None:
    screened = screen_outbox([bad], SCOPE, KEYS, now=T0)
    assert screened.accepted == []
    assert screened.refused == {"malformed or of another scope": 1}


def test_a_delivery_takes_at_most_a_scope_s_bytes() -> None:
    keys = [f"k{n}" for n in range(40)]
    big = "x" * (90 * 1024)
    screened = screen_outbox([item(k, value=big) for k in keys], SCOPE, keys, now=T0)
    taken = sum(entry.size for _, entry in screened.accepted)
    assert taken <= MAX_SCOPE_BYTES
    assert screened.refused == {"over the delivery's byte cap": 40 - len(screened.accepted)}
    assert len(screened.accepted) == MAX_SCOPE_BYTES // screened.accepted[0][1].size
