"""Checks that a value from another tab fits a key before it is applied.

By default a value must have the JSON type of the key's current value
(:func:`~streamlit_tabsync._values.coerce_like`). A validator given for the key replaces that
check: a type (``int``, ``str``, ...), a pydantic model class, or a callable returning a bool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._values import coerce_like

#: What may check a key's values: a type, a pydantic model class, or a predicate.
Validator = type | Callable[[Any], bool]


def _is_pydantic_model(validator: Any) -> bool:
    return isinstance(validator, type) and callable(getattr(validator, "model_validate", None))


def check(remote: Any, current: Any, validator: Validator | None) -> tuple[bool, Any]:
    """Decide whether ``remote`` may be applied where the tab holds ``current``.

    Returns
    -------
    tuple of (bool, Any)
        ``(True, value)`` with the value to assign (shaped like ``current`` where it can be),
        or ``(False, reason)``. Never raises: a validator that raises counts as a refusal.
    """
    if validator is None:
        return coerce_like(remote, current)
    shaped_ok, shaped = coerce_like(remote, current)
    value = shaped if shaped_ok else remote
    try:
        if _is_pydantic_model(validator):
            validator.model_validate(value)  # type: ignore[union-attr]
            return True, value
        if isinstance(validator, type):
            if validator is float and isinstance(value, int) and not isinstance(value, bool):
                return True, float(value)
            if isinstance(value, validator):
                return True, value
            return False, f"expected {validator.__name__}"
        if validator(value):
            return True, value
        return False, "refused by the key's validator"
    except Exception as exc:  # noqa: BLE001 - untrusted input must never raise in the script
        return False, f"validator raised {type(exc).__name__}: {exc}"
