"""The shared rules on the Python side, held to the golden vectors of ``tests/protocol/`` that
the Rust tests read too (``tests/vectors.rs``): names and keys (``names.json``: ``_rules`` and
``sync()``'s channel check), stamps (``stamps.json``: the text form here, the limits in the Lua
stamp order too), and entries (``entries.json``: :meth:`RelayEntry.parse`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from streamlit_tabsync._relay import RelayEntry, RelayEntryError
from streamlit_tabsync._relay.hub import parse_stamp_text as hub_parse_stamp_text
from streamlit_tabsync._relay.redis_relay import lua_script
from streamlit_tabsync._rules import (
    MAX_COUNTER,
    MAX_WALL_MS,
    is_valid_key,
    is_valid_name,
    parse_stamp_text,
    stamp_order,
)

_FOLDER = Path(__file__).resolve().parents[1] / "protocol"
NAMES = json.loads((_FOLDER / "names.json").read_text(encoding="utf-8"))
STAMPS = json.loads((_FOLDER / "stamps.json").read_text(encoding="utf-8"))
ENTRIES = json.loads((_FOLDER / "entries.json").read_text(encoding="utf-8"))


def spelt(vector: dict[str, Any]) -> str:
    """A name or key as a vector gives it: ``text``, ``repeat`` [unit, times], or ``json``."""
    if "text" in vector:
        return vector["text"]
    if "repeat" in vector:
        unit, times = vector["repeat"]
        return unit * times
    text = json.loads(vector["json"])
    assert isinstance(text, str)
    return text


def _ids(vectors: list[dict[str, Any]], field: str = "text") -> list[str]:
    return [repr(v.get(field, v.get("json", v.get("repeat"))))[:40] for v in vectors]


@pytest.mark.parametrize("vector", NAMES["names"], ids=_ids(NAMES["names"]))
def test_names_follow_the_shared_vectors(vector: dict[str, Any]) -> None:
    assert is_valid_name(spelt(vector)) is vector["valid"]


@pytest.mark.parametrize("vector", NAMES["keys"], ids=_ids(NAMES["keys"]))
def test_keys_follow_the_shared_vectors(vector: dict[str, Any]) -> None:
    assert is_valid_key(spelt(vector)) is vector["valid"]


def test_sync_takes_exactly_the_channels_the_vectors_call_names() -> None:
    # sync()'s own check (a trailing newline once passed its `^...$` pattern): one app run
    # trying every vector as a channel, each on its own key.
    names = [spelt(v) for v in NAMES["names"]]
    script = f"""
import json
import streamlit as st
import streamlit_tabsync as tabsync
taken = []
for n, name in enumerate(json.loads({json.dumps(json.dumps(names))})):
    try:
        tabsync.sync([f"k{{n}}"], channel=name)
        taken.append(True)
    except tabsync.TabSyncError:
        taken.append(False)
st.text(json.dumps(taken))
"""
    at = AppTest.from_string(script, default_timeout=60).run()
    assert not at.exception
    assert json.loads(at.text[0].value) == [v["valid"] for v in NAMES["names"]]


def test_the_stamp_limits_are_the_shared_ones() -> None:
    assert (STAMPS["max_wall"], STAMPS["max_counter"]) == (MAX_WALL_MS, MAX_COUNTER)


@pytest.mark.parametrize("vector", STAMPS["parses"], ids=_ids(STAMPS["parses"]))
def test_stamp_texts_parse_as_the_shared_vectors_say(vector: dict[str, Any]) -> None:
    expected = None if vector["stamp"] is None else tuple(vector["stamp"])
    assert parse_stamp_text(vector["text"]) == expected
    assert hub_parse_stamp_text is parse_stamp_text  # the hub reads bases with the one rule


@pytest.mark.parametrize("vector", STAMPS["formats"], ids=_ids(STAMPS["formats"]))
def test_the_engines_stamp_texts_read_back_here(vector: dict[str, Any]) -> None:
    # Python never writes the text form; it reads what the engine writes.
    assert parse_stamp_text(vector["text"]) == tuple(vector["stamp"])


def test_the_engines_stamp_texts_sort_in_stamp_order() -> None:
    formats = STAMPS["formats"]
    for a in formats:
        for b in formats:
            by_text = (a["text"] > b["text"]) - (a["text"] < b["text"])
            assert stamp_order(tuple(a["stamp"]), tuple(b["stamp"])) == by_text


def test_lua_orders_stamps_exactly_up_to_the_limits(
    redis_servers: Callable[..., Any],
) -> None:
    # stamp.lua has no text form; its part of the stamp rules is an exact order over the
    # whole range (Lua numbers are doubles: exact up to max_wall, which is why it is the max).
    client = redis_servers().client()
    script = lua_script("compare")
    top, counter = STAMPS["max_wall"], STAMPS["max_counter"]
    pairs = [
        ([top, 0, "t"], [top - 1, 0, "t"]),
        ([top, counter, "t"], [top, counter - 1, "t"]),
        ([top, 0, "t"], [top - 1, counter, "t"]),
    ]
    pairs += [(a["stamp"], b["stamp"]) for a in STAMPS["formats"] for b in STAMPS["formats"]]
    try:
        for a, b in pairs:
            expected = stamp_order(tuple(a), tuple(b))  # type: ignore[arg-type]
            assert int(client.eval(script, 0, *a, *b)) == expected, (a, b)
    finally:
        client.close()


def _entry_text(vector: dict[str, Any]) -> str:
    text: str = vector["text"]
    if "fill" in vector:
        unit, times = vector["fill"]
        text = text.replace("<fill>", unit * times, 1)
    return text


@pytest.mark.parametrize(
    "vector", ENTRIES["entries"], ids=[v.get("about", "")[:50] for v in ENTRIES["entries"]]
)
def test_entries_are_parsed_as_the_shared_vectors_say(vector: dict[str, Any]) -> None:
    # The relay never checks the value, on purpose (every engine reading the entry does): an
    # entry invalid only by its value (`value_check`) is one the relay takes.
    valid = vector["valid"] or vector.get("value_check", False)
    now = vector.get("now", ENTRIES["now"])
    text = _entry_text(vector)
    if not valid:
        with pytest.raises(RelayEntryError):
            RelayEntry.parse(text, ENTRIES["scope"], now=now)
        return
    entry = RelayEntry.parse(text, ENTRIES["scope"], now=now)
    assert entry.text == text
    if vector["valid"]:
        stamp = tuple(vector["stamp"])
        assert (entry.key, entry.stamp, entry.expires) == (
            vector["key"],
            stamp,
            vector["expires"],
        )
