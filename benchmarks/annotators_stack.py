"""A stack of the benchmark's own: a fresh PostgreSQL database and `segloop api --workers N` on
a free port, and the CPU time its processes have used."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def process_cpu(pid: int | str) -> tuple[float, str]:
    """CPU seconds (user + system) a process has used so far, and its parent's pid."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), fields[1]


def wait_until_healthy(url: str, log: Path | None = None) -> None:
    """Polls the health route for a minute; exits pointing at `log` if the API never answers."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the API at {url} did not start" + (f"; see {log}" if log else ""))


def free_port() -> int:
    """A port nothing listens on now, picked by the OS, for an API to bind."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnStack:
    """A fresh PostgreSQL database and `segloop api --workers N` on a free port."""

    def __init__(self, workers: int, data_dir: Path) -> None:
        self.name = f"segloop_bench_{uuid.uuid4().hex[:8]}"
        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace(
            "postgresql://", "postgresql+psycopg://"
        )
        self.database_url = f"{base}/{self.name}"
        self.data_dir = data_dir
        self.storage_dir = data_dir / "storage"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "SEGLOOP_DATA_DIR": str(data_dir),
            "SEGLOOP_DATABASE_URL": self.database_url,
            "SEGLOOP_BROKER_URL": os.environ.get("SEGLOOP_BROKER_URL", "redis://127.0.0.1:6379/7"),
            "SEGLOOP_SECRET_KEY": secrets.token_urlsafe(32),
        }
        self.workers = workers
        self.api: subprocess.Popen | None = None

    def __enter__(self) -> "OwnStack":
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.data_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "worker.cli", "migrate"], env=self.env, check=True)
        return self

    def start_api(self) -> None:
        log = (self.data_dir / "api.log").open("ab")
        self.api = subprocess.Popen(
            [sys.executable, "-m", "worker.cli", "api", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(self.workers)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until_healthy(self.url, self.data_dir / "api.log")

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by the API processes and by this database's backends: what
        a request costs, apart from how busy the machine is."""
        assert self.api is not None
        used = {"api": 0.0, "postgres": 0.0}
        for proc in Path("/proc").iterdir():
            try:
                seconds, parent = process_cpu(proc.name)
                command = (proc / "cmdline").read_bytes().decode(errors="replace")
            except (OSError, IndexError):
                continue
            if proc.name == str(self.api.pid) or parent == str(self.api.pid):
                used["api"] += seconds
            elif command.startswith("postgres:") and f" {self.name} " in command:
                used["postgres"] += seconds
        return used

    def __exit__(self, *_) -> None:
        if self.api is not None:
            self.api.terminate()
            self.api.wait(timeout=30)
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        shutil.rmtree(self.data_dir, ignore_errors=True)
