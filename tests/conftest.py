"""Shared fixtures: real PostgreSQL and Redis on this machine, and a live segloop stack
(API server and Celery worker as separate processes) for end-to-end tests."""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

POSTGRES_ADMIN_URL = os.environ.get(
    "SEGLOOP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_HOST_URL = os.environ.get("SEGLOOP_TEST_REDIS", "redis://127.0.0.1:6379")
ADMIN = ("admin@example.com", "admin-password")
ANNOTATOR = ("annotator@example.com", "annotator-password")
ANNOTATOR_2 = ("annotator2@example.com", "annotator-password")

# Every process the tests start shares the machine's 2 cores.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("SEGLOOP_SECRET_KEY", "test-" + secrets.token_hex(16))
os.environ.setdefault("SEGLOOP_BROKER_URL", f"{REDIS_HOST_URL}/5")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_postgres_database() -> str:
    """A fresh, empty database for one test module or stack; the caller drops it."""
    name = f"segloop_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}"


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _reset_caches() -> None:
    from backend.config import get_settings
    from backend.db import get_engine, get_sessionmaker

    get_settings.cache_clear()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()


@contextmanager
def segloop_environment(database_url: str, data_dir: Path, demo_data: Path) -> Iterator[None]:
    """Point this process's settings at a migrated database with the three test users."""
    saved = dict(os.environ)
    os.environ.update(
        SEGLOOP_DATA_DIR=str(data_dir),
        SEGLOOP_DATABASE_URL=database_url,
        SEGLOOP_IMPORT_ROOTS=json.dumps([str(demo_data), str(data_dir / "imports")]),
        SEGLOOP_MAX_UPLOAD_BYTES=str(5 * 1024 * 1024),
    )
    _reset_caches()
    from backend.db import get_engine, open_session
    from backend.migrate import upgrade
    from backend.models import Role
    from backend.services.users import ensure_user

    upgrade(database_url)
    with open_session() as session:
        ensure_user(session, *ADMIN, Role.admin)
        ensure_user(session, *ANNOTATOR, Role.annotator)
        ensure_user(session, *ANNOTATOR_2, Role.annotator)
    try:
        yield
    finally:
        get_engine().dispose()
        os.environ.clear()
        os.environ.update(saved)
        _reset_caches()


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> Path:
    """A small generated source/target dataset in the generic layout."""
    from worker.ml.synthetic import generate_demo_dataset

    root = tmp_path_factory.mktemp("demo-data")
    return generate_demo_dataset(root, seed=0, size=(64, 48), n_source=16, n_pool=10, n_val=6)


@dataclass
class Stack:
    """A running segloop: API server + worker processes over real services."""

    base_url: str
    env: dict[str, str]
    data_dir: Path
    database_url: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: Path | None = None

    def client(self, email: str, password: str) -> httpx.Client:
        response = httpx.post(
            f"{self.base_url}/api/v1/login/access-token",
            data={"username": email, "password": password},
        )
        response.raise_for_status()
        token = response.json()["access_token"]
        return httpx.Client(
            base_url=f"{self.base_url}/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )

    def segloop(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "worker.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    def start(self, name: str, *args: str) -> subprocess.Popen:
        assert self.logs is not None
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "worker.cli", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes[name] = process
        return process

    def start_worker(self, name: str = "worker") -> subprocess.Popen:
        return self.start(name, "worker", "--queues", "gpu,cpu")

    def stop(self, name: str, sig: int = 15) -> None:
        process = self.processes.pop(name)
        process.send_signal(sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log_tail(self, name: str, lines: int = 60) -> str:
        assert self.logs is not None
        path = self.logs / f"{name}.log"
        return (
            "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            if path.exists()
            else ""
        )

    def wait_round(self, client: httpx.Client, round_id: int, timeout: float = 600) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            round_ = client.get(f"/rounds/{round_id}").json()
            if round_["status"] in ("done", "failed", "cancelled"):
                return round_
            time.sleep(1)
        raise AssertionError(
            f"round {round_id} did not finish: {round_}\n{self.log_tail('worker')}"
        )


def _wait_healthy(base_url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the API process exited during start-up")
        try:
            if httpx.get(f"{base_url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the API did not become healthy")


def start_stack(
    tmp: Path, demo_data: Path, database_url: str, broker_url: str, worker: bool = True
) -> Stack:
    port = free_port()
    env = {
        **os.environ,
        "SEGLOOP_DATA_DIR": str(tmp),
        "SEGLOOP_DATABASE_URL": database_url,
        "SEGLOOP_BROKER_URL": broker_url,
        "SEGLOOP_IMPORT_ROOTS": json.dumps([str(demo_data)]),
        "SEGLOOP_ROUND_LEASE_SECONDS": "10",
        "PYTHONUNBUFFERED": "1",
    }
    stack = Stack(
        base_url=f"http://127.0.0.1:{port}",
        env=env,
        data_dir=demo_data,
        database_url=database_url,
        logs=tmp,
    )
    stack.segloop("migrate")
    stack.segloop("create-user", *ADMIN, "--role", "admin")
    stack.segloop("create-user", *ANNOTATOR)
    stack.segloop("create-user", *ANNOTATOR_2)
    api = stack.start("api", "api", "--host", "127.0.0.1", "--port", str(port))
    _wait_healthy(stack.base_url, api)
    if worker:
        stack.start_worker()
    return stack


def stop_stack(stack: Stack) -> None:
    for name in list(stack.processes):
        stack.stop(name)


@pytest.fixture(scope="module")
def stack(tmp_path_factory, demo_data) -> Iterator[Stack]:
    """A live stack on PostgreSQL and Redis, one per test module."""
    database_url = create_postgres_database()
    redis_db = _claim_redis_db()
    redis.Redis.from_url(f"{REDIS_HOST_URL}/{redis_db}").flushdb()
    stack = start_stack(
        tmp_path_factory.mktemp("stack"), demo_data, database_url, f"{REDIS_HOST_URL}/{redis_db}"
    )
    try:
        yield stack
    finally:
        stop_stack(stack)
        drop_postgres_database(database_url)
        _release_redis_db(redis_db)


def _claim_redis_db() -> int:
    """A Redis database of its own for this stack's queues: a worker of a test run beside this
    one (another checkout, another session) must never take this stack's messages."""
    claims = redis.Redis.from_url(f"{REDIS_HOST_URL}/0")
    for db in range(6, 16):
        if claims.set(f"segloop-tests:db:{db}", os.getpid(), nx=True, ex=3600):
            return db
    raise RuntimeError("Redis databases 6-15 are all claimed by other test runs")


def _release_redis_db(db: int) -> None:
    redis.Redis.from_url(f"{REDIS_HOST_URL}/0").delete(f"segloop-tests:db:{db}")


TINY_MODEL = {
    "backbone": "mobilenet_v3_small",
    "pretrained": False,  # torch hub's weights are not on this machine
    "iterations": 60,
    "finetune_iterations": 40,
    "selector_iterations": 30,
    "batch_size": 4,
    "image_size": [48, 64],
    "checkpoint_every": 20,
}


def create_project(client: httpx.Client, demo_data: Path, **overrides) -> dict:
    """A project over the generated data, with all three datasets imported by folder."""
    classes = json.loads((demo_data / "classes.json").read_text())["classes"]
    body = {
        "name": f"project-{uuid.uuid4().hex[:8]}",
        "classes": classes,
        "points_per_image": 10,
        "images_per_round": 4,
        "model_settings": TINY_MODEL,
        # End-to-end tests count the tasks a round publishes: no audit tasks among them unless
        # a test asks (tests/worker/test_audit_rounds.py runs rounds with audit points).
        "audit_share": 0.0,
        "audit_min_points": 0,
        **overrides,
    }
    response = client.post("/projects", json=body)
    assert response.status_code == 201, response.text
    project = response.json()
    for kind, folder in (
        ("source", "source/train"),
        ("target_pool", "target/train"),
        ("target_val", "target/val"),
    ):
        response = client.post(
            f"/projects/{project['id']}/datasets/import-folder",
            json={"kind": kind, "path": str(demo_data / folder)},
        )
        assert response.status_code == 201, response.text
    return project
