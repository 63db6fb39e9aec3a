"""The relays' servers for the across-devices tests: real ``redis-server`` and PostgreSQL
processes (Debian's, from ``make setup``), from :mod:`tests.support.relays`, re-exported for
the tests. ``RedisProcess`` is the Redis one as a relay's store."""

from __future__ import annotations

from tests.support.redis_server import REDIS_SERVER
from tests.support.relays import PostgresProcess
from tests.support.relays import RedisRelayProcess as RedisProcess

__all__ = ["REDIS_SERVER", "PostgresProcess", "RedisProcess"]
