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


#: Wraps a dict that would otherwise read as a tag (one key starting with ``$``), so a
#: plain ``{"$date": "2026-11-25"}`` arrives as that dict, not as a date.
_ESCAPE = "$dict"


def _prepare(key: str, value: Any, depth: int = 0) -> Any:
    """Check a value's structure and return it with tag-like dicts escaped.

    Raises
    ------
    UnshareableValueError
        For a dict key that is not a string (JSON would turn ``1`` into ``"1"``, so other
        tabs would get another dict), a ``"__proto__"`` key, or nesting deeper than
        :data:`MAX_DEPTH`.
    """
    if isinstance(value, dict):
        if depth + 1 > MAX_DEPTH:
            raise UnshareableValueError(key, f"it nests deeper than {MAX_DEPTH} levels")
        for name in value:
            if not isinstance(name, str):
                raise UnshareableValueError(
                    key, f"it has a dict key that is not a string ({name!r})"
                )
        if _RESERVED_KEY in value:
            raise UnshareableValueError(key, f"it has a {_RESERVED_KEY!r} dict key")
        out = {name: _prepare(key, item, depth + 1) for name, item in value.items()}
        if len(out) == 1 and next(iter(out)).startswith("$"):
            return {_ESCAPE: out}
        return out
    if isinstance(value, (list, tuple)):
        if depth + 1 > MAX_DEPTH:
            raise UnshareableValueError(key, f"it nests deeper than {MAX_DEPTH} levels")
        return [_prepare(key, item, depth + 1) for item in value]
    return value


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

    A tag that does not parse is left as it is (and then fails the type check). An escaped
    dict (``{"$dict": {...}}``, see :func:`to_json_text`) comes back as the dict it holds.
    """
    if isinstance(value, list):
        return [untag(item) for item in value]
    if isinstance(value, dict):
        if len(value) == 1:
            (tag, inner), = value.items()
            if tag == _ESCAPE and isinstance(inner, dict):
                return {k: untag(v) for k, v in inner.items()}
            parse = _TAGS.get(tag)
            if parse is not None and isinstance(inner, str):
                try:
                    return parse(inner)
                except ValueError:
                    return value
        return {k: untag(v) for k, v in value.items()}
    return value


def to_json_text(key: str, value: Any) -> str:
    """Encode ``value`` as canonical JSON text (sorted keys, no spaces).

    Canonical text makes two equal values compare equal as strings, which is how a local edit
    is told apart from an unchanged value. A dict whose one key starts with ``$`` is wrapped
    as ``{"$dict": {...}}`` so that it never reads as a date/time tag on the way back.

    Raises
    ------
    UnshareableValueError
        If the value is not JSON data, holds a non-finite float or a string that is not
        valid Unicode (a lone surrogate), has a dict key that is not a string or is
        ``"__proto__"``, nests too deep, or is over the size cap.
    """
    prepared = _prepare(key, value)
    try:
        text = json.dumps(
            prepared,
            sort_keys=True,
            separators=(",", ":"),
            allow_nan=False,
            ensure_ascii=False,
            default=_tag,
        )
        size = len(text.encode("utf-8"))
    except (TypeError, ValueError) as exc:
        # ValueError covers NaN/inf and a str holding a lone surrogate (not encodable).
        raise UnshareableValueError(key, f"it is not JSON data ({exc})") from None
    if size > MAX_VALUE_BYTES:
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
            # A datetime is a date subclass, yet not a value a date widget takes.
            is_datetime_for_date = kind is dt.date and isinstance(remote, dt.datetime)
            if isinstance(remote, kind) and not is_datetime_for_date:
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
            for mine, theirs in zip(current, items, strict=True):
                ok, value = coerce_like(theirs, mine)
                if not ok:
                    return False, f"tuple item: {value}"
                shaped.append(value)
            return True, tuple(shaped)
        return True, tuple(items) if isinstance(current, tuple) else items
    if isinstance(current, dict):
        return (True, remote) if isinstance(remote, dict) else (False, "expected an object")
    return True, remote
