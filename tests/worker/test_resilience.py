"""Rounds survive worker crashes, duplicate messages and cancellation (real processes,
PostgreSQL and Redis)."""

import json
import signal
import time

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from backend.models import AnnotationTask, Round
from tests.conftest import ADMIN, TINY_MODEL, create_project

pytestmark = pytest.mark.pipeline

SLOW_MODEL = {**TINY_MODEL, "iterations": 200, "checkpoint_every": 10}


def _wait_stage(client, round_id: int, stage: str, min_progress: float = 0.0, timeout=300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        round_ = client.get(f"/rounds/{round_id}").json()
        if round_["stage"] == stage and round_["progress"] >= min_progress:
            return round_
        assert round_["status"] in ("queued", "running"), round_
        time.sleep(0.05)
    raise AssertionError(f"round {round_id} never reached {stage}")


def _tasks(stack, round_id: int) -> tuple[int, int]:
    """(tasks, distinct images) of a round."""
    engine = create_engine(stack.database_url)
    with Session(engine) as session:
        total, images = session.execute(
            select(func.count(), func.count(AnnotationTask.image_id.distinct())).where(
                AnnotationTask.round_id == round_id
            )
        ).one()
    engine.dispose()
    return total, images


def _run(stack, admin, project, crash_stage: str | None, figures: dict) -> dict:
    started = time.monotonic()
    round_ = admin.post(f"/projects/{project['id']}/rounds").json()
    if crash_stage is not None:
        min_progress = 0.2 if crash_stage == "train_model" else 0.0
        _wait_stage(admin, round_["id"], crash_stage, min_progress)
        stack.stop("worker", sig=signal.SIGKILL)
        stack.start_worker()
    done = stack.wait_round(admin, round_["id"])
    figures[crash_stage or "uninterrupted"] = {
        "seconds": round(time.monotonic() - started, 1),
        "tasks": _tasks(stack, round_["id"])[0],
    }
    return done


def test_a_killed_worker_costs_time_not_tasks(stack, demo_data, tmp_path_factory):
    admin = stack.client(*ADMIN)
    figures: dict = {}
    baseline_project = create_project(admin, demo_data, model_settings=SLOW_MODEL)
    baseline = _run(stack, admin, baseline_project, None, figures)
    assert baseline["status"] == "done"
    for stage in ("train_model", "select"):
        project = create_project(admin, demo_data, model_settings=SLOW_MODEL)
        crashed = _run(stack, admin, project, stage, figures)
        assert crashed["status"] == "done", (crashed, stack.log_tail("worker"))
        total, distinct = _tasks(stack, crashed["id"])
        assert total == distinct == baseline["task_count"], "no duplicate or missing tasks"
        assert crashed["metrics"]["miou"] is not None
    print("crash figures:", json.dumps(figures))


def test_duplicate_messages_change_nothing(stack, demo_data):
    from backend.services.queue import RUN_ROUND, create_celery_app

    admin = stack.client(*ADMIN)
    project = create_project(admin, demo_data)
    round_ = admin.post(f"/projects/{project['id']}/rounds").json()
    app = create_celery_app()
    app.conf.broker_url = stack.env["SEGLOOP_BROKER_URL"]
    for _ in range(2):
        app.send_task(RUN_ROUND, args=[round_["id"]])
    done = stack.wait_round(admin, round_["id"])
    assert done["status"] == "done"
    before = (done, _tasks(stack, round_["id"]))
    for _ in range(2):
        app.send_task(RUN_ROUND, args=[round_["id"]])
    time.sleep(3)
    after = admin.get(f"/rounds/{round_['id']}").json()
    assert (after, _tasks(stack, round_["id"])) == before
    assert before[1][0] == before[1][1] == project["images_per_round"]


def test_cancel_stops_training_at_a_safe_point(stack, demo_data):
    admin = stack.client(*ADMIN)
    project = create_project(admin, demo_data, model_settings=SLOW_MODEL)
    round_ = admin.post(f"/projects/{project['id']}/rounds").json()
    _wait_stage(admin, round_["id"], "train_model", 0.1)
    assert admin.post(f"/rounds/{round_['id']}/cancel").status_code == 202
    done = stack.wait_round(admin, round_["id"], timeout=60)
    assert done["status"] == "cancelled"
    assert done["message"] == "cancelled during train_model"
    assert _tasks(stack, round_["id"]) == (0, 0)
    engine = create_engine(stack.database_url)
    with Session(engine) as session:
        assert session.get(Round, round_["id"]).runner_id is None
    engine.dispose()
    again = admin.post(f"/projects/{project['id']}/rounds")
    assert again.status_code == 202, "a cancelled round does not block the next one"
