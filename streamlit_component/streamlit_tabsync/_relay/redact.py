"""Keeping passwords out of what a relay says: reasons, log lines, error messages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

# The user-info part of any URL-like text: "scheme://user:password@".
_USERINFO = re.compile(r"(?<=://)[^/@\s]*@")
# A password given as a query parameter (?password=...) or a key=value setting.
_PASSWORD_SETTING = re.compile(r"""password\s*=\s*('(?:[^'\\]|\\.)*'|[^&#\s]*)""", re.IGNORECASE)


def secrets_of(url: str, extra: Iterable[str | None] = ()) -> list[str]:
    """The passwords in ``url`` (in its user info, ``?password=`` or ``password=...``), as
    written and unquoted, plus ``extra``; longest first, so no secret is left half-masked."""
    found: set[str] = {s for s in extra if s}
    try:
        parts = urlsplit(url)
        if parts.password:
            found.update({parts.password, unquote(parts.password)})
    except ValueError:
        pass
    for match in _PASSWORD_SETTING.finditer(url):
        value = match.group(1)
        found.update({value, unquote(value), value.strip("'")})
    return sorted((s for s in found if s), key=len, reverse=True)


class Redactor:
    """Masks credentials in text: any URL's user info, then each known secret wherever it
    shows (a driver may quote the password in a message of its own)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted((s for s in secrets if s), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """``text`` with every credential replaced by ``***``."""
        text = _USERINFO.sub("***@", text)
        text = _PASSWORD_SETTING.sub("password=***", text)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text
