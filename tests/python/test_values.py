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
