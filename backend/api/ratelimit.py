"""Login throttling: failed attempts per (client address, email), counted by the `limits`
library in a window that opens at the first failure and expires with it.

With a Redis broker the counters live in Redis, so every API process shares them; otherwise
(the embedded demo) they live in this process's memory. Either way a counter disappears when
its window ends, so guessing across many addresses or emails cannot grow the store without
bound. A success clears the caller's counter, so only guessing is slowed down. Behind a
reverse proxy, run uvicorn with --proxy-headers (and --forwarded-allow-ips) so the client
address is the real one.
"""

import hashlib
import logging
import math
import threading
import time
from functools import lru_cache

from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter

from backend.config import Settings

log = logging.getLogger(__name__)


class LoginLimiter:
    def __init__(self, storage: Storage, attempts: int, window: float) -> None:
        self.storage = storage
        self.item = RateLimitItemPerSecond(attempts, max(1, math.ceil(window)), "failures")
        self.strategy = FixedWindowRateLimiter(storage)

    @staticmethod
    def _id(key: str) -> str:
        """Hashed, so the store never holds email addresses."""
        return hashlib.sha256(key.encode()).hexdigest()

    def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again; 0 when it may now."""
        try:
            stats = self.strategy.get_window_stats(self.item, self._id(key))
        except StorageError as exc:
            # Logins must keep working while Redis is away; the broker is down then anyway.
            log.warning("login rate limit unavailable: %s", exc)
            return 0
        if stats.remaining > 0:
            return 0
        return max(1, math.ceil(stats.reset_time - time.time()))

    def failed(self, key: str) -> None:
        try:
            self.strategy.hit(self.item, self._id(key))
        except StorageError as exc:
            log.warning("login rate limit unavailable: %s", exc)

    def reset(self, key: str) -> None:
        try:
            self.strategy.clear(self.item, self._id(key))
        except StorageError as exc:
            log.warning("login rate limit unavailable: %s", exc)


class MemoryLimiter(LoginLimiter):
    """This process only; expired counters are swept after each failure."""

    def __init__(self, attempts: int, window: float) -> None:
        super().__init__(MemoryStorage(), attempts, window)


class RedisLimiter(LoginLimiter):
    """Shared by every API process; each counter is a Redis key with the window as its TTL."""

    def __init__(self, url: str, attempts: int, window: float) -> None:
        storage = RedisStorage(
            url,
            key_prefix="segloop:login",
            wrap_exceptions=True,
            socket_timeout=2,
            socket_connect_timeout=2,
        )
        super().__init__(storage, attempts, window)


@lru_cache(maxsize=8)
def _limiter(broker_url: str, attempts: int, window: float) -> LoginLimiter:
    if broker_url.startswith(("redis://", "rediss://")):
        return RedisLimiter(broker_url, attempts, window)
    return MemoryLimiter(attempts, window)


# limits imports the redis client lazily and not thread-safely: threads building their first
# RedisStorage at once fail ("minimum version of 3.0 for 'redis'... found 0.0.0"), which made
# a burst of first logins answer 500. Each limiter is built once, under this lock.
_BUILDING = threading.Lock()


def login_limiter(settings: Settings) -> LoginLimiter:
    with _BUILDING:
        return _limiter(settings.broker_url, settings.login_attempts, settings.login_window_seconds)
