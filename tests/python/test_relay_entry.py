"""The entry format a relay reads: :meth:`RelayEntry.parse` checks an entry's envelope for
one scope (no relay involved)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from relay_kit import SCOPE, T0, text

from streamlit_tabsync._relay import RelayEntry, RelayEntryError
from streamlit_tabsync._relay.base import MAX_AHEAD_MS


def test_parse_reads_key_stamp_and_expiry_and_keeps_the_text() -> None:
    raw = text("zoom", T0, 7, "3f9c", {"a": [1, 2.5, None]}, x=T0 + 60_000)
    parsed = RelayEntry.parse(raw, SCOPE)
    assert parsed == RelayEntry("zoom", raw, (T0, 7, "3f9c"), T0 + 60_000)
    # Unknown fields are allowed (later format versions may add optional ones).
    extra = raw[:-1] + ',"later":true}'
    assert RelayEntry.parse(extra, SCOPE).text == extra
    # The limits themselves are allowed.
    edge = text("k" * 256, 2**53 - 1, 2**32 - 1, "t" * 64, x=2**53 - 1)
    assert RelayEntry.parse(edge, SCOPE, now=2**53 - 1).stamp == (2**53 - 1, 2**32 - 1, "t" * 64)
    assert RelayEntry.parse(edge, SCOPE, now=2**53 - 1).size == len(edge)


def test_parse_refuses_a_stamp_from_the_far_future_and_allows_one_a_day_ahead() -> None:
    day = MAX_AHEAD_MS
    assert RelayEntry.parse(text(wall=T0 + day), SCOPE, now=T0).stamp[0] == T0 + day
    with pytest.raises(RelayEntryError, match="ahead of the server's clock"):
        RelayEntry.parse(text(wall=T0 + day + 1), SCOPE, now=T0)
    # Without a clock (entries read back from a relay) there is no such check.
    assert RelayEntry.parse(text(wall=T0 + 2 * day), SCOPE).stamp[0] == T0 + 2 * day


def _with(**fields: Any) -> str:
    raw: dict[str, Any] = {"f": 1, "ns": SCOPE, "k": "zoom", "v": 1, "s": [T0, 0, "tab1"]}
    raw.update(fields)
    return json.dumps({k: v for k, v in raw.items() if v is not _DROP}, ensure_ascii=False)


_DROP = object()


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (b'{"f":1}', "must be a str, not bytes"),
        (None, "must be a str, not NoneType"),
        (_with(v="x" * (96 * 1024)), "over the 98304 cap"),
        ("{not json", "not JSON"),
        (_with(v=float("nan")), "not JSON"),
        ('{"f":1,"ns":"a","v":Infinity}', "not JSON"),
        ("[1,2]", "JSON object, not an array"),
        ('"text"', "JSON object, not a string"),
        (_with(f=2), "unsupported entry format f=2"),
        (_with(f=True), "unsupported entry format f=True"),
        (_with(f=_DROP), "unsupported entry format f=None"),
        (_with(ns="u-other"), "names scope 'u-other', not 'u-3f9c2a61b0d4'"),
        (_with(ns=_DROP), "names scope None"),
        (_with(k=""), "bad key ''"),
        (_with(k=7), "bad key 7"),
        (_with(k="a\nb"), "bad key"),
        (_with(k="a\x85b"), "bad key"),  # C1 control
        (_with(k="é" * 129), "bad key"),  # 258 UTF-8 bytes
        ('{"f":1,"ns":"' + SCOPE + '","k":"\\ud800","v":1,"s":[1,0,"t"]}', "bad key"),
        (_with(v=_DROP), "no value 'v'"),
        (_with(s=_DROP), "bad stamp s=None"),
        (_with(s=[T0, 0]), "bad stamp s="),
        (_with(s={"w": T0}), "bad stamp s="),
        (_with(s=[True, 0, "t"]), "bad stamp wall True"),
        (_with(s=[1.0, 0, "t"]), "bad stamp wall 1.0"),
        (_with(s=[-1, 0, "t"]), "bad stamp wall -1"),
        (_with(s=[2**53, 0, "t"]), "bad stamp wall 9007199254740992"),
        (_with(s=[T0, 2**32, "t"]), "bad stamp counter 4294967296"),
        (_with(s=[T0, False, "t"]), "bad stamp counter False"),
        (_with(s=[T0, 0, ""]), "bad stamp tab id ''"),
        (_with(s=[T0, 0, "a b"]), "bad stamp tab id 'a b'"),
        (_with(s=[T0, 0, "t" * 65]), "bad stamp tab id"),
        (_with(s=[T0, 0, 5]), "bad stamp tab id 5"),
        (_with(x=-1), "bad expiry x=-1"),
        (_with(x=True), "bad expiry x=True"),
        (_with(x=1.5), "bad expiry x=1.5"),
        (_with(x="1"), "bad expiry x='1'"),
        (_with(x=2**53), "bad expiry x=9007199254740992"),
        ('{"f":1,"ns":"' + SCOPE + '","ns":"' + SCOPE + '","k":"a","v":1,"s":[1,0,"t"]}',
         "repeats field 'ns'"),
    ],
)
def test_parse_refuses_what_is_not_an_entry_of_the_scope(bad: Any, reason: str) -> None:
    with pytest.raises(RelayEntryError) as info:
        RelayEntry.parse(bad, SCOPE)
    assert reason in str(info.value)


def test_parse_allows_repeated_fields_inside_the_value() -> None:
    # Only the envelope's fields must be unique; the value is the engine's to check.
    raw = '{"f":1,"ns":"' + SCOPE + '","k":"a","v":{"ns":1,"ns":2},"s":[1,0,"t"]}'
    assert RelayEntry.parse(raw, SCOPE).key == "a"


def test_an_entry_of_another_scope_is_refused_before_any_relay_sees_it() -> None:
    foreign = text(scope="u-other")
    with pytest.raises(RelayEntryError, match="names scope 'u-other', not 'u-3f9c2a61b0d4'"):
        RelayEntry.parse(foreign, SCOPE)
