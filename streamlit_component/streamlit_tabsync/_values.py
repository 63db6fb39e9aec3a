"""Conversion between Python values in ``st.session_state`` and the JSON shared between tabs.

Values travel as JSON. Going out, tuples become lists and dates, times and datetimes become
tagged objects (``{"$date": "2026-11-25"}``); coming back, tags become those types again, a
list is turned into a tuple where the tab's current value is a tuple (a range slider's
value), and numbers follow the current value's int/float kind, so widgets get the types they
were created with.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from .errors import UnshareableValueError

#: Largest encoded size, in bytes of UTF-8 JSON, of one shared value. The browser side enforces
#: the same cap on what it reads from storage.
MAX_VALUE_BYTES = 64 * 1024

#: Deepest nesting of lists and dicts in a shared value (the browser side's cap).
MAX_DEPTH = 32

# A dict key that a JS frame would turn into a prototype assignment: refused on both sides.
_RESERVED_KEY = "__proto__"


def _check_structure(key: str, value: Any) -> None:
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if _RESERVED_KEY in node:
                raise UnshareableValueError(key, f"it has a {_RESERVED_KEY!r} dict key")
            children = list(node.values())
        elif isinstance(node, (list, tuple)):
            children = list(node)
        else:
            continue
        if depth + 1 > MAX_DEPTH:
            raise UnshareableValueError(key, f"it nests deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children)


_TAGS: dict[str, Any] = {
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$time": dt.time.fromisoformat,
}


def _tag(value: Any) -> Any:
    """``json.dumps`` hook: dates, times and datetimes as tagged ISO strings."""
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    raise TypeError(f"{type(value).__name__} is not JSON data")


def untag(value: Any) -> Any:
    """Turn tagged objects back into dates, times and datetimes, at any depth.

    A tag that does not parse is left as it is (and then fails the type check).
    """
    if isinstance(value, list):
        return [untag(item) for item in value]
    if isinstance(value, dict):
        if len(value) == 1:
            (tag, text), = value.items()
            parse = _TAGS.get(tag)
            if parse is not None and isinstance(text, str):
                try:
                    return parse(text)
                except ValueError:
                    return value
        return {k: untag(v) for k, v in value.items()}
    return value


def to_json_text(key: str, value: Any) -> str:
    """Encode ``value`` as canonical JSON text (sorted keys, no spaces).

    Canonical text makes two equal values compare equal as strings, which is how a local edit
    is told apart from an unchanged value.

    Raises
    ------
    UnshareableValueError
        If the value is not JSON data, holds a non-finite float, nests too deep, has a
        ``"__proto__"`` dict key, or is over the size cap.
    """
    try:
        text = json.dumps(
            value,
            sort_keys=True,
            separators=(",", ":"),
            allow_nan=False,
            ensure_ascii=False,
            default=_tag,
        )
    except (TypeError, ValueError) as exc:
        raise UnshareableValueError(key, f"it is not JSON data ({exc})") from None
    _check_structure(key, value)
    if len(text.encode("utf-8")) > MAX_VALUE_BYTES:
        raise UnshareableValueError(
            key, f"its JSON encoding is over the {MAX_VALUE_BYTES}-byte cap"
        )
    return text


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def coerce_like(remote: Any, current: Any) -> tuple[bool, Any]:
    """Shape a value received from another tab like the tab's current value.

    Parameters
    ----------
    remote
        The decoded JSON value from another tab.
    current
        This tab's current value for the same key, or ``None`` when it has none yet.

    Returns
    -------
    tuple of (bool, Any)
        ``(True, value)`` with the value to apply, or ``(False, reason)`` when the remote value
        does not fit the current value's type and must not be applied.
    """
    if current is None:
        return True, remote
    for kind in (dt.datetime, dt.date, dt.time):
        if isinstance(current, kind):
            if isinstance(remote, kind) and (kind is not dt.date or not isinstance(remote, dt.datetime)):
                return True, remote
            return False, f"expected a {kind.__name__}"
    if isinstance(current, bool):
        if isinstance(remote, bool):
            return True, remote
        return False, "expected a boolean"
    if _is_number(current):
        if not _is_number(remote) or (isinstance(remote, float) and not math.isfinite(remote)):
            return False, "expected a number"
        if isinstance(current, int) and isinstance(remote, float) and remote.is_integer():
            return True, int(remote)
        if isinstance(current, float):
            return True, float(remote)
        return True, remote
    if isinstance(current, str):
        return (True, remote) if isinstance(remote, str) else (False, "expected a string")
    if isinstance(current, (list, tuple)):
        if not isinstance(remote, list):
            return False, "expected a list"
        items = list(remote)
        # Keep the element kinds of a numeric range, e.g. a float range slider's (2.0, 8.0).
        if isinstance(current, tuple) and len(current) == len(items):
            shaped = []
            for mine, theirs in zip(current, items):
                ok, value = coerce_like(theirs, mine)
                if not ok:
                    return False, f"tuple item: {value}"
                shaped.append(value)
            return True, tuple(shaped)
        return True, tuple(items) if isinstance(current, tuple) else items
    if isinstance(current, dict):
        return (True, remote) if isinstance(remote, dict) else (False, "expected an object")
    return True, remote
