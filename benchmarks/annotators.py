"""N simulated annotators against the REST API on PostgreSQL: lease, fetch the mask, submit.

Each annotator is an HTTP client of its own (keep-alive, like a browser tab) that leases the
next task, downloads its mask, "labels" the requested points for a think time, and submits
with a client key and the version it loaded. Prints p50/p95/p99 latency per endpoint,
throughput and errors, and writes JSON. By default it starts its own stack: a fresh
PostgreSQL database, `segloop api --workers W`, and a project with published tasks seeded
directly in the database, so no training is needed.

    python benchmarks/annotators.py --annotators 50 --tasks-per-annotator 20
    python benchmarks/annotators.py --think-seconds 0        # saturation: no labelling time
    python benchmarks/annotators.py --url http://host:8000 \\
        --database-url postgresql+psycopg://... --storage-dir /srv/segloop/storage

Annotators arrive at random within the ramp-up and label each task for the think time
(+-50 %). Before the clock starts, each annotator labels `--warm-up-tasks` tasks untimed: a
freshly started API process builds its validators and compiles its statements on its first
requests, and the figures are those of a running service.

Latency is measured by the clients, which share the machine with the API and PostgreSQL;
beside it come the server's own time (its Server-Timing header), the CPU each request cost
the API, PostgreSQL and the clients, how busy the machine's CPUs were while the clock ran,
and how long the disk took to sync a small write meanwhile (an acknowledged submission waits
for one), since on a shared machine the percentiles say as much about the neighbours as
about segloop.
"""

import argparse
import asyncio
import io
import json
import os
import platform
import random
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx
import numpy as np
import psycopg
from PIL import Image as PILImage
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from tqdm import tqdm

from backend.auth import hash_password
from backend.models import (
    AnnotationTask,
    Dataset,
    DatasetKind,
    Image,
    Project,
    ProjectMember,
    Role,
    Round,
    User,
)
from backend.storage import LocalStorage

CLASSES = [
    {"id": i, "name": name, "colour": colour}
    for i, (name, colour) in enumerate(
        [
            ("road", "#804080"),
            ("building", "#464646"),
            ("vegetation", "#6b8e23"),
            ("sky", "#4682b4"),
            ("person", "#dc143c"),
            ("vehicle", "#00008e"),
            ("sign", "#dcdc00"),
        ]
    )
]
ENDPOINTS = ("login", "next_task", "mask", "submit")
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Seeded:
    project_id: int
    emails: list[str]
    password: str
    tasks: int


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def seed(
    database_url: str,
    storage_dir: Path,
    annotators: int,
    tasks: int,
    points: int = 40,
    size: tuple[int, int] = (192, 256),
) -> Seeded:
    """A project, `annotators` member accounts, and `tasks` published points tasks with masks,
    written as the worker's publish stage would."""
    rng = np.random.default_rng(0)
    height, width = size
    storage = LocalStorage(storage_dir)
    tag = uuid.uuid4().hex[:8]
    storage.put(f"bench-{tag}/image.png", _png(rng.integers(0, 255, (*size, 3), dtype=np.uint8)))
    password = "bench-" + secrets.token_hex(8)
    hashed = hash_password(password)  # one hash for every account: argon2 is slow on purpose
    emails = [f"annotator{i}-{tag}@bench.example" for i in range(annotators)]
    engine = create_engine(database_url)
    with Session(engine) as session:
        project = Project(name=f"bench-{tag}", classes=CLASSES, points_per_image=points)
        session.add(project)
        session.flush()
        users = [User(email=e, hashed_password=hashed, role=Role.annotator) for e in emails]
        session.add_all(users)
        dataset = Dataset(
            project_id=project.id, name="pool", kind=DatasetKind.target_pool, image_count=tasks
        )
        round_ = Round(project_id=project.id, number=0, status="done", stage="done")
        session.add_all([dataset, round_])
        session.flush()
        session.add_all([ProjectMember(project_id=project.id, user_id=u.id) for u in users])
        images = [
            Image(
                dataset_id=dataset.id,
                name=f"img{i:06d}",
                width=width,
                height=height,
                image_key=f"bench-{tag}/image.png",
            )
            for i in range(tasks)
        ]
        session.add_all(images)
        session.flush()
        for i, image in enumerate(images):
            flat = rng.choice(height * width, size=points, replace=False)
            chosen = [{"x": int(f % width), "y": int(f // width)} for f in flat]
            mask = np.zeros(size, dtype=np.uint8)
            for p in chosen:
                mask[p["y"], p["x"]] = 255
            mask_key = f"bench-{tag}/masks/{i}.png"
            storage.put(mask_key, _png(mask))
            session.add(
                AnnotationTask(
                    project_id=project.id,
                    round_id=round_.id,
                    image_id=image.id,
                    kind="points",
                    points=chosen,
                    mask_key=mask_key,
                    requested_pixels=points,
                    priority=float(rng.random()),
                )
            )
        session.commit()
        project_id = project.id
    engine.dispose()
    return Seeded(project_id, emails, password, tasks)


def _per_endpoint() -> dict[str, list[float]]:
    return {e: [] for e in ENDPOINTS}


@dataclass
class Reply:
    status: int
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Recorder:
    """Latency as the clients see it, and as the server reports it (Server-Timing)."""

    latencies: dict[str, list[float]] = field(default_factory=_per_endpoint)
    server: dict[str, list[float]] = field(default_factory=_per_endpoint)
    errors: dict[str, dict[str, int]] = field(default_factory=lambda: {e: {} for e in ENDPOINTS})

    async def call(
        self, endpoint: str, client: aiohttp.ClientSession, method: str, url: str, **kwargs
    ) -> Reply | None:
        """Time one request, body included; a non-2xx answer or a transport error counts
        as an error."""
        start = time.perf_counter()
        try:
            async with client.request(method, url, **kwargs) as response:
                reply = Reply(response.status, await response.read())
                timing = response.headers.get("server-timing", "")
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.error(endpoint, type(exc).__name__)
            return None
        self.latencies[endpoint].append((time.perf_counter() - start) * 1000)
        if timing.startswith("app;dur="):
            self.server[endpoint].append(float(timing.removeprefix("app;dur=")))
        if reply.status >= 300:
            self.error(endpoint, str(reply.status))
        return reply

    def error(self, endpoint: str, kind: str) -> None:
        self.errors[endpoint][kind] = self.errors[endpoint].get(kind, 0) + 1


@dataclass
class Annotator:
    """One person's browser tab: one keep-alive connection, and their token once logged in."""

    email: str
    client: aiohttp.ClientSession
    headers: dict[str, str] = field(default_factory=dict)


async def log_in(annotator: Annotator, password: str, rec: Recorder) -> bool:
    form = {"username": annotator.email, "password": password}
    login = await rec.call(
        "login", annotator.client, "POST", "/api/v1/login/access-token", data=form
    )
    if login is None or login.status != 200:
        return False
    annotator.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    return True


async def annotate(
    annotator: Annotator,
    project_id: int,
    tasks: int,
    think: float,
    ramp_up: float,
    recorder: Recorder,
    progress: tqdm,
) -> int:
    """One person: arrive within the ramp-up, then lease, look, label, submit, `tasks` times.
    Returns their submissions."""
    rng = random.Random(annotator.email)
    client, headers = annotator.client, annotator.headers
    await asyncio.sleep(rng.uniform(0, ramp_up))
    submitted = 0
    for _ in range(tasks):
        leased = await recorder.call(
            "next_task",
            client,
            "POST",
            f"/api/v1/projects/{project_id}/tasks/next",
            headers=headers,
        )
        if leased is None or leased.status != 200:
            if leased is not None and leased.status == 204:
                # There is a task for everyone: "none waiting" is a wrong answer here.
                recorder.error("next_task", "204 while tasks remain")
            break
        task = leased.json()
        await recorder.call("mask", client, "GET", task["mask_url"], headers=headers)
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        body = {
            "labels": [{**p, "class_id": rng.randrange(len(CLASSES))} for p in task["points"]],
            "client_key": uuid.uuid4().hex,
            "seconds_spent": think,
            "expected_version": task["version"],
        }
        done = await recorder.call(
            "submit",
            client,
            "POST",
            f"/api/v1/tasks/{task['id']}/submit",
            headers=headers,
            json=body,
        )
        if done is not None and done.status == 200:
            submitted += 1
            progress.update()
    return submitted


class DiskProbe(threading.Thread):
    """Syncs one small write to `directory` ten times a second while the clock runs: the
    disk's own fsync latency, the floor under every durable submission."""

    def __init__(self, directory: Path) -> None:
        super().__init__(daemon=True)
        self.path = directory / f"fsync-probe-{uuid.uuid4().hex[:8]}"
        self.latencies: list[float] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while not self.stopped.wait(0.1):
                start = time.perf_counter()
                os.pwrite(fd, os.urandom(4096), 0)
                os.fdatasync(fd)
                self.latencies.append((time.perf_counter() - start) * 1000)
        finally:
            os.close(fd)
            self.path.unlink()

    def stop(self) -> dict[str, float]:
        self.stopped.set()
        self.join()
        found = np.array(self.latencies)
        return {**_percentiles(found, ""), "max_ms": round(float(found.max()), 2)}


async def run_load(
    args: argparse.Namespace,
    base_url: str,
    seeded: Seeded,
    probe_dir: Path,
    cpu_meter: Callable[[], dict[str, float]] | None = None,
) -> dict:
    """Everyone logs in (argon2 is slow on purpose) and labels the warm-up tasks; then the
    clock runs. The seed's files are flushed to disk before it starts: their writeback would
    otherwise land in the timed minute and slow its fsyncs."""
    recorder = Recorder()
    cpu_before: dict[str, float] = {}
    annotators = [
        Annotator(
            email,
            aiohttp.ClientSession(
                base_url,
                connector=aiohttp.TCPConnector(limit=1),
                timeout=aiohttp.ClientTimeout(total=60),
            ),
        )
        for email in seeded.emails
    ]
    try:
        logged_in = await asyncio.gather(
            *(log_in(a, seeded.password, recorder) for a in annotators)
        )
        working = [a for a, ok in zip(annotators, logged_in, strict=True) if ok]
        with tqdm(total=len(working) * args.warm_up_tasks, desc="warm-up", unit="task") as bar:
            untimed = Recorder()
            await asyncio.gather(
                *(
                    annotate(a, seeded.project_id, args.warm_up_tasks, 0, 0, untimed, bar)
                    for a in working
                )
            )
        total = len(working) * args.tasks_per_annotator
        os.sync()
        disk = DiskProbe(probe_dir)
        disk.start()
        with tqdm(total=total, unit="task", mininterval=1) as progress:
            cpu_before = cpu_meter() if cpu_meter else {}
            clients_cpu = time.process_time()
            machine_before = machine_cpu_ticks()
            started = time.perf_counter()
            submitted = await asyncio.gather(
                *(
                    annotate(
                        a,
                        seeded.project_id,
                        args.tasks_per_annotator,
                        args.think_seconds,
                        args.ramp_up_seconds,
                        recorder,
                        progress,
                    )
                    for a in working
                )
            )
            seconds = time.perf_counter() - started
            cpu_after = cpu_meter() if cpu_meter else {}
            cpu_before["clients"] = clients_cpu
            cpu_after["clients"] = time.process_time()
            machine_after = machine_cpu_ticks()
        disk_fsync = disk.stop()
    finally:
        await asyncio.gather(*(a.client.close() for a in annotators))
    result = summarise(args, recorder, sum(submitted), seconds)
    busy, total = (
        after - before for after, before in zip(machine_after, machine_before, strict=True)
    )
    result["machine_cpu_busy_percent"] = round(100 * busy / max(total, 1), 1)
    result["disk_fsync_ms"] = disk_fsync
    requests = sum(len(recorder.latencies[e]) for e in ENDPOINTS if e != "login")
    result["cpu_ms_per_request"] = {
        name: round((cpu_after[name] - cpu_before[name]) * 1000 / max(requests, 1), 2)
        for name in cpu_after
    }
    return result


def machine_cpu_ticks() -> tuple[int, int]:
    """Busy and total CPU ticks of the whole machine since boot (/proc/stat), to tell how
    loaded it was while the clock ran: whatever else runs on it slows segloop too."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _percentiles(values: np.ndarray, prefix: str) -> dict[str, float]:
    found = np.percentile(values, [50, 95, 99]) if len(values) else np.zeros(3)
    return {
        f"{prefix}p{q}_ms": round(float(v), 2) for q, v in zip((50, 95, 99), found, strict=True)
    }


def summarise(args: argparse.Namespace, recorder: Recorder, submitted: int, seconds: float):
    endpoints = {}
    for endpoint in ENDPOINTS:
        values = np.array(recorder.latencies[endpoint])
        server = np.array(recorder.server[endpoint])
        endpoints[endpoint] = {
            "requests": len(values) + sum(recorder.errors[endpoint].values()),
            "errors": recorder.errors[endpoint],
            **_percentiles(values, ""),
            "max_ms": round(float(values.max()), 2) if len(values) else 0.0,
            **_percentiles(server, "server_"),
        }
    requests = sum(e["requests"] for name, e in endpoints.items() if name != "login")
    return {
        "config": {
            "annotators": args.annotators,
            "tasks_per_annotator": args.tasks_per_annotator,
            "think_seconds": args.think_seconds,
            "ramp_up_seconds": args.ramp_up_seconds,
            "warm_up_tasks_per_annotator": args.warm_up_tasks,
            "points_per_task": args.points,
            "api_workers": args.workers,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "seconds": round(seconds, 2),
        "submitted": submitted,
        "throughput": {
            "submissions_per_s": round(submitted / seconds, 1),
            "requests_per_s": round(requests / seconds, 1),  # logins excluded
        },
        "endpoints": endpoints,
    }


def print_table(result: dict) -> None:
    """Client-side latency, then the server's own time (Server-Timing) in the last columns."""
    print(f"\n{'endpoint':<10} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'max ms':>8} {'server p50':>10} {'server p99':>10}")  # fmt: skip
    for name, e in result["endpoints"].items():
        errors = sum(e["errors"].values())
        print(
            f"{name:<10} {e['requests']:>8} {errors:>6} {e['p50_ms']:>8.1f} "
            f"{e['p95_ms']:>8.1f} {e['p99_ms']:>8.1f} {e['max_ms']:>8.1f} "
            f"{e['server_p50_ms']:>10.1f} {e['server_p99_ms']:>10.1f}"
        )
    t = result["throughput"]
    if result.get("cpu_ms_per_request"):
        print(f"\nCPU per request (ms): {result['cpu_ms_per_request']}")
    busy = result["machine_cpu_busy_percent"]
    print(f"machine CPU busy while timed: {busy} % of {os.cpu_count()} CPUs")
    disk = result["disk_fsync_ms"]
    print(
        f"disk fsync while timed (ms): p50 {disk['p50_ms']:.1f}, p99 {disk['p99_ms']:.1f}, "
        f"max {disk['max_ms']:.1f}"
    )
    print(
        f"\n{result['submitted']} submissions in {result['seconds']} s: "
        f"{t['submissions_per_s']} submissions/s, {t['requests_per_s']} requests/s"
    )
    for name, e in result["endpoints"].items():
        if e["errors"]:
            print(f"errors on {name}: {e['errors']}")


def process_cpu(pid: int | str) -> tuple[float, str]:
    """CPU seconds (user + system) a process has used so far, and its parent's pid."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), fields[1]


def wait_until_healthy(url: str, log: Path | None = None) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument("--tasks-per-annotator", type=int, default=20)
    parser.add_argument(
        "--think-seconds", type=float, default=2.0,
        help="mean labelling time per task (uniform +-50%%); 0 measures saturation",
    )  # fmt: skip
    parser.add_argument(
        "--ramp-up-seconds", type=float,
        help="annotators arrive at random within this time (default: the think time)",
    )  # fmt: skip
    parser.add_argument("--points", type=int, default=40, help="points per task (PPL)")
    parser.add_argument(
        "--warm-up-tasks", type=int, default=1, help="untimed tasks per annotator first"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1),
        help="API processes (own stack; default: two per CPU)",
    )
    parser.add_argument("--url", help="a running API instead of starting one")
    parser.add_argument("--database-url", help="with --url: the database that API uses")
    parser.add_argument("--storage-dir", type=Path, help="with --url: its local storage")
    parser.add_argument("--data-dir", type=Path, default=Path(".segloop/bench"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/annotators.json"))
    args = parser.parse_args()
    if args.ramp_up_seconds is None:
        args.ramp_up_seconds = args.think_seconds
    tasks = args.annotators * (args.warm_up_tasks + args.tasks_per_annotator)

    if args.url:
        if not (args.database_url and args.storage_dir):
            parser.error("--url needs --database-url and --storage-dir to seed the tasks")
        seeded = seed(args.database_url, args.storage_dir, args.annotators, tasks, args.points)
        result = asyncio.run(run_load(args, args.url, seeded, args.storage_dir))
    else:
        with OwnStack(args.workers, args.data_dir / uuid.uuid4().hex[:8]) as stack:
            seeded = seed(
                stack.database_url, stack.storage_dir, args.annotators, tasks, args.points
            )
            stack.start_api()
            result = asyncio.run(
                run_load(args, stack.url, seeded, stack.data_dir, stack.cpu_seconds)
            )
    print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
