"""The arguments of :func:`~streamlit_tabsync.sync`, checked once into :class:`SyncOptions`.

Every malformed argument raises :class:`~.errors.TabSyncError` naming it, before anything
runs; what comes out is what the rest of ``sync`` needs: the bound keys and validators, the
namespace (channel, or a digest of channel and user), and the options the browser needs.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import _compat, _settings
from ._rules import is_valid_key, is_valid_name
from ._validate import Validator
from .errors import TabSyncError


@dataclass(frozen=True)
class SyncOptions:
    """One ``sync`` call's arguments, checked (see :func:`sync_options`)."""

    #: The bound keys with their validators (``None``: the default type check), in order.
    validators: dict[str, Validator | None]
    #: The channel as the app named it (or the default one).
    channel: str
    #: The namespace the keys are shared in: the channel, or a digest of channel and user.
    namespace: str
    #: True with ``across="devices"`` and a signed-in user: the server relay is used.
    devices: bool
    #: Time to live of shared values in ms, or ``None``.
    ttl_ms: int | None
    #: ``"lww"`` or ``"reject"``.
    conflict: str
    #: Whether the browser counts who else is here.
    presence: bool
    #: Key of the (invisible) component.
    component_key: str
    on_conflict: Callable[[str, Any, Any], None] | None
    on_change: Callable[[Any], None] | None

    @property
    def bound(self) -> list[str]:
        """The bound keys, in order."""
        return list(self.validators)


def sync_options(
    keys: Sequence[str] | Mapping[str, Validator | None],
    *,
    channel: str | None,
    user: Any,
    across: str,
    ttl: float | None,
    conflict: str,
    on_conflict: Callable[[str, Any, Any], None] | None,
    on_change: Callable[[Any], None] | None,
    key: str | None,
    presence: bool,
) -> SyncOptions:
    """Checks the arguments of ``sync`` (see its docstring for what each means).

    Raises
    ------
    TabSyncError
        Naming the first argument that is malformed.
    """
    validators = _check_keys(keys)
    channel_name = channel if channel is not None else _default_channel()
    if not is_valid_name(channel_name):
        raise TabSyncError(
            f"channel must be 1-64 letters, digits, '_', '.' or '-', got {channel_name!r}"
        )
    if across not in ("tabs", "devices"):
        raise TabSyncError(f'across must be "tabs" or "devices", got {across!r}')
    if across == "devices" and user is None:
        raise TabSyncError(
            'across="devices" needs user= (a user id or st.user): shared state follows one '
            "user across devices and must never reach another user"
        )
    user_id = None if user is None else user_id_of(user)
    if user is None:
        namespace = channel_name
    else:
        namespace = scoped_namespace(
            channel_name, user_id if user_id is not None else "\0anonymous"
        )
    if conflict not in ("lww", "reject"):
        raise TabSyncError(f'conflict must be "lww" or "reject", got {conflict!r}')
    if not isinstance(presence, bool):
        raise TabSyncError(f"presence must be True or False, got {presence!r}")
    for name, callback in (("on_conflict", on_conflict), ("on_change", on_change)):
        if callback is not None and not callable(callback):
            raise TabSyncError(f"{name} must be a callable or None, got {callback!r}")
    return SyncOptions(
        validators=validators,
        channel=channel_name,
        namespace=namespace,
        devices=across == "devices" and user_id is not None,
        ttl_ms=_ttl_ms(ttl),
        conflict=conflict,
        presence=presence,
        component_key=key if key is not None else f"tabsync:{channel_name}",
        on_conflict=on_conflict,
        on_change=on_change,
    )


def _ttl_ms(ttl: float | None) -> int | None:
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl > 0:
        raise TabSyncError(f"ttl must be a positive number of seconds, got {ttl!r}")
    return math.ceil(ttl * 1000)


def _default_channel() -> str:
    """One namespace per app: a short hash of the main script's path."""
    path = _compat.main_script_path()
    return "app-" + hashlib.sha256(path.encode("utf-8")).hexdigest()[:12]


def _check_keys(
    keys: Sequence[str] | Mapping[str, Validator | None],
) -> dict[str, Validator | None]:
    """The bound keys with their validators (``None``: the default type check)."""
    if isinstance(keys, Mapping):
        pairs = list(keys.items())
    elif isinstance(keys, str) or not isinstance(keys, Sequence):
        raise TabSyncError("keys must be a list of session_state key names, e.g. ['zoom']")
    else:
        pairs = [(k, None) for k in keys]
    if not pairs:
        raise TabSyncError("keys must name at least one session_state key")
    checked: dict[str, Validator | None] = {}
    for key, validator in pairs:
        if not isinstance(key, str) or not key:
            raise TabSyncError(f"every key must be a non-empty string, got {key!r}")
        if not is_valid_key(key):
            raise TabSyncError(
                f"the key {key!r} cannot be shared: keys are 1 to 256 bytes (UTF-8) with no "
                "control characters"
            )
        if key in checked:
            raise TabSyncError(f"keys must not repeat, {key!r} does")
        if validator is not None and not callable(validator):
            raise TabSyncError(
                f"the validator of {key!r} must be a type or a callable, got {validator!r}"
            )
        checked[key] = validator
    return checked


def user_id_of(user: Any) -> str | None:
    """A stable id for ``user``: a string, or a mapping like ``st.user``.

    Of ``st.user`` the identity provider's issuer and subject (``iss`` + ``sub``: stable and
    unique per provider) are used, else ``email``. ``None`` for a user who is not logged in.
    """
    if isinstance(user, str):
        if not user:
            raise TabSyncError("user must not be empty")
        return user
    getter = getattr(user, "get", None)
    if callable(getter):
        if getter("is_logged_in") is False:
            return None
        iss, sub = getter("iss"), getter("sub")
        if isinstance(sub, str) and sub:
            return f"{iss}\0{sub}" if isinstance(iss, str) and iss else sub
        for field_name in ("email", "id"):
            value = getter(field_name)
            if isinstance(value, str) and value:
                return value
    raise TabSyncError(
        "user must be a string id or a mapping with 'sub' or 'email' (such as st.user)"
    )


def scoped_namespace(namespace: str, user_id: str) -> str:
    """The namespace of ``user_id`` within ``namespace``: only a digest of the id is stored
    (see :func:`keyed_digest`)."""
    return "u-" + keyed_digest(namespace, user_id)


def keyed_digest(first: str, second: str) -> str:
    """32 hex digits of a digest of two names, never the names themselves: an HMAC keyed with
    ``TABSYNC_SECRET`` when it is set (so a digest confirms no guess), else SHA-256."""
    message = f"{first}\0{second}".encode()
    secret = _settings.user_secret()
    if secret:
        digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    else:
        digest = hashlib.sha256(message).hexdigest()
    return digest[:32]
