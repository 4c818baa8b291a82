"""Export and prediction jobs are database rows: a POST answers 202 at once with the URL to
poll, the worker's outcome (done with bytes, or failed with the reason) shows on the job, a
prediction no worker starts fails instead of hanging, and expired jobs go with their bytes.

The worker is played here by the service calls worker/exports.py makes; tests/worker runs the
real one."""

import io
from datetime import timedelta

import numpy as np
import pytest
from PIL import Image as PILImage
from sqlalchemy import update

from backend.config import get_settings
from backend.db import open_session
from backend.models import Job, JobKind, Round, utcnow
from backend.services.jobs import claim, fail, finish, input_key, remove_expired, storage_key
from backend.storage import get_storage


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(np.zeros((8, 10, 3), dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def trained(project) -> dict:
    """The project with round 0 trained (a checkpoint key is all the API looks at)."""
    with open_session() as session:
        round_ = Round(
            project_id=project["id"],
            number=0,
            status="done",
            stage="done",
            checkpoint_key=f"jobs-test/{project['id']}/model_a.pt",
        )
        session.add(round_)
        session.commit()
    return project


def _predict(client, project_id: int):
    return client.post(
        f"/projects/{project_id}/predict", files={"file": ("a.png", _png(), "image/png")}
    )


def _work(job_id: str, kind: JobKind, name: str, data: bytes = b"", error: str = "") -> None:
    """What a worker does with a job: claim it, then store the bytes and finish, or fail."""
    settings, storage = get_settings(), get_storage()
    with open_session() as session:
        job = claim(session, job_id, kind)
        assert job is not None
        if error:
            fail(session, settings, job_id, error)
        else:
            storage.put(storage_key(job, name), data)
            assert finish(session, settings, job_id, storage_key(job, name))


def _set(job_id: str, **values) -> None:
    with open_session() as session:
        session.execute(update(Job).where(Job.id == job_id).values(**values))
        session.commit()


def _path(url: str) -> str:
    return url.removeprefix("/api/v1")


def test_a_prediction_answers_at_once_then_is_polled_for_its_png(api, trained):
    response = _predict(api.annotator, trained["id"])
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == job["status_url"]
    assert response.headers["x-segloop-round"] == "0" and job["round"] == 0
    assert job["status"] == "queued" and job["result_url"] is None
    url = _path(job["status_url"])
    waiting = api.annotator.get(f"{url}/result")
    assert waiting.status_code == 409 and "queued" in waiting.json()["detail"]

    _work(job["id"], JobKind.predict, "result.png", b"label png")
    polled = api.annotator.get(url).json()
    assert polled["status"] == "done" and polled["result_url"] == f"{job['status_url']}/result"
    result = api.annotator.get(_path(polled["result_url"]))
    assert result.status_code == 200 and result.content == b"label png"
    assert result.headers["content-type"] == "image/png"
    assert result.headers["x-segloop-round"] == "0"
    assert api.admin.get(url).status_code == 200
    assert api.annotator2.get(url).status_code == 404, "another member's image stays theirs"


def test_the_workers_error_is_relayed(api, trained):
    job = _predict(api.annotator, trained["id"]).json()
    _work(job["id"], JobKind.predict, "", error="round 3 has no trained model")
    polled = api.annotator.get(_path(job["status_url"])).json()
    assert polled["status"] == "failed" and polled["error"] == "round 3 has no trained model"
    result = api.annotator.get(_path(job["status_url"]) + "/result")
    assert result.status_code == 409
    assert "round 3 has no trained model" in result.json()["detail"]


def test_no_worker_means_a_failed_prediction_not_a_hang(api, trained):
    job = _predict(api.annotator, trained["id"]).json()
    late = utcnow() - timedelta(seconds=get_settings().predict_timeout_seconds + 1)
    _set(job["id"], created_at=late)
    polled = api.annotator.get(_path(job["status_url"])).json()
    assert polled["status"] == "failed" and "is a cpu worker running" in polled["error"]
    with open_session() as session:
        assert claim(session, job["id"], JobKind.predict) is None, "a late worker skips it"


def test_a_queue_that_is_down_leaves_no_job_behind(api, trained, monkeypatch):
    def unreachable(*args):
        raise ConnectionError("connection refused")

    monkeypatch.setattr("backend.api.routes.exports.enqueue_predict", unreachable)
    response = _predict(api.annotator, trained["id"])
    assert response.status_code == 503 and "queue is unreachable" in response.json()["detail"]
    assert api.admin.get(f"/projects/{trained['id']}/jobs").json() == []


def test_exports_are_jobs_the_worker_finishes_once(api, trained):
    url = f"/projects/{trained['id']}/exports"
    response = api.admin.post(url, json={"what": "model"})
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == f"/api/v1{url}/{job['id']}"
    assert (job["what"], job["format"], job["status"]) == ("model", "torchscript", "queued")
    assert api.admin.get(f"{url}/{job['id']}/download").status_code == 409

    _work(job["id"], JobKind.export, "model.zip", b"PK\x05\x06" + b"\0" * 18)
    done = api.admin.get(f"{url}/{job['id']}").json()
    assert done["status"] == "done" and done["progress"] == 1.0
    download = api.admin.get(_path(done["download_url"]))
    assert download.status_code == 200 and download.content.startswith(b"PK")
    assert "project" in download.headers["content-disposition"]
    with open_session() as session:
        assert claim(session, job["id"], JobKind.export) is None, "a redelivery does nothing"
        assert claim(session, job["id"], JobKind.predict) is None, "ids do not cross kinds"
    assert api.admin.get(f"/projects/{trained['id']}/predict/{job['id']}").status_code == 404


def test_expired_jobs_go_with_their_bytes(api, trained):
    prediction = _predict(api.annotator, trained["id"]).json()
    _work(prediction["id"], JobKind.predict, "result.png", b"label png")
    kept = _predict(api.annotator, trained["id"]).json()
    listed = api.admin.get(f"/projects/{trained['id']}/jobs").json()
    assert [j["id"] for j in listed] == [kept["id"], prediction["id"]], "newest first"
    assert listed[1]["kind"] == "predict" and listed[1]["status"] == "done"

    _set(prediction["id"], expires_at=utcnow() - timedelta(seconds=1))
    gone = api.annotator.get(_path(prediction["status_url"]))
    assert gone.status_code == 404 and "kept 24 h" in gone.json()["detail"]
    listed = api.admin.get(f"/projects/{trained['id']}/jobs").json()
    assert [j["id"] for j in listed] == [kept["id"]]
    storage = get_storage()
    with open_session() as session:
        assert remove_expired(session, storage, get_settings()) == 1  # beat's cleanup
        assert session.get(Job, prediction["id"]) is None
        stub = Job(id=prediction["id"], project_id=trained["id"])
    assert not storage.exists(input_key(stub))
    assert not storage.exists(storage_key(stub, "result.png"))


def test_hostile_job_requests_are_refused_with_a_reason(api, trained):
    base = f"/projects/{trained['id']}"
    assert api.admin.get(f"{base}/exports/not-a-job-id").status_code == 422
    assert api.annotator.get(f"{base}/predict/{'0' * 32}/result").status_code == 404
    assert api.admin.get(f"{base}/jobs", params={"limit": 0}).status_code == 422
    assert api.annotator.get(f"{base}/jobs").status_code == 403
