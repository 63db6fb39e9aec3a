"""Real ``redis-server`` processes for the across-devices tests: the shared
:class:`tests.support.redis_server.RedisProcess`, re-exported for the tests."""

from __future__ import annotations

from tests.support.redis_server import REDIS_SERVER, RedisProcess

__all__ = ["REDIS_SERVER", "RedisProcess"]
