"""Annotators keep submitting while the API process and the worker are killed (-9) and
restarted. Clients retry a failed request with the same client key, as the UI does; every
submission that was acknowledged (HTTP 200) must then be in the database exactly once, with
its label file in storage."""

import signal
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from backend.models import Annotation, AnnotationTask
from benchmarks.annotators_seed import seed
from tests.conftest import _wait_healthy

pytestmark = pytest.mark.pipeline

ANNOTATORS = 10
TASKS_EACH = 10
DEADLINE_SECONDS = 60


@dataclass
class Ledger:
    """What the clients saw, shared by their threads."""

    sent: set[str] = field(default_factory=set)
    acknowledged: set[str] = field(default_factory=set)
    retries: int = 0
    # Requests that reached the API and got no answer: it may or may not have done them.
    in_doubt: int = 0
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _until_answered(client: httpx.Client, method: str, url: str, ledger: Ledger, **kw):
    """Retry through refused and reset connections until the API answers."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        try:
            return client.request(method, url, **kw)
        except httpx.TransportError as exc:
            with ledger.lock:
                ledger.retries += 1
                ledger.in_doubt += not isinstance(exc, httpx.ConnectError)
            time.sleep(0.1)
    raise AssertionError(f"{method} {url} got no answer in {DEADLINE_SECONDS} s")


def _annotator(base_url: str, email: str, password: str, project_id: int, ledger: Ledger):
    with httpx.Client(base_url=f"{base_url}/api/v1", timeout=10) as client:
        login = _until_answered(
            client,
            "POST",
            "/login/access-token",
            ledger,
            data={"username": email, "password": password},
        )
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        for _ in range(TASKS_EACH):
            leased = _until_answered(client, "POST", f"/projects/{project_id}/tasks/next", ledger)
            if leased.status_code != 200:
                ledger.unexpected.append(f"next: {leased.status_code} {leased.text}")
                return
            task = leased.json()
            body = {
                "labels": [{**p, "class_id": 1} for p in task["points"]],
                "client_key": uuid.uuid4().hex,
                "expected_version": task["version"],
            }
            with ledger.lock:
                ledger.sent.add(body["client_key"])
            done = _until_answered(client, "POST", f"/tasks/{task['id']}/submit", ledger, json=body)
            if done.status_code == 200:
                with ledger.lock:
                    ledger.acknowledged.add(body["client_key"])
            else:
                ledger.unexpected.append(f"submit: {done.status_code} {done.text}")


def _chaos(stack, port: int, ledger: Ledger, stop: threading.Event, kills: Counter) -> None:
    """Kill -9 the API and start it again, then the worker, at three points of the load
    (after 15, 45 and 75 acknowledged submissions), however fast the machine is."""
    for milestone in (15, 45, 75):
        while len(ledger.acknowledged) < milestone:
            if stop.wait(0.05):
                return
        stack.stop("api", sig=signal.SIGKILL)
        kills["api"] += 1
        api = stack.start("api", "api", "--host", "127.0.0.1", "--port", str(port))
        _wait_healthy(stack.base_url, api)
        stack.stop("worker", sig=signal.SIGKILL)
        kills["worker"] += 1
        stack.start_worker()


def test_acknowledged_submissions_survive_killed_processes(stack):
    storage_dir = Path(stack.env["SEGLOOP_DATA_DIR"]) / "storage"
    seeded = seed(
        stack.database_url,
        storage_dir,
        ANNOTATORS,
        ANNOTATORS * TASKS_EACH,
        points=5,
        size=(48, 64),
    )
    port = int(stack.base_url.rsplit(":", 1)[1])
    ledger, kills, stop = Ledger(), Counter(), threading.Event()
    chaos = threading.Thread(target=_chaos, args=(stack, port, ledger, stop, kills))
    clients = [
        threading.Thread(
            target=_annotator,
            args=(stack.base_url, email, seeded.password, seeded.project_id, ledger),
        )
        for email in seeded.emails
    ]
    started = time.monotonic()
    chaos.start()
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    stop.set()
    chaos.join()

    engine = create_engine(stack.database_url)
    with Session(engine) as session:
        rows = session.execute(
            select(Annotation.client_key, Annotation.label_key, Annotation.labels).where(
                Annotation.client_key.in_(ledger.sent)
            )
        ).all()
        per_task = session.execute(
            select(Annotation.task_id, func.count())
            .join(AnnotationTask, AnnotationTask.id == Annotation.task_id)
            .where(AnnotationTask.project_id == seeded.project_id)
            .group_by(Annotation.task_id)
        ).all()
    engine.dispose()
    found = Counter(key for key, _, _ in rows)
    figures = {
        "submitted": len(ledger.sent),
        "acknowledged": len(ledger.acknowledged),
        "found": len(found),
        "client retries": ledger.retries,
        "requests in doubt": ledger.in_doubt,
        "api kills": kills["api"],
        "worker kills": kills["worker"],
        "seconds": round(time.monotonic() - started, 1),
    }
    print("fault figures:", figures)

    assert not ledger.unexpected, ledger.unexpected[:5]
    assert kills == {"api": 3, "worker": 3}, "the processes were killed under load"
    assert all(found[key] == 1 for key in ledger.acknowledged), "acknowledged exactly once"
    assert len(ledger.acknowledged) == ANNOTATORS * TASKS_EACH
    assert all(count == 1 for _, count in per_task), "no task was labelled twice"
    # Points are kept in their row, a region's map in its file: neither may be missing.
    missing = [
        key
        for key, file, labels in rows
        if (not (storage_dir / file).is_file() if file else not labels)
    ]
    assert not missing, f"labels missing for {missing[:5]}"
