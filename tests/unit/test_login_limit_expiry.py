"""Login failure counters disappear with their window: guessing across many addresses or
emails cannot grow the limiter's store without bound (memory or Redis)."""

import hashlib
import time
import uuid

import redis

from backend.api.ratelimit import MemoryLimiter, RedisLimiter
from tests.conftest import REDIS_HOST_URL


def test_memory_counters_are_evicted_when_their_window_ends():
    limiter = MemoryLimiter(attempts=2, window=1)
    for i in range(50):
        limiter.failed(f"10.0.0.{i}|someone@example.com")
    time.sleep(1.1)
    limiter.failed("10.0.1.1|someone@example.com")
    limiter.storage.timer.join(timeout=5)  # the sweep a failure schedules
    assert limiter.storage.reset() == 1, "only the fresh counter is left"


def test_redis_counters_carry_the_window_as_their_ttl():
    limiter = RedisLimiter(f"{REDIS_HOST_URL}/5", attempts=2, window=1)
    key = f"10.0.0.1|{uuid.uuid4().hex}@example.com"
    limiter.failed(key)
    limiter.failed(key)
    assert limiter.retry_after(key) == 1
    client = redis.Redis.from_url(f"{REDIS_HOST_URL}/5")
    digest = hashlib.sha256(key.encode()).hexdigest()
    [name] = list(client.scan_iter(match=f"segloop:login:*{digest}*"))
    assert 0 < client.ttl(name) <= 1
    time.sleep(1.1)
    assert not client.exists(name)
    assert limiter.retry_after(key) == 0
    client.close()
