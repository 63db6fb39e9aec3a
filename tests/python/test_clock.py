"""The Python side's hybrid logical clock (``_clock``): the engine's rules, pinned by the
shared stamp-order vectors and by a property: an edit stamped after a value was shown in a
tab wins over it, whatever the wall clocks say."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from streamlit_tabsync._clock import HybridClock, parse_stamp, stamp_text
from streamlit_tabsync._rules import MAX_COUNTER, MAX_WALL_MS, stamp_order

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "protocol" / "stamp_order.json").read_text()
)["vectors"]

TABS = st.text(alphabet="abcXYZ019_.-", min_size=1, max_size=8)
STAMPS = st.tuples(st.integers(0, MAX_WALL_MS), st.integers(0, MAX_COUNTER), TABS)
WALLS = st.integers(0, 2**45)


def test_the_text_form_orders_like_the_vectors_and_parses_back() -> None:
    for vector in VECTORS:
        a, b = tuple(vector["a"]), tuple(vector["b"])
        assert parse_stamp(stamp_text(a)) == a
        order = (stamp_text(a) > stamp_text(b)) - (stamp_text(a) < stamp_text(b))
        if a[2].isascii() and b[2].isascii():
            assert order == vector["order"], vector


def test_the_text_form_is_the_engines() -> None:
    # Rust's Stamp::text pads the wall to 16 digits and the counter to 10.
    assert stamp_text((1764110000000, 7, "3f9c")) == "0001764110000000.0000000007.3f9c"
    assert parse_stamp("1764110000000.7.3f9c") == (1764110000000, 7, "3f9c")
    for bad in [None, "", "1.2", "a.1.t", "1.a.t", "1.2.", f"{2**53}.0.t", f"1.{2**32}.t",
                "1.2.a b"]:
        assert parse_stamp(bad) is None, bad


@given(seen=st.lists(STAMPS, max_size=6), walls=st.lists(WALLS, min_size=1, max_size=6))
def test_a_stamp_made_after_seeing_values_wins_over_all_of_them(seen, walls) -> None:
    clock = HybridClock("me")
    made = []
    for stamp in seen:
        clock.observe(stamp)
    for wall in walls:  # the wall clock may jump backwards, or stand still
        made.append(clock.tick(wall))
    for stamp in seen:
        assert stamp_order(made[0], stamp) > 0, (made[0], stamp)
    for earlier, later in itertools.pairwise(made):
        assert stamp_order(later, earlier) > 0, "strictly increasing"
    assert all(stamp[2] == "me" for stamp in made)


@given(wall=WALLS)
def test_the_counter_rolls_over_into_the_wall(wall) -> None:
    clock = HybridClock("me", wall=wall, counter=MAX_COUNTER)
    assert clock.tick(0) == (wall + 1, 0, "me")
