"""Secrets and login throttling that need no database."""

import os
import subprocess
import sys
import time
import uuid

import pytest

from backend.api.ratelimit import MemoryLimiter, RedisLimiter, login_limiter
from backend.config import DEFAULT_SECRET, Settings
from backend.main import create_app
from tests.conftest import REDIS_HOST_URL, free_port


def test_the_app_refuses_to_start_with_the_default_secret(tmp_path):
    settings = Settings(data_dir=tmp_path, demo=False, secret_key=DEFAULT_SECRET)
    with pytest.raises(RuntimeError, match="SEGLOOP_SECRET_KEY is unset"):
        create_app(settings)
    with pytest.raises(RuntimeError, match="SEGLOOP_SECRET_KEY is too short"):
        create_app(settings.model_copy(update={"secret_key": "hunter2"}))
    create_app(settings.model_copy(update={"demo": True}))
    create_app(settings.model_copy(update={"secret_key": "x" * 32}))


def test_the_api_command_exits_non_zero_without_a_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGLOOP_")}
    env["SEGLOOP_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "worker.cli", "api", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SEGLOOP_SECRET_KEY is unset" in result.stderr


@pytest.fixture(params=["memory", "redis"])
def limiter_factory(request):
    if request.param == "memory":
        return lambda attempts, window: MemoryLimiter(attempts, window)
    return lambda attempts, window: RedisLimiter(f"{REDIS_HOST_URL}/5", attempts, window)


def test_the_login_window_slides(limiter_factory):
    limiter = limiter_factory(3, 1.0)
    key = f"127.0.0.1|{uuid.uuid4().hex}@example.com"
    for _ in range(3):
        assert limiter.retry_after(key) == 0
        limiter.failed(key)
    assert limiter.retry_after(key) == 1
    assert limiter.retry_after("127.0.0.2|" + key.split("|")[1]) == 0, "per client address"
    time.sleep(1.1)
    assert limiter.retry_after(key) == 0
    limiter.failed(key)
    limiter.reset(key)
    assert limiter.retry_after(key) == 0


def test_api_processes_share_the_window_through_redis(tmp_path):
    settings = Settings(data_dir=tmp_path, broker_url=f"{REDIS_HOST_URL}/5", login_attempts=2)
    first = RedisLimiter(settings.broker_url, 2, 60)
    key = f"10.0.0.1|{uuid.uuid4().hex}@example.com"
    first.failed(key)
    first.failed(key)
    second = RedisLimiter(settings.broker_url, 2, 60)
    assert second.retry_after(key) > 0
    assert isinstance(login_limiter(settings), RedisLimiter)
    embedded = Settings(data_dir=tmp_path, broker_url=f"sqla+sqlite:///{tmp_path}/broker.db")
    assert isinstance(login_limiter(embedded), MemoryLimiter)
