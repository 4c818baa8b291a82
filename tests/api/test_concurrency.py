"""Idempotent, race-free submissions: whoever loses a race gets a 409, never a duplicate."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import func, select

from backend import db
from backend.config import get_settings
from backend.db import get_engine, open_session
from backend.models import Annotation, AnnotationTask, Project, User
from backend.schemas import Submission
from backend.services import tasks as task_service
from backend.storage import get_storage
from tests.api.test_tasks import _publish
from tests.conftest import ANNOTATOR, ANNOTATOR_2, create_project


def _annotations(task_id: int) -> int:
    with open_session() as session:
        return session.scalar(
            select(func.count()).select_from(Annotation).where(Annotation.task_id == task_id)
        )


def _user(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def test_a_retried_request_racing_itself_is_stored_once(api, project):
    """A client that times out and resends while the first request is still running."""
    task_id = _publish(project["id"])[0]
    body = {"labels": [{"x": 1, "y": 2, "class_id": 1}], "client_key": uuid.uuid4().hex}
    annotator = api.annotator
    with ThreadPoolExecutor(6) as pool:
        responses = list(
            pool.map(lambda _: annotator.post(f"/tasks/{task_id}/submit", json=body), range(6))
        )
    assert [r.status_code for r in responses] == [200] * 6
    assert len({r.json()["id"] for r in responses}) == 1
    assert _annotations(task_id) == 1


def test_two_people_submitting_one_task_at_once_store_one_annotation(api, project):
    """Both requests pass every check before either commits; the version decides."""
    task_id = _publish(project["id"])[0]
    storage, settings = get_storage(), get_settings()
    with open_session() as first, open_session() as second:
        submissions = []
        for session, email in ((first, ANNOTATOR[0]), (second, ANNOTATOR_2[0])):
            task = session.get(AnnotationTask, task_id)
            project_row = session.get(Project, project["id"])
            body = Submission(labels=[{"x": 1, "y": 2, "class_id": 1}], client_key=uuid.uuid4().hex)
            submissions.append((session, project_row, task, _user(session, email), body))
        session, project_row, task, user, body = submissions[0]
        task_service.submit(
            session, storage, project_row, task, user, body, settings.max_image_pixels
        )
        session, project_row, task, user, body = submissions[1]
        assert task.status == "pending", "the loser's view is stale, as in a real race"
        with pytest.raises(task_service.Conflict, match="changed while you submitted"):
            task_service.submit(
                session, storage, project_row, task, user, body, settings.max_image_pixels
            )
    assert _annotations(task_id) == 1
    label_files = list((api.data_dir / "storage").rglob(f"annotations/{task_id}-*.png"))
    assert label_files == [], "points are kept in their row, and the loser wrote nothing"


def test_a_stale_draft_save_does_not_overwrite_the_new_lease(api, project):
    _publish(project["id"])
    task = api.annotator.post(f"/projects/{project['id']}/tasks/next").json()
    with open_session() as stale:
        loaded = stale.get(AnnotationTask, task["id"])
        annotator = _user(stale, ANNOTATOR[0])
        expired = datetime.now(UTC) - timedelta(minutes=1)
        with open_session() as session:
            session.get(AnnotationTask, task["id"]).lease_expires_at = expired
            session.commit()
        taken = api.annotator2.post(f"/projects/{project['id']}/tasks/next").json()
        assert taken["id"] == task["id"], "the expired lease goes to the next person"
        with pytest.raises(task_service.Conflict, match="not leased to you"):
            task_service.save_draft(stale, loaded, annotator, {"labels": []}, 30)
    current = api.annotator2.get(f"/tasks/{task['id']}").json()
    assert current["draft"] is None and current["status"] == "leased"


def test_two_admins_editing_a_project_do_not_overwrite_each_other(api):
    """Optimistic concurrency through ETag / If-Match: the second edit of the same version
    is refused, and nothing of it is applied."""
    project = create_project(api.admin, api.demo_data)
    loaded = api.admin.get(f"/projects/{project['id']}")
    etag = loaded.headers["etag"]
    first = api.admin.patch(
        f"/projects/{project['id']}", json={"points_per_image": 7}, headers={"If-Match": etag}
    )
    assert first.status_code == 200 and first.headers["etag"] != etag
    second = api.admin.patch(
        f"/projects/{project['id']}", json={"pixel_budget": 0.5}, headers={"If-Match": etag}
    )
    assert second.status_code == 412
    assert "changed since you loaded it" in second.json()["detail"]
    current = api.admin.get(f"/projects/{project['id']}")
    assert current.json()["points_per_image"] == 7 and current.json()["pixel_budget"] != 0.5
    assert current.headers["etag"] == first.headers["etag"]
    retried = api.admin.patch(
        f"/projects/{project['id']}",
        json={"pixel_budget": 0.5},
        headers={"If-Match": current.headers["etag"]},
    )
    assert retried.status_code == 200 and retried.json()["pixel_budget"] == 0.5


def test_a_lease_skips_tasks_that_others_are_claiming(api, project):
    """Fifty people pressing 'next' at once: a task another request holds is skipped, not
    waited for, and 'no task' is never answered while one is free."""
    if get_engine().dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers; there are no row locks to skip")
    ids = _publish(project["id"])
    # The session closes first on the way out, so a regression fails instead of hanging.
    with ThreadPoolExecutor(1) as pool, open_session() as other:
        other.scalars(
            select(AnnotationTask).where(AnnotationTask.id.in_(ids[:2])).with_for_update()
        ).all()
        leased = pool.submit(api.annotator.post, f"/projects/{project['id']}/tasks/next")
        response = leased.result(timeout=10)
    assert response.status_code == 200
    assert response.json()["id"] == ids[2]


def test_a_connection_the_database_dropped_is_replaced_before_a_request_uses_it(api, monkeypatch):
    """After a database restart every pooled connection is dead: a request that comes after
    a pause must get a live one, not an error."""
    if get_engine().dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop connections")
    assert api.admin.get("/users/me").status_code == 200
    url = get_settings().database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as admin:
        dropped = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert dropped >= 1, "the pool should have held a connection"
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert api.admin.get("/users/me").status_code == 200
