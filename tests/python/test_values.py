"""Conversion of session-state values to shared JSON and back."""

import pytest

from streamlit_tabsync import MAX_VALUE_BYTES, UnshareableValueError
from streamlit_tabsync._values import coerce_like, to_json_text


def test_canonical_text_ignores_key_order_and_tuple_vs_list():
    assert to_json_text("k", {"b": 1, "a": (1, 2)}) == to_json_text("k", {"a": [1, 2], "b": 1})


@pytest.mark.parametrize("value", [object(), {1, 2}, float("nan"), float("inf")])
def test_values_that_are_not_json_data_raise_naming_the_key(value):
    with pytest.raises(UnshareableValueError, match="'center'"):
        to_json_text("center", value)


def test_values_too_deep_or_with_a_reserved_key_raise():
    deep = 1
    for _ in range(40):
        deep = [deep]
    with pytest.raises(UnshareableValueError, match="deeper"):
        to_json_text("k", deep)
    with pytest.raises(UnshareableValueError, match="__proto__"):
        to_json_text("k", {"a": [{"__proto__": 1}]})


def test_values_over_the_size_cap_raise():
    with pytest.raises(UnshareableValueError, match="cap"):
        to_json_text("k", "x" * MAX_VALUE_BYTES)


@pytest.mark.parametrize(
    ("remote", "current", "expected"),
    [
        ([3, 7], (2, 8), (3, 7)),
        ([2.5, 7], (1.0, 8.0), (2.5, 7.0)),
        (5.0, 1, 5),
        (5, 1.5, 5.0),
        (["a"], ["b", "c"], ["a"]),
        ("x", "y", "x"),
        (True, False, True),
        ({"a": 1}, {}, {"a": 1}),
        ([1, 2], None, [1, 2]),
    ],
)
def test_remote_values_take_the_shape_of_the_current_value(remote, current, expected):
    ok, value = coerce_like(remote, current)
    assert ok
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("remote", "current"),
    [("5", 1), (1, "x"), (1, True), ([1], "x"), ("x", [1]), (["a", "b"], (1, 2)), (None, 3)],
)
def test_remote_values_of_another_type_are_refused(remote, current):
    ok, reason = coerce_like(remote, current)
    assert not ok
    assert reason.startswith("expected") or "tuple item" in reason


def _round_trip(value):
    """What another tab gets for ``value``: its text, decoded as a delivery is."""
    from streamlit_tabsync._protocol import decode_value
    from streamlit_tabsync._values import untag

    return untag(decode_value(to_json_text("k", value)))


@pytest.mark.parametrize(
    "value",
    [
        {"$date": "2026-11-25"},
        {"$time": "08:30:00"},
        {"$datetime": "2026-11-25T08:30:00"},
        {"$dict": {"a": 1}},
        {"$price": 3},
        [{"$date": "2026-11-25"}, {"when": {"$time": "08:30:00"}}],
    ],
)
def test_a_plain_dict_that_looks_like_a_tag_arrives_as_that_dict(value):
    # Before: {"$date": "..."} reached other tabs as a datetime.date, not the dict written.
    assert _round_trip(value) == value


def test_real_dates_inside_a_tag_like_dict_still_arrive_as_dates():
    import datetime as dt

    value = {"$when": dt.date(2026, 11, 25)}
    assert _round_trip(value) == value


def test_integers_beyond_2_53_and_negative_zero_round_trip_exactly():
    value = {"ids": [2**63 - 1, -(2**70)], "n": 2**60 + 1, "z": -0.0}
    back = _round_trip(value)
    assert back == value and str(back["z"]) == "-0.0"


@pytest.mark.parametrize("value", [{1: "a"}, {"a": {None: 1}}, [{(1, 2): 3}], {True: 1}])
def test_dict_keys_that_are_not_strings_raise_instead_of_arriving_as_strings(value):
    # json.dumps would quietly turn 1 into "1": the other tabs would hold another dict.
    with pytest.raises(UnshareableValueError, match="not a string"):
        to_json_text("k", value)


def test_a_string_holding_a_lone_surrogate_raises_a_tabsync_error():
    with pytest.raises(UnshareableValueError, match="'k'"):
        to_json_text("k", "bad \ud800 text")


def test_a_value_nested_far_too_deep_raises_a_tabsync_error_not_recursion_error():
    deep = 1
    for _ in range(5000):
        deep = {"a": deep}
    with pytest.raises(UnshareableValueError, match="deeper"):
        to_json_text("k", deep)
