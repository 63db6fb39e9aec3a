"""Stamp order: Python's :func:`stamp_order`, the Redis scripts' ``stamp_cmp`` and the
PostgreSQL relay's row comparison against the vectors of ``tests/protocol/stamp_order.json``
(which the Rust ``Stamp`` is tested on too), and every relay's put against them.

The Lua side runs on real servers, one per locale available here: Redis sets ``LC_COLLATE``
from the environment and its Lua compares strings with ``strcoll``, so only a byte-wise
compare agrees in every locale. The SQL side likewise runs on a database whose default
collation is ICU's ``en-US`` (where ``"B" < "a"`` is false) and on one in ``C.UTF-8``.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from relay_kit import ALL_RELAYS, make_relay, url_of

from streamlit_tabsync._relay import RelayEntry, stamp_order
from streamlit_tabsync._relay.postgres_sql import COMPARE
from streamlit_tabsync._relay.redis_relay import lua_script

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "protocol" / "stamp_order.json").read_text()
)["vectors"]
IDS = [f"{v['a']}-vs-{v['b']}" for v in VECTORS]


def _locales() -> list[str]:
    """``C``, plus the UTF-8 locales among ``C.UTF-8`` and ``en_US.UTF-8`` installed here."""
    try:
        listed = subprocess.run(
            ["locale", "-a"], capture_output=True, text=True, check=True, timeout=10
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        listed = []
    normal = {name.lower().replace("-", ""): name for name in listed}
    found = ["C"]
    for wanted in ("c.utf8", "en_us.utf8"):
        if wanted in normal:
            found.append(normal[wanted])
    return found


def test_the_vectors_cover_every_rule() -> None:
    orders = {v["order"] for v in VECTORS}
    assert orders == {-1, 0, 1}
    # Tab ids that byte order and a locale's collation would order differently.
    assert any(v["a"][2] == "B" and v["b"][2] == "a" for v in VECTORS)


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_python_orders_stamps_like_the_vectors(vector: dict[str, Any]) -> None:
    a, b = tuple(vector["a"]), tuple(vector["b"])
    assert stamp_order(a, b) == vector["order"]  # type: ignore[arg-type]
    assert stamp_order(b, a) == -vector["order"]  # type: ignore[arg-type]


@pytest.fixture(scope="module", params=_locales())
def lua_compare(
    request: pytest.FixtureRequest, redis_servers: Callable[..., Any]
) -> Iterator[Callable[[Any, Any], int]]:
    """``compare(a, b)`` through ``compare.lua`` (EVAL) on a server in one locale."""
    server = redis_servers(locale=request.param)
    client = server.client()
    script = lua_script("compare")

    def compare(a: Any, b: Any) -> int:
        return int(client.eval(script, 0, *a, *b))

    yield compare
    client.close()


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_lua_orders_stamps_like_the_vectors(
    vector: dict[str, Any], lua_compare: Callable[[Any, Any], int]
) -> None:
    assert lua_compare(vector["a"], vector["b"]) == vector["order"]
    assert lua_compare(vector["b"], vector["a"]) == -vector["order"]


@pytest.fixture(scope="module", params=["icu en-US", "C.UTF-8"])
def sql_compare(
    request: pytest.FixtureRequest, postgres_servers: Callable[..., Any]
) -> Iterator[Callable[[Any, Any], int]]:
    """``compare(a, b)`` through the relay's SQL row order on a server of one collation."""
    icu = request.param.startswith("icu")
    server = postgres_servers(icu=icu)
    conn = server.connect()
    # The ICU database really orders text otherwise than bytes: a plain text comparison
    # would fail the vectors there.
    assert conn.execute("SELECT 'B' < 'a'").fetchone()[0] is (not icu)

    def compare(a: Any, b: Any) -> int:
        names = ("wall", "counter", "tab")
        params = {f"a_{n}": v for n, v in zip(names, a, strict=True)}
        params.update({f"b_{n}": v for n, v in zip(names, b, strict=True)})
        return int(conn.execute(COMPARE, params).fetchone()[0])

    yield compare
    conn.close()


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_sql_orders_stamps_like_the_vectors(
    vector: dict[str, Any], sql_compare: Callable[[Any, Any], int]
) -> None:
    assert sql_compare(vector["a"], vector["b"]) == vector["order"]
    assert sql_compare(vector["b"], vector["a"]) == -vector["order"]


@pytest.mark.parametrize("kind", ALL_RELAYS)
@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_put_keeps_the_newer_of_each_vector_pair(
    vector: dict[str, Any], kind: str, request: pytest.FixtureRequest
) -> None:
    # Each relay's own compare-and-write: write a, then b; b replaces a only when a < b.
    relay = make_relay(kind, None if kind == "embedded" else url_of(kind, request))
    try:
        older, newer = (_entry(vector["a"], "a"), _entry(vector["b"], "b"))
        assert relay.put("vectors", older).stored
        outcome = relay.put("vectors", newer)
        assert outcome.stored is (vector["order"] == -1)
        kept = newer if vector["order"] == -1 else older
        assert relay.snapshot("vectors") == {"k": kept}
    finally:
        relay.close()


def _entry(stamp: list[Any], value: str) -> RelayEntry:
    text = json.dumps({"f": 1, "ns": "vectors", "k": "k", "v": value, "s": stamp})
    return RelayEntry.parse(text, "vectors")
