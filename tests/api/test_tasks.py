"""Leasing and submitting tasks over the API; tasks are published directly in the database,
as the worker's publish stage would."""

import base64
import io
import uuid

import numpy as np
from PIL import Image as PILImage
from sqlalchemy import select

from backend.db import open_session
from backend.models import Annotation, AnnotationTask, Round
from backend.services.annotations import label_map
from backend.storage import get_storage
from tests.api.conftest import publish_tasks


def _publish(project_id: int, kind: str = "points") -> list[int]:
    """Three tasks of one kind, each asking for two points (or a region)."""
    return publish_tasks(project_id, [kind] * 3, [{"x": 1, "y": 2}, {"x": 5, "y": 6}])


def _submission(labels, **extra):
    return {"labels": labels, "client_key": uuid.uuid4().hex, "seconds_spent": 3.5, **extra}


def test_two_annotators_never_get_the_same_task(api, project):
    _publish(project["id"])
    first = api.annotator.post(f"/projects/{project['id']}/tasks/next").json()
    second = api.annotator2.post(f"/projects/{project['id']}/tasks/next").json()
    assert first["id"] != second["id"]
    again = api.annotator.post(f"/projects/{project['id']}/tasks/next").json()
    assert again["id"] == first["id"], "a reload resumes the caller's own lease"
    assert first["status"] == "leased" and first["points"] == [{"x": 1, "y": 2}, {"x": 5, "y": 6}]


def test_no_task_left_is_204(api, project):
    response = api.annotator.post(f"/projects/{project['id']}/tasks/next")
    assert response.status_code == 204


def test_submitted_points_become_a_sparse_label_map(api, project):
    _publish(project["id"])
    annotator = api.annotator
    task = annotator.post(f"/projects/{project['id']}/tasks/next").json()
    body = _submission([{"x": 1, "y": 2, "class_id": 3}, {"x": 5, "y": 6, "class_id": 255}])
    response = annotator.post(f"/tasks/{task['id']}/submit", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["labelled_pixels"] == 1
    with open_session() as session:
        annotation = session.get(Annotation, response.json()["id"])
        labels = label_map(get_storage(), annotation, task["width"], task["height"])
        assert annotation.seconds_spent == 3.5
        assert session.get(AnnotationTask, task["id"]).status == "done"
    assert annotation.label_key is None, "points alone are kept in their row, not in a file"
    assert labels.shape == (task["height"], task["width"])
    assert labels[2, 1] == 3
    assert (labels != 255).sum() == 1


def test_a_retried_submission_is_stored_once(api, project):
    _publish(project["id"])
    annotator = api.annotator
    task = annotator.post(f"/projects/{project['id']}/tasks/next").json()
    body = _submission([{"x": 1, "y": 2, "class_id": 1}])
    first = annotator.post(f"/tasks/{task['id']}/submit", json=body).json()
    second = annotator.post(f"/tasks/{task['id']}/submit", json=body).json()
    assert first["id"] == second["id"]
    with open_session() as session:
        count = len(
            session.scalars(select(Annotation).where(Annotation.task_id == task["id"])).all()
        )
    assert count == 1
    other = api.annotator2.post(f"/tasks/{task['id']}/submit", json=_submission([]))
    assert other.status_code == 409


def test_the_submitter_can_go_back_and_correct_a_task(api, project):
    _publish(project["id"])
    annotator = api.annotator
    task = annotator.post(f"/projects/{project['id']}/tasks/next").json()
    annotator.post(
        f"/tasks/{task['id']}/submit", json=_submission([{"x": 1, "y": 2, "class_id": 1}])
    )
    history = annotator.get(f"/projects/{project['id']}/tasks/submitted").json()
    assert [t["id"] for t in history] == [task["id"]]
    stale = _submission([{"x": 1, "y": 2, "class_id": 2}], expected_version=task["version"])
    assert annotator.post(f"/tasks/{task['id']}/submit", json=stale).status_code == 409
    current = annotator.get(f"/tasks/{task['id']}").json()
    fixed = _submission([{"x": 1, "y": 2, "class_id": 2}], expected_version=current["version"])
    assert annotator.post(f"/tasks/{task['id']}/submit", json=fixed).status_code == 200


def test_a_draft_survives_a_reload_and_a_new_login(api, project):
    _publish(project["id"])
    annotator = api.annotator
    task = annotator.post(f"/projects/{project['id']}/tasks/next").json()
    draft = {"labels": [{"x": 1, "y": 2, "class_id": 4}], "seconds_spent": 7.0, "current_point": 1}
    assert annotator.put(f"/tasks/{task['id']}/draft", json=draft).status_code == 204
    api.tokens.clear()
    again = api.annotator.post(f"/projects/{project['id']}/tasks/next").json()
    assert again["id"] == task["id"]
    assert again["draft"]["labels"] == draft["labels"] and again["draft"]["current_point"] == 1
    other = api.annotator2.put(f"/tasks/{task['id']}/draft", json=draft)
    assert other.status_code == 409


def test_a_skipped_task_goes_to_someone_else(api, project):
    _publish(project["id"])
    first = api.annotator.post(f"/projects/{project['id']}/tasks/next").json()
    refused = api.annotator.post(f"/tasks/{first['id']}/skip", json={"seconds_spent": -1})
    assert refused.status_code == 422, "a negative time is refused, and nothing is skipped"
    again = api.annotator.post(f"/projects/{project['id']}/tasks/next").json()
    assert again["id"] == first["id"]
    assert api.annotator.post(f"/tasks/{first['id']}/skip").status_code == 204
    mine = api.annotator.post(f"/projects/{project['id']}/tasks/next").json()
    assert mine["id"] != first["id"]
    theirs = api.annotator2.post(f"/projects/{project['id']}/tasks/next").json()
    assert theirs["id"] == first["id"]


def test_bad_labels_are_refused_with_a_reason(api, project):
    _publish(project["id"])
    annotator = api.annotator
    task = annotator.post(f"/projects/{project['id']}/tasks/next").json()
    cases = [
        ([{"x": 1, "y": 2, "class_id": 99}], "unknown class id"),
        ([{"x": 9999, "y": 2, "class_id": 1}], "outside"),
        ([{"x": 3, "y": 3, "class_id": 1}], "not requested"),
    ]
    for labels, reason in cases:
        response = annotator.post(f"/tasks/{task['id']}/submit", json=_submission(labels))
        assert response.status_code == 422
        assert reason in response.json()["detail"]
    negative = annotator.post(
        f"/tasks/{task['id']}/submit", json=_submission([{"x": -1, "y": 2, "class_id": 1}])
    )
    assert negative.status_code == 422
    with open_session() as session:
        assert session.get(AnnotationTask, task["id"]).status == "leased"


def test_someone_elses_lease_cannot_be_submitted(api, project):
    _publish(project["id"])
    task = api.annotator.post(f"/projects/{project['id']}/tasks/next").json()
    response = api.annotator2.post(
        f"/tasks/{task['id']}/submit", json=_submission([{"x": 1, "y": 2, "class_id": 1}])
    )
    assert response.status_code == 409


def test_region_submissions_count_only_requested_pixels(api, project):
    _publish(project["id"], kind="region")
    annotator = api.annotator
    task = annotator.post(f"/projects/{project['id']}/tasks/next").json()
    mask = np.asarray(PILImage.open(io.BytesIO(annotator.get(task["mask_url"][7:]).content)))
    assert (mask > 0).sum() == 16
    painted = np.full((task["height"], task["width"]), 2, dtype=np.uint8)
    buffer = io.BytesIO()
    PILImage.fromarray(painted).save(buffer, format="PNG")
    body = _submission([], region_png=base64.b64encode(buffer.getvalue()).decode())
    response = annotator.post(f"/tasks/{task['id']}/submit", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["labelled_pixels"] == 16
    with open_session() as session:
        annotation = session.get(Annotation, response.json()["id"])
        stored = np.asarray(PILImage.open(io.BytesIO(get_storage().get(annotation.label_key))))
    assert (stored == 2).sum() == 16 and (stored == 255).sum() == stored.size - 16


def test_launching_a_round_queues_it_once(api, project):
    admin = api.admin
    first = admin.post(f"/projects/{project['id']}/rounds")
    assert first.status_code == 202
    assert first.json()["status"] == "queued" and first.json()["number"] == 0
    second = admin.post(f"/projects/{project['id']}/rounds")
    assert second.status_code == 409
    assert api.annotator.post(f"/projects/{project['id']}/rounds").status_code == 403


def test_a_queued_round_cancels_at_once_and_a_failed_one_retries(api, project):
    admin = api.admin
    round_ = admin.post(f"/projects/{project['id']}/rounds").json()
    cancelled = admin.post(f"/rounds/{round_['id']}/cancel").json()
    assert cancelled["status"] == "cancelled"
    assert admin.post(f"/rounds/{round_['id']}/cancel").status_code == 409
    assert admin.post(f"/rounds/{round_['id']}/retry").status_code == 409
    with open_session() as session:
        failed = Round(
            project_id=project["id"], number=1, status="failed", stage="select", error="boom"
        )
        session.add(failed)
        session.commit()
        failed_id = failed.id
    retried = admin.post(f"/rounds/{failed_id}/retry").json()
    assert retried["status"] == "queued" and retried["stage"] == "select"
    assert retried["error"] is None


def test_annotator_stats_count_labels_and_time(api, project):
    _publish(project["id"])
    task = api.annotator.post(f"/projects/{project['id']}/tasks/next").json()
    api.annotator.post(
        f"/tasks/{task['id']}/submit", json=_submission([{"x": 1, "y": 2, "class_id": 1}])
    )
    stats = api.admin.get(f"/projects/{project['id']}/annotator-stats").json()
    assert len(stats) == 1
    assert stats[0]["labelled_pixels"] == 1 and stats[0]["seconds_per_label"] == 3.5
    assert api.annotator.get(f"/projects/{project['id']}/annotator-stats").status_code == 403
