"""`segloop demo`, the README's first command: one process tree serving the UI and the API on
the embedded defaults with the generated project, and gone entirely once stopped."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import free_port
from worker.demo import ADMIN


def _alive(process_group: int) -> bool:
    try:
        os.killpg(process_group, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def demo(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "worker.cli", "demo", "--data-dir", str(tmp_path), "--port",
         str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    yield process, url, tmp_path
    if _alive(process.pid):
        os.killpg(process.pid, signal.SIGKILL)


def _admin_headers(url: str) -> dict[str, str]:
    login = httpx.post(
        f"{url}/api/v1/login/access-token", data={"username": ADMIN[0], "password": ADMIN[1]}
    )
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def test_demo_serves_its_project_and_stops_with_its_worker(demo):
    process, url, _ = demo
    assert httpx.get(f"{url}/api/v1/health").json() == {"database": "ok", "broker": "ok"}
    assert "<html" in httpx.get(url).text.lower(), "the built UI is served at /"
    headers = _admin_headers(url)
    [project] = httpx.get(f"{url}/api/v1/projects", headers=headers).json()
    datasets = httpx.get(f"{url}/api/v1/projects/{project['id']}/datasets", headers=headers)
    assert sorted(d["kind"] for d in datasets.json()) == ["source", "target_pool", "target_val"]

    process.send_signal(signal.SIGTERM)
    process.wait(timeout=90)
    deadline = time.monotonic() + 30
    while _alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _alive(process.pid), "the demo's worker outlived it"
    assert "segloop demo is starting at" in process.stdout.read()


def test_demo_stops_promptly_while_a_round_trains(demo):
    """Ctrl-C or SIGTERM in the middle of round 0's training (minutes long) stops the demo
    within seconds; the round is not lost: its stage was acknowledged late and resumes from
    its checkpoint when the worker comes back (tests/worker/test_resilience.py)."""
    process, url, _ = demo
    headers = _admin_headers(url)
    [project] = httpx.get(f"{url}/api/v1/projects", headers=headers).json()
    launched = httpx.post(f"{url}/api/v1/projects/{project['id']}/rounds", headers=headers)
    assert launched.status_code == 202, launched.text
    rounds_url = f"{url}/api/v1/projects/{project['id']}/rounds"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        [round_] = httpx.get(rounds_url, headers=headers).json()
        if round_["stage"] == "train_model" and round_["progress"] > 0:
            break
        time.sleep(0.5)
    assert round_["stage"] == "train_model", round_

    stopped = time.monotonic()
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    while _alive(process.pid) and time.monotonic() - stopped < 30:
        time.sleep(0.5)
    assert not _alive(process.pid), "the demo's worker kept training after the demo stopped"


def test_demo_launches_scheduled_rounds(demo):
    """An admin who schedules rounds in the demo sees them launch: the demo runs the scheduler
    (Celery beat) beside its worker, as a deployment runs `segloop beat`."""
    _, url, data_dir = demo
    headers = _admin_headers(url)
    [project] = httpx.get(f"{url}/api/v1/projects", headers=headers).json()
    # Round 0 finished two hours ago (written directly: training it would take minutes).
    with sqlite3.connect(data_dir / "segloop.db") as db:
        two_hours_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=2)
        finished = f"{two_hours_ago:%Y-%m-%d %H:%M:%S.%f}"
        db.execute(
            "INSERT INTO rounds (project_id, number, status, stage, progress, created_at,"
            " finished_at, settings, cancel_requested) VALUES (?, 0, 'done', 'done', 1.0, ?, ?,"
            " ?, 0)",
            (project["id"], finished, finished, "{}"),
        )
    updated = httpx.patch(
        f"{url}/api/v1/projects/{project['id']}", headers=headers, json={"schedule_minutes": 60}
    )
    assert updated.status_code == 200, updated.text
    rounds_url = f"{url}/api/v1/projects/{project['id']}/rounds"
    deadline = time.monotonic() + 120  # beat checks schedules every 30 s
    while time.monotonic() < deadline:
        rounds = httpx.get(rounds_url, headers=headers).json()
        if len(rounds) == 2:
            break
        time.sleep(1)
    assert len(rounds) == 2, "no scheduled round launched"
    scheduled = next(r for r in rounds if r["number"] == 1)
    assert scheduled["status"] in ("queued", "running"), scheduled
