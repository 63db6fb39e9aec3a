"""The protocol with the WASM module, against golden messages written by the Rust tests.

``tests/protocol/*.json`` are made by ``tests/protocol.rs`` from a real engine (deliveries)
or parsed there (render args), so a change on either side that the other does not follow
fails one of the two suites.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streamlit_tabsync._entry import entry_text
from streamlit_tabsync._protocol import PROTOCOL_VERSION, Delivery, decode_value, render_args

GOLDEN = Path(__file__).resolve().parents[1] / "protocol"


def golden(name: str):
    return json.loads((GOLDEN / name).read_text())


def test_delivered_values_decode_exactly_as_their_writer_made_them():
    delivery = Delivery.parse(golden("delivery_values.json"))
    assert delivery is not None and delivery.ns == "gold" and delivery.status == "live"
    values = {k: decode_value(v.text) for k, v in delivery.values.items()}
    assert values["big"] == 2**60 + 1 and type(values["big"]) is int
    assert values["ids"] == {"ids": [2**63 - 1]}
    assert str(values["negzero"]) == "-0.0"
    assert values["decimal"] == 0.1
    # Key order as written (a JS object would have put "9" and "10" first).
    assert list(values["order"]) == ["b", "10", "9"]
    assert all(v.stamp for v in delivery.values.values())


def test_a_conflict_carries_both_values_as_text():
    delivery = Delivery.parse(golden("delivery_conflict.json"))
    assert delivery is not None
    (conflict,) = delivery.conflicts
    assert (conflict.key, conflict.id) == ("zoom", "t1.1")
    assert decode_value(conflict.mine) == 2**60 + 1
    assert str(decode_value(conflict.theirs)) == "-0.0"
    assert delivery.acks == {"zoom": "t1.1"}


def test_a_report_of_unreadable_args_has_no_namespace_and_says_why():
    delivery = Delivery.parse(golden("delivery_args_refused.json"))
    assert delivery is not None
    assert delivery.ns is None and delivery.status == "blocked" and delivery.values == {}
    assert delivery.error and "protocol version 1" in delivery.error


def test_the_render_args_built_here_are_the_golden_ones_rust_parses():
    entry = entry_text("gold", "big", str(2**60 + 1), (1764110000000, 0, "t1"))
    built = render_args(
        "gold",
        "t1",
        ["big", "zoom"],
        # The Python side's own bookkeeping ("t") stays out of the args.
        {"big": {"id": "t1.1", "t": str(2**60 + 1), "e": entry, "base": None}},
        ttl_ms=1500,
        conflict="reject",
        resend=3,
        presence=True,
    )
    assert built == golden("render_args.json")
    assert built["v"] == PROTOCOL_VERSION


def test_presence_off_is_left_out_of_the_render_args():
    # The module reads a missing "presence" as false (the devices golden has none).
    args = {"ttl_ms": None, "conflict": "lww", "resend": 0}
    assert "presence" not in render_args("gold", "t1", ["zoom"], {}, **args)
    assert "presence" not in render_args("gold", "t1", ["zoom"], {}, presence=False, **args)
    assert render_args("gold", "t1", ["zoom"], {}, presence=True, **args)["presence"] is True


def test_a_presence_delivery_carries_the_peer_count_and_leadership():
    delivery = Delivery.parse(golden("delivery_presence.json"))
    assert delivery is not None and delivery.ns == "gold"
    assert (delivery.peers, delivery.leader) == (2, True)


def test_a_delivery_without_presence_figures_leaves_them_unknown():
    delivery = Delivery.parse(golden("delivery_values.json"))
    assert delivery is not None
    assert (delivery.peers, delivery.leader) == (None, None)


@pytest.mark.parametrize(
    "figures, expected",
    [
        ({"peers": 0, "leader": False}, (0, False)),
        ({"peers": True}, (None, None)),
        ({"peers": False}, (None, None)),
        ({"peers": -1}, (None, None)),
        ({"peers": "2"}, (None, None)),
        ({"peers": 1.5}, (None, None)),
        ({"peers": 2.0}, (None, None)),
        ({"peers": None, "leader": None}, (None, None)),
        ({"peers": [2], "leader": {}}, (None, None)),
        ({"leader": 1}, (None, None)),
        ({"leader": 0}, (None, None)),
        ({"leader": "true"}, (None, None)),
        ({"peers": 3, "leader": 1}, (3, None)),
        ({"peers": -3, "leader": True}, (None, True)),
    ],
)
def test_malformed_presence_figures_are_dropped_one_by_one(figures, expected):
    raw = golden("delivery_presence.json")
    del raw["peers"], raw["leader"]
    raw.update(figures)
    delivery = Delivery.parse(raw)
    assert delivery is not None, "the rest of the delivery still counts"
    assert (delivery.peers, delivery.leader) == expected
    assert delivery.id == "gold-2" and delivery.status == "live"


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        "x",
        {"id": 1, "ns": "a"},
        {"id": "a", "ns": 3},
    ],
)
def test_anything_that_is_not_a_delivery_parses_to_none(raw):
    assert Delivery.parse(raw) is None


def test_parts_of_the_wrong_type_are_dropped_one_by_one():
    delivery = Delivery.parse(
        {
            "id": "d",
            "ns": "n",
            "status": "exploded",
            "values": {"a": {"t": "1", "s": "s"}, "b": {"t": 2, "s": "s"}, "c": "x"},
            "acks": {"a": "id", "b": 3},
            "conflicts": [{"key": "a"}, "x"],
            "ignored": True,
            "error": 5,
        }
    )
    assert delivery is not None
    assert list(delivery.values) == ["a"]
    assert delivery.acks == {"a": "id"}
    assert delivery.conflicts == ()
    assert (delivery.status, delivery.ignored, delivery.error) == ("live", 0, None)


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", "-Infinity", "{", "1 2"])
def test_values_that_are_not_strict_json_are_refused(text):
    with pytest.raises(ValueError):
        decode_value(text)


def test_devices_args_built_here_are_the_golden_ones_rust_parses():
    relay_entry = json.dumps(
        {"f": 1, "ns": "gold", "k": "layers", "v": ["roads"], "s": [9000, 0, "dev2"]},
        separators=(",", ":"),
    )
    entry = entry_text("gold", "zoom", "12", (9500, 0, "t1"), route="rGold")
    built = render_args(
        "gold",
        "t1",
        ["layers", "zoom"],
        {"zoom": {"id": "t1.1", "e": entry, "base": None}},
        ttl_ms=None,
        conflict="lww",
        resend=0,
        devices=True,
        relay=(4, [relay_entry]),
        route="rGold",
        have={
            "layers": "0000000000009000.0000000000.dev2",
            "zoom": "0000000000009500.0000000000.t1",
            "unbound": "0000000000000001.0000000000.x",
        },
    )
    assert built == golden("render_args_devices.json")


def test_a_devices_delivery_carries_its_outbox():
    # A resend of an entry the relay lacks: no edit id, and nothing else new (quiet).
    delivery = Delivery.parse(golden("delivery_outbox.json"))
    assert delivery is not None and delivery.quiet
    (item,) = delivery.outbox
    assert item.edit_id is None and item.cas is False and item.base is None
    assert json.loads(item.entry)["v"] == 12
    assert delivery.values["layers"].text == '["roads"]'


def test_a_malformed_outbox_is_dropped_item_by_item():
    delivery = Delivery.parse(
        {"id": "d", "ns": "n", "quiet": 1, "outbox": [{"e": 5}, "x", {"e": "{}", "cas": "yes"}]}
    )
    assert delivery is not None
    assert delivery.quiet is False
    assert [(i.entry, i.cas) for i in delivery.outbox] == [("{}", False)]
