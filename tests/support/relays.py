"""The shared relays' servers in the role of a relay's store, for the across-devices e2e
tests and benchmarks: one interface over a real ``redis-server`` and a real PostgreSQL.

Both have ``name`` (as ``SyncInfo.relay`` says it), ``env`` (the variable that points a
Streamlit server at it) and ``url``; ``start()`` (again on the same port after ``kill()``:
Redis comes back empty, PostgreSQL with its data), ``kill()`` and ``stop()`` (for good, files
removed); and what the relay holds for a scope: ``live_entries(scope)`` and
``expires_in_ms(scope)``.
"""

from __future__ import annotations

from streamlit_tabsync._relay.redis_relay import entries_key

from .postgres_server import PostgresServer
from .redis_server import RedisProcess


class RedisRelayProcess(RedisProcess):
    """A :class:`RedisProcess` as a relay's store."""

    name = "redis"
    env = "TABSYNC_REDIS_URL"

    def stop(self) -> None:
        """Stop for good (nothing on disk to remove: persistence is off)."""
        self.kill()

    def live_entries(self, scope: str) -> int:
        """How many entries the relay holds for ``scope`` (its key expires with them)."""
        return self.client().hlen(entries_key(scope))

    def expires_in_ms(self, scope: str) -> int:
        """How long until the scope's entries expire (-1: never, -2: none held)."""
        return self.client().pttl(entries_key(scope))


class PostgresProcess(PostgresServer):
    """A PostgreSQL server (see :mod:`.postgres_server`) as the relay's store; killed, it
    starts again on the same directory and port with its data."""

    name = "postgres"
    env = "TABSYNC_DATABASE_URL"

    def live_entries(self, scope: str) -> int:
        """How many unexpired entries the relay holds for ``scope``."""
        return int(self._scalar(
            f"SELECT count(*) FROM tabsync.entries WHERE scope = %s AND {_LIVE}", scope
        ))

    def expires_in_ms(self, scope: str) -> int:
        """How long until the scope's last entry expires (-1: never, -2: none held)."""
        left = self._scalar(
            f"SELECT CASE WHEN count(*) = 0 THEN -2 WHEN bool_or(expires_at IS NULL) THEN -1 "
            f"ELSE max(expires_at) - {_NOW_MS} END "
            f"FROM tabsync.entries WHERE scope = %s AND {_LIVE}",
            scope,
        )
        return int(left)

    def _scalar(self, query: str, *params: object) -> object:
        with self.connect() as conn:
            return conn.execute(query, params).fetchone()[0]


_NOW_MS = "floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
_LIVE = f"(expires_at IS NULL OR expires_at > {_NOW_MS})"
