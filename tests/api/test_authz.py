"""Who may do what: every endpoint of the OpenAPI schema against five callers.

Callers: anonymous, an annotator of another project (B), an annotator of the project (A),
an admin, and a revoked API token (of the admin). Project-scoped resources of a project the
caller is not in are reported missing (404, no probing); admin actions are 403 for every
annotator; no credentials or revoked ones are 401. An endpoint added without a row here
fails `test_every_endpoint_is_in_the_matrix`.
"""

import io
import string
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage
from sqlalchemy import select

from backend.config import get_settings
from backend.db import open_session
from backend.models import AnnotationTask, Dataset, Image, Project, Round, User
from backend.services.exports import create_export, create_prediction
from backend.services.jobs import claim, finish, storage_key
from backend.storage import get_storage
from tests.conftest import ANNOTATOR, ANNOTATOR_2, create_project

ROLES = ("anonymous", "revoked", "annotator_b", "annotator_a", "admin")


def public(ok: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, ok)


def user(ok: int) -> dict[str, int]:
    return {"anonymous": 401, "revoked": 401, "annotator_b": ok, "annotator_a": ok, "admin": ok}


def member(ok: int, admin: int | None = None) -> dict[str, int]:
    """Members of the project and admins; an annotator of another project sees a 404."""
    return {
        "anonymous": 401,
        "revoked": 401,
        "annotator_b": 404,
        "annotator_a": ok,
        "admin": ok if admin is None else admin,
    }


def admin_only(ok: int) -> dict[str, int]:
    return {"anonymous": 401, "revoked": 401, "annotator_b": 403, "annotator_a": 403, "admin": ok}


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("images/a.png", _png(np.zeros((8, 10, 3), dtype=np.uint8)))
        zf.writestr("labels/a.png", _png(np.zeros((8, 10), dtype=np.uint8)))
    return buffer.getvalue()


def _submission() -> dict:
    return {"labels": [{"x": 1, "y": 2, "class_id": 1}], "client_key": uuid.uuid4().hex}


@dataclass
class Op:
    """One endpoint: the status each caller gets, and how to call it."""

    expected: dict[str, int]
    # Path placeholder -> key of the resource ids prepared by `world`, where it is not the
    # placeholder's own name.
    ids: dict[str, str] = field(default_factory=dict)
    json: Callable[[], Any] | None = None
    data: dict[str, str] | None = None
    files: Callable[[], dict] | None = None
    params: dict[str, str] | None = None


MATRIX: dict[tuple[str, str], Op] = {
    ("GET", "/health"): Op(public(200)),
    ("POST", "/login/access-token"): Op(
        public(200), data={"username": ANNOTATOR[0], "password": ANNOTATOR[1]}
    ),
    ("GET", "/users/me"): Op(user(200)),
    ("GET", "/users"): Op(admin_only(200)),
    ("POST", "/users"): Op(
        admin_only(201),
        json=lambda: {"email": f"{uuid.uuid4().hex[:8]}@example.com", "password": "long-enough"},
    ),
    ("GET", "/users/me/tokens"): Op(user(200)),
    ("POST", "/users/me/tokens"): Op(user(201), json=lambda: {"name": "script"}),
    # Only the owner revokes a token: to anyone else it does not exist.
    ("DELETE", "/users/me/tokens/{token_id}"): Op(
        {"anonymous": 401, "revoked": 401, "annotator_b": 404, "annotator_a": 204, "admin": 404}
    ),
    ("GET", "/projects"): Op(user(200)),
    ("POST", "/projects"): Op(
        admin_only(201),
        json=lambda: {
            "name": f"p-{uuid.uuid4().hex[:8]}",
            "classes": [{"id": 0, "name": "road", "colour": "#808080"}],
        },
    ),
    ("GET", "/projects/{project_id}"): Op(member(200)),
    ("PATCH", "/projects/{project_id}"): Op(admin_only(200), json=lambda: {"points_per_image": 9}),
    ("GET", "/projects/{project_id}/members"): Op(admin_only(200)),
    ("POST", "/projects/{project_id}/members"): Op(
        admin_only(201), json=lambda: {"user_id": WORLD["annotator_a_id"]}
    ),
    ("POST", "/projects/{project_id}/datasets/import-folder"): Op(
        admin_only(201),
        json=lambda: {"kind": "source", "path": str(WORLD["demo_data"] / "source/train")},
    ),
    ("POST", "/projects/{project_id}/datasets/upload"): Op(
        admin_only(201),
        data={"kind": "source"},
        files=lambda: {"file": ("data.zip", _zip(), "application/zip")},
    ),
    ("GET", "/projects/{project_id}/datasets"): Op(member(200)),
    ("GET", "/datasets/{dataset_id}"): Op(member(200)),
    ("GET", "/datasets/{dataset_id}/images"): Op(member(200)),
    ("GET", "/images/{image_id}/file"): Op(member(200)),
    ("GET", "/images/{image_id}/label.png"): Op(admin_only(200)),
    ("POST", "/projects/{project_id}/exports"): Op(admin_only(200), json=lambda: {}),
    ("GET", "/projects/{project_id}/exports/{job_id}"): Op(admin_only(200)),
    ("GET", "/projects/{project_id}/exports/{job_id}/download"): Op(admin_only(200)),
    ("GET", "/projects/{project_id}/jobs"): Op(admin_only(200)),
    # The round has no model: allowed callers get as far as "nothing to predict with".
    ("POST", "/projects/{project_id}/predict"): Op(
        member(409),
        params={"round_id": "round_failed"},
        files=lambda: {"file": ("a.png", _png(np.zeros((8, 10, 3), dtype=np.uint8)), "image/png")},
    ),
    # Annotator A's prediction: the admin sees it too, a member of another project does not.
    ("GET", "/projects/{project_id}/predict/{job_id}"): Op(
        member(200), ids={"job_id": "predict_job_id"}
    ),
    ("GET", "/projects/{project_id}/predict/{job_id}/result"): Op(
        member(200), ids={"job_id": "predict_job_id"}
    ),
    # A round is running: the admin gets past authorisation to the one-active-round rule.
    ("POST", "/projects/{project_id}/rounds"): Op(admin_only(409)),
    ("GET", "/projects/{project_id}/rounds"): Op(member(200)),
    ("POST", "/rounds/{round_id}/cancel"): Op(admin_only(202), ids={"round_id": "round_queued"}),
    # Project A has a running round, so the failed round to retry is project B's.
    ("POST", "/rounds/{round_id}/retry"): Op(admin_only(202), ids={"round_id": "round_failed_b"}),
    ("GET", "/projects/{project_id}/annotator-stats"): Op(admin_only(200)),
    ("GET", "/rounds/{round_id}"): Op(member(200)),
    ("GET", "/rounds/{round_id}/metrics"): Op(member(200)),
    ("POST", "/projects/{project_id}/tasks/next"): Op(member(200)),
    ("GET", "/tasks/{task_id}"): Op(member(200)),
    ("GET", "/tasks/{task_id}/mask.png"): Op(member(200)),
    ("GET", "/tasks/{task_id}/prediction.png"): Op(member(200)),
    # Tasks leased to annotator A: the admin may see them but not write into A's lease.
    ("POST", "/tasks/{task_id}/submit"): Op(
        member(200, admin=409), ids={"task_id": "task_submit"}, json=_submission
    ),
    ("PUT", "/tasks/{task_id}/draft"): Op(
        member(204, admin=409), ids={"task_id": "task_draft"}, json=lambda: {"labels": []}
    ),
    ("POST", "/tasks/{task_id}/skip"): Op(member(204, admin=409), ids={"task_id": "task_skip"}),
    ("GET", "/projects/{project_id}/tasks/submitted"): Op(member(200)),
    # Annotators see their own rows of the ledger.
    ("GET", "/projects/{project_id}/ledger"): Op(member(200)),
    ("GET", "/projects/{project_id}/current-model"): Op(member(200)),
    ("PUT", "/projects/{project_id}/pinned-round"): Op(
        admin_only(200), json=lambda: {"round_id": WORLD["round_done"]}
    ),
    ("DELETE", "/projects/{project_id}/pinned-round"): Op(admin_only(200)),
}

# Resource ids and helpers of the current `world`, read by the request builders above.
WORLD: dict[str, Any] = {}


def _task(session, project_id: int, round_id: int, image: Image, **values) -> int:
    storage = get_storage()
    mask = np.zeros((image.height, image.width), dtype=np.uint8)
    mask[:4, :4] = 255
    key = f"authz/{round_id}/{image.id}"
    storage.put(f"{key}/mask.png", _png(mask))
    storage.put(f"{key}/prediction.png", _png(np.zeros_like(mask)))
    task = AnnotationTask(
        project_id=project_id,
        round_id=round_id,
        image_id=image.id,
        kind="points",
        points=[{"x": 1, "y": 2}],
        mask_key=f"{key}/mask.png",
        prediction_key=f"{key}/prediction.png",
        requested_pixels=1,
        **values,
    )
    session.add(task)
    session.flush()
    return task.id


def _prepare(api) -> dict[str, Any]:
    """Project A (annotator A a member) with rounds, tasks leased to A, a finished export and
    a finished prediction of A's; project B with annotator B as its member; a revoked API
    token of the admin."""
    admin = api.admin
    project = create_project(admin, api.demo_data)
    other = create_project(admin, api.demo_data)
    a_id = api.annotator.get("/users/me").json()["id"]
    b_id = api.annotator2.get("/users/me").json()["id"]
    admin.post(f"/projects/{project['id']}/members", json={"user_id": a_id})
    admin.post(f"/projects/{other['id']}/members", json={"user_id": b_id})
    token = admin.post("/users/me/tokens", json={"name": "revoked"}).json()
    assert admin.delete(f"/users/me/tokens/{token['id']}").status_code == 204
    a_token = api.annotator.post("/users/me/tokens", json={"name": "a"}).json()

    expires = datetime.now(UTC) + timedelta(hours=1)
    lease = {"status": "leased", "leased_by": a_id, "lease_expires_at": expires}
    with open_session() as session:
        rounds = {}
        names = ("round_done", "round_failed", "round_queued", "round_running")
        for number, (name, status) in enumerate(
            zip(names, ("done", "failed", "queued", "running"), strict=True)
        ):
            round_ = Round(project_id=project["id"], number=number, status=status, stage=status)
            session.add(round_)
            session.flush()
            rounds[name] = round_.id
        failed_b = Round(project_id=other["id"], number=0, status="failed", stage="select")
        session.add(failed_b)
        session.flush()
        rounds["round_failed_b"] = failed_b.id
        done = session.get(Round, rounds["round_done"])
        done.metrics = {"miou": 0.5}
        done.checkpoint_key = "authz/checkpoint.pt"
        images = session.scalars(
            select(Image)
            .join(Dataset)
            .where(Dataset.project_id == project["id"], Dataset.kind == "target_pool")
            .order_by(Image.id)
        ).all()
        source_image = session.scalar(
            select(Image)
            .join(Dataset)
            .where(Dataset.project_id == project["id"], Dataset.kind == "source")
        )
        tasks = {
            name: _task(session, project["id"], rounds["round_done"], image, **kw)
            for (name, kw), image in zip(
                [
                    ("task_labelled", lease),
                    ("task_submit", lease),
                    ("task_draft", lease),
                    ("task_skip", lease),
                    ("task_pending", {}),
                    ("task_pending_2", {}),
                ],
                images,
                strict=False,
            )
        }
        session.commit()
        dataset_id, image_id = source_image.dataset_id, source_image.id
    labelled = api.annotator.post(f"/tasks/{tasks['task_labelled']}/submit", json=_submission())
    assert labelled.status_code == 200, labelled.text

    storage, settings = get_storage(), get_settings()
    admin_id = admin.get("/users/me").json()["id"]
    with open_session() as session:
        project_row = session.get(Project, project["id"])
        request = {"what": "model", "format": "generic", "round_id": None}
        job = create_export(session, settings, project_row, request, admin_id)
        done = session.get(Round, rounds["round_done"])
        image = _png(np.zeros((8, 10, 3), dtype=np.uint8))
        prediction = create_prediction(session, settings, storage, project_row, done, image, a_id)
        session.commit()
        results = {"model.zip": b"PK\x05\x06" + b"\0" * 18, "result.png": image}
        for finished, (name, data) in zip((job, prediction), results.items(), strict=True):
            storage.put(storage_key(finished, name), data)
            claim(session, finished.id, finished.kind)
            finish(session, settings, finished.id, storage_key(finished, name))
    return {
        "project_id": project["id"],
        "other_project_id": other["id"],
        "dataset_id": dataset_id,
        "image_id": image_id,
        "round_id": rounds["round_done"],
        "task_id": tasks["task_labelled"],
        "token_id": a_token["id"],
        "job_id": job.id,
        "predict_job_id": prediction.id,
        "revoked_token": token["token"],
        "annotator_a_id": a_id,
        "demo_data": api.demo_data,
        **rounds,
        **tasks,
    }


@pytest.fixture
def world(api):
    WORLD.clear()
    WORLD.update(_prepare(api))
    yield WORLD
    WORLD.clear()


def _operations(api) -> set[tuple[str, str]]:
    paths = api.app.openapi()["paths"]
    return {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in paths.items()
        for method in operations
    }


def test_every_endpoint_is_in_the_matrix(api):
    operations = _operations(api)
    assert not operations - set(MATRIX), f"no authorisation row: {sorted(operations - set(MATRIX))}"
    assert not set(MATRIX) - operations, f"no such endpoint: {sorted(set(MATRIX) - operations)}"


def _clients(api, world) -> dict:
    return {
        "anonymous": api.client(),
        "revoked": api.client({"Authorization": f"Bearer {world['revoked_token']}"}),
        "annotator_b": api.annotator2,
        "annotator_a": api.annotator,
        "admin": api.admin,
    }


def _call(client, method: str, path: str, op: Op, world: dict) -> int:
    params = {key: world[value] for key, value in (op.params or {}).items()}
    kwargs: dict[str, Any] = {"params": params}
    if op.json is not None:
        kwargs["json"] = op.json()
    if op.data is not None:
        kwargs["data"] = op.data
    if op.files is not None:
        kwargs["files"] = op.files()
    return client.request(method, path, **kwargs).status_code


def test_each_caller_gets_what_the_matrix_says(api, world):
    clients = _clients(api, world)
    wrong = []
    for (method, template), op in MATRIX.items():
        ids = {name: world[op.ids.get(name, name)] for name in _placeholders(template)}
        path = template.format(**ids)
        for role in ROLES:
            status = _call(clients[role], method, path, op, world)
            if status != op.expected[role]:
                wrong.append(f"{method} {template} as {role}: {status}, not {op.expected[role]}")
    assert not wrong, "\n".join(wrong)


def _placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def test_annotators_list_only_their_own_projects(api, world):
    mine = {p["id"] for p in api.annotator.get("/projects").json()}
    theirs = {p["id"] for p in api.annotator2.get("/projects").json()}
    assert world["project_id"] in mine and world["other_project_id"] not in mine
    assert world["other_project_id"] in theirs and world["project_id"] not in theirs
    everything = {p["id"] for p in api.admin.get("/projects").json()}
    assert {world["project_id"], world["other_project_id"]} <= everything


def test_a_revoked_token_and_a_deactivated_user_are_locked_out(api, world):
    """Revocation and deactivation take effect on the next request, not at token expiry."""
    revoked = api.client({"Authorization": f"Bearer {world['revoked_token']}"})
    response = revoked.get("/users/me")
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    email, password = ANNOTATOR_2
    client = api.login(email, password)
    assert client.get("/users/me").status_code == 200
    with open_session() as session:
        session.scalar(select(User).where(User.email == email)).is_active = False
        session.commit()
    try:
        assert client.get("/users/me").status_code == 401
        login = api.client().post(
            "/login/access-token", data={"username": email, "password": password}
        )
        assert login.status_code == 401
    finally:
        with open_session() as session:
            session.scalar(select(User).where(User.email == email)).is_active = True
            session.commit()
