"""Every setting the package reads from its environment, in one place.

Each setting is an environment variable of the Streamlit server; those that hold secrets or
deployment addresses may also come from ``[tabsync]`` in Streamlit's secrets
(``.streamlit/secrets.toml``), the environment winning. Nothing else in the package reads
``os.environ`` or ``st.secrets``.

========================  ====================  ==============================================
environment               ``[tabsync]`` secret  what it does
========================  ====================  ==============================================
``TABSYNC_REDIS_URL``     ``redis_url``         the Redis relay, for several server processes
``TABSYNC_DATABASE_URL``  ``database_url``      the PostgreSQL relay, for several server
                                                processes (not with a Redis URL as well)
``TABSYNC_SECRET``        ``secret``            the key of the HMAC of user ids
``TABSYNC_WAKEUP``                              ``poll``: idle sessions poll for news instead
                                                of being rerun by the server
``TABSYNC_HOST``                                ``v1`` or ``v2``: force a component host
``TABSYNC_DEV_URL``                             serve the (v1) component from a dev server
========================  ====================  ==============================================
"""

from __future__ import annotations

import os


def _setting(env: str, secret: str | None = None) -> str | None:
    """``env`` from the environment, else ``[tabsync] <secret>`` in Streamlit's secrets (when
    ``secret`` is given), else ``None``. Empty values count as unset."""
    value = os.environ.get(env)
    if value:
        return value
    if secret is None:
        return None
    try:
        import streamlit as st

        section = st.secrets.get("tabsync")
        found = section.get(secret) if section is not None else None
    except Exception:  # noqa: BLE001 - no secrets file, or an unreadable one
        return None
    return found if isinstance(found, str) and found else None


def redis_url() -> str | None:
    """``TABSYNC_REDIS_URL``, else ``redis_url`` under ``[tabsync]`` in secrets."""
    return _setting("TABSYNC_REDIS_URL", "redis_url")


def database_url() -> str | None:
    """``TABSYNC_DATABASE_URL``, else ``database_url`` under ``[tabsync]`` in secrets."""
    return _setting("TABSYNC_DATABASE_URL", "database_url")


def user_secret() -> str | None:
    """``TABSYNC_SECRET``, else ``secret`` under ``[tabsync]`` in secrets."""
    return _setting("TABSYNC_SECRET", "secret")


def wakeup_forced_to_poll() -> bool:
    """Whether ``TABSYNC_WAKEUP=poll`` forces the polling fallback (to test it, or where
    reruns of other sessions misbehave)."""
    return _setting("TABSYNC_WAKEUP") == "poll"


def forced_host() -> str:
    """``TABSYNC_HOST``, stripped and lower-cased; ``""`` when unset."""
    return (_setting("TABSYNC_HOST") or "").strip().lower()


def dev_url() -> str | None:
    """``TABSYNC_DEV_URL``: where a frontend dev server runs, if one does."""
    return _setting("TABSYNC_DEV_URL")
