"""Login throttling: failed attempts per (client address, email) in a sliding window.

With a Redis broker the window lives in Redis, so every API process shares it; otherwise
(the embedded demo) it lives in this process's memory. A success clears the caller's window,
so only guessing is slowed down. Behind a reverse proxy, run uvicorn with --proxy-headers
(and --forwarded-allow-ips) so the client address is the real one.
"""

import hashlib
import logging
import threading
import time
import uuid
from collections import deque
from functools import lru_cache
from typing import Protocol

import redis

from backend.config import Settings

log = logging.getLogger(__name__)


class LoginLimiter(Protocol):
    def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again; 0 when it may now."""
        ...

    def failed(self, key: str) -> None: ...

    def reset(self, key: str) -> None: ...


class MemoryLimiter:
    def __init__(self, attempts: int, window: float) -> None:
        self.attempts = attempts
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def retry_after(self, key: str) -> int:
        now = time.monotonic()
        with self._lock:
            failures = self._recent(key, now)
            if len(failures) < self.attempts:
                return 0
            # The window reopens when the oldest failure that keeps it full slides out.
            return max(1, int(failures[-self.attempts] + self.window - now + 0.999))

    def failed(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(key, now).append(now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


class RedisLimiter:
    """One sorted set of failure times per key, expiring with the window."""

    def __init__(self, url: str, attempts: int, window: float) -> None:
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.attempts = attempts
        self.window = window

    @staticmethod
    def _key(key: str) -> str:
        return "segloop:login-failures:" + hashlib.sha256(key.encode()).hexdigest()

    def retry_after(self, key: str) -> int:
        now = time.time()
        try:
            pipe = self.redis.pipeline()
            pipe.zremrangebyscore(self._key(key), 0, now - self.window)
            pipe.zrange(self._key(key), 0, -1, withscores=True)
            _, failures = pipe.execute()
        except redis.RedisError as exc:
            # Logins must keep working while Redis is away; the broker is down then anyway.
            log.warning("login rate limit unavailable: %s", exc)
            return 0
        if len(failures) < self.attempts:
            return 0
        return max(1, int(failures[-self.attempts][1] + self.window - now + 0.999))

    def failed(self, key: str) -> None:
        now = time.time()
        try:
            pipe = self.redis.pipeline()
            pipe.zadd(self._key(key), {uuid.uuid4().hex: now})
            pipe.expire(self._key(key), int(self.window) + 1)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("login rate limit unavailable: %s", exc)

    def reset(self, key: str) -> None:
        try:
            self.redis.delete(self._key(key))
        except redis.RedisError as exc:
            log.warning("login rate limit unavailable: %s", exc)


@lru_cache(maxsize=8)
def _limiter(broker_url: str, attempts: int, window: float) -> LoginLimiter:
    if broker_url.startswith(("redis://", "rediss://")):
        return RedisLimiter(broker_url, attempts, window)
    return MemoryLimiter(attempts, window)


def login_limiter(settings: Settings) -> LoginLimiter:
    return _limiter(settings.broker_url, settings.login_attempts, settings.login_window_seconds)
