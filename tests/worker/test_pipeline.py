"""The whole loop on real processes: API server and Celery worker over PostgreSQL and Redis
(and the embedded SQLite + SQL broker), the oracle labelling over HTTP in between."""

import time

import pytest
import redis
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from backend.models import Annotation, AnnotationTask, Round
from tests.conftest import (
    ADMIN,
    ANNOTATOR,
    REDIS_HOST_URL,
    create_postgres_database,
    create_project,
    drop_postgres_database,
    start_stack,
    stop_stack,
)
from worker.oracle import OracleClient, run_oracle

pytestmark = pytest.mark.pipeline


@pytest.fixture(scope="module", params=["postgres+redis", "sqlite+sql-broker"])
def loop_stack(request, tmp_path_factory, demo_data):
    tmp = tmp_path_factory.mktemp("loop")
    if request.param == "postgres+redis":
        database_url = create_postgres_database()
        redis.Redis.from_url(f"{REDIS_HOST_URL}/7").flushdb()
        broker_url = f"{REDIS_HOST_URL}/7"
    else:
        database_url = f"sqlite:///{tmp}/segloop.db"
        broker_url = f"sqla+sqlite:///{tmp}/broker.db"
    stack = start_stack(tmp, demo_data, database_url, broker_url)
    try:
        yield stack
    finally:
        stop_stack(stack)
        if request.param == "postgres+redis":
            drop_postgres_database(database_url)


def test_select_label_finetune_select_again(loop_stack, demo_data):
    admin = loop_stack.client(*ADMIN)
    project = create_project(admin, demo_data, selection_method="ppl")
    annotator_id = loop_stack.client(*ANNOTATOR).get("/users/me").json()["id"]
    admin.post(f"/projects/{project['id']}/members", json={"user_id": annotator_id})

    round0 = admin.post(f"/projects/{project['id']}/rounds").json()
    round0 = loop_stack.wait_round(admin, round0["id"])
    assert round0["status"] == "done", (round0, loop_stack.log_tail("worker"))
    assert round0["stage"] == "done" and round0["progress"] == 1.0
    assert round0["task_count"] == 4, "images_per_round tasks are published"
    assert 0.0 <= round0["metrics"]["miou"] <= 1.0
    assert round0["metrics"]["labelled_pixels"] == 0

    task = loop_stack.client(*ANNOTATOR).post(f"/projects/{project['id']}/tasks/next").json()
    assert task["kind"] == "points" and 1 <= len(task["points"]) <= 10
    mask = loop_stack.client(*ANNOTATOR).get(f"/tasks/{task['id']}/mask.png")
    assert mask.headers["content-type"] == "image/png"

    oracle = OracleClient.login(loop_stack.base_url, *ANNOTATOR)
    counts = run_oracle(oracle, project["id"], demo_data / "target/train/labels", progress=False)
    assert counts["tasks"] == 4
    assert counts["labelled_pixels"] > 0

    round1 = admin.post(f"/projects/{project['id']}/rounds").json()
    round1 = loop_stack.wait_round(admin, round1["id"])
    assert round1["status"] == "done", (round1, loop_stack.log_tail("worker"))
    assert round1["number"] == 1
    assert round1["metrics"]["labelled_pixels"] == counts["labelled_pixels"]
    assert round1["task_count"] == 4

    engine = create_engine(loop_stack.database_url)
    with Session(engine) as session:
        rounds = session.scalars(
            select(Round).where(Round.project_id == project["id"]).order_by(Round.number)
        ).all()
        assert [r.status for r in rounds] == ["done", "done"]
        assert all(r.checkpoint_key and r.runner_id is None for r in rounds)
        done = session.scalar(
            select(func.count()).where(
                AnnotationTask.round_id == rounds[0].id, AnnotationTask.status == "done"
            )
        )
        assert done == 4
        annotations = session.scalar(
            select(func.count(Annotation.id))
            .join(AnnotationTask, AnnotationTask.id == Annotation.task_id)
            .where(AnnotationTask.project_id == project["id"])
        )
        assert annotations == 4
    engine.dispose()


def test_labelled_audit_points_update_the_estimates_without_another_round(loop_stack, demo_data):
    """Submitting audit tasks queues a refresh: the worker re-estimates the round on them and
    the project serves the model chosen on it, before anyone launches a round."""
    admin = loop_stack.client(*ADMIN)
    project = create_project(admin, demo_data, selection_method="random", audit_min_points=16)
    annotator_id = loop_stack.client(*ANNOTATOR).get("/users/me").json()["id"]
    admin.post(f"/projects/{project['id']}/members", json={"user_id": annotator_id})
    round0 = admin.post(f"/projects/{project['id']}/rounds").json()
    round0 = loop_stack.wait_round(admin, round0["id"])
    assert round0["status"] == "done", (round0, loop_stack.log_tail("worker"))
    assert round0["audit"]["points"] == 0 and round0["audit"]["miou"] is None

    oracle = OracleClient.login(loop_stack.base_url, *ANNOTATOR)
    run_oracle(oracle, project["id"], demo_data / "target/train/labels", progress=False)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        estimate = admin.get(f"/rounds/{round0['id']}").json()["audit"]
        if estimate["miou"] is not None:
            break
        time.sleep(1)
    assert estimate["points"] >= 10 and estimate["miou"] is not None, loop_stack.log_tail("worker")
    served = admin.get(f"/projects/{project['id']}/current-model").json()
    assert (served["round_id"], served["reason"]) == (
        round0["id"],
        "latest (no earlier round measurably better)",
    )
