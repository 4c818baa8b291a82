"""Hostile input across the API: each case gets a 4xx that says what is wrong, and leaves
nothing behind: no row in any table, no file in storage, no change to the tasks.

Cases that tests/api/test_projects_datasets.py and test_tasks.py already cover (zip slip,
a zip bomb, a wrong-size label in a zip, unknown class ids, points outside the image or not
requested) are not repeated here.
"""

import base64
import io
import json
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import numpy as np
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from PIL import Image as PILImage
from sqlalchemy import func, select

from backend.auth import JWT_ALGORITHM
from backend.config import get_settings
from backend.db import open_session
from backend.models import AnnotationTask, Base
from tests.api.conftest import publish_tasks
from tests.conftest import create_project


def _png(array: np.ndarray, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


def _png_bomb(side: int = 100_000) -> bytes:
    """A valid PNG header declaring side x side pixels, with a few bytes of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\0" * (side + 1) * 4)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def _zip(files: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16) | 0x20  # a symbolic link, as `zip -y` stores it
            zf.writestr(info, target)
    return buffer.getvalue()


IMAGE = np.zeros((8, 10, 3), dtype=np.uint8)
LABEL = np.zeros((8, 10), dtype=np.uint8)


@dataclass
class World:
    """What the cases act on: a project, and tasks leased to the annotator."""

    admin: TestClient
    annotator: TestClient
    anonymous: TestClient
    project_id: int
    points_task: dict
    region_task: dict
    used_client_key: str
    storage_root: Path


def _publish(project_id: int, annotator_id: int) -> dict[str, int]:
    """A points task and a region task leased to the annotator, and one more to submit."""
    lease = {
        "status": "leased",
        "leased_by": annotator_id,
        "lease_expires_at": datetime.now(UTC) + timedelta(hours=1),
    }
    ids = publish_tasks(project_id, ["points", "region", "points"], [{"x": 1, "y": 2}], **lease)
    return dict(zip(("points", "region", "done"), ids, strict=True))


@pytest.fixture(scope="module")
def world(api) -> World:
    admin, annotator = api.admin, api.annotator
    project = create_project(admin, api.demo_data)
    me = annotator.get("/users/me").json()
    admin.post(f"/projects/{project['id']}/members", json={"user_id": me["id"]})
    ids = _publish(project["id"], me["id"])
    used_key = uuid.uuid4().hex
    done = annotator.post(
        f"/tasks/{ids['done']}/submit",
        json={"labels": [{"x": 1, "y": 2, "class_id": 1}], "client_key": used_key},
    )
    assert done.status_code == 200, done.text
    return World(
        admin=admin,
        annotator=annotator,
        anonymous=api.client(),
        project_id=project["id"],
        points_task=annotator.get(f"/tasks/{ids['points']}").json(),
        region_task=annotator.get(f"/tasks/{ids['region']}").json(),
        used_client_key=used_key,
        storage_root=api.data_dir / "storage",
    )


def _state(world: World) -> dict[str, Any]:
    """Row counts of every table, files in storage, and the tasks' state."""
    with open_session() as session:
        counts = {
            table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }
        tasks = [
            (t.id, t.status, t.version, t.leased_by, t.draft)
            for t in session.scalars(select(AnnotationTask).order_by(AnnotationTask.id))
        ]
    files = sorted(str(p) for p in world.storage_root.rglob("*") if p.is_file())
    return {"rows": counts, "files": files, "tasks": tasks}


# --- requests -------------------------------------------------------------------------------


def upload(zip_bytes: bytes, **form: str) -> Callable[[World], Response]:
    def call(w: World) -> Response:
        return w.admin.post(
            f"/projects/{w.project_id}/datasets/upload",
            files={"file": ("data.zip", zip_bytes, "application/zip")},
            data={"kind": "source", **form},
        )

    return call


def predict(image: bytes) -> Callable[[World], Response]:
    def call(w: World) -> Response:
        return w.annotator.post(
            f"/projects/{w.project_id}/predict", files={"file": ("a.png", image, "image/png")}
        )

    return call


def submit_points(labels: list[dict], **extra: Any) -> Callable[[World], Response]:
    def call(w: World) -> Response:
        body = {"labels": labels, "client_key": uuid.uuid4().hex, **extra}
        return w.annotator.post(f"/tasks/{w.points_task['id']}/submit", json=body)

    return call


def submit_region(png: bytes | str) -> Callable[[World], Response]:
    def call(w: World) -> Response:
        encoded = png if isinstance(png, str) else base64.b64encode(png).decode()
        body = {"region_png": encoded, "client_key": uuid.uuid4().hex}
        return w.annotator.post(f"/tasks/{w.region_task['id']}/submit", json=body)

    return call


def raw(
    method: str, path: str, content: Any, content_type: str = "application/json"
) -> Callable[[World], Response]:
    def call(w: World) -> Response:
        return w.admin.request(
            method,
            path.format(project=w.project_id, task=w.points_task["id"]),
            content=content() if callable(content) else content,
            headers={"Content-Type": content_type},
        )

    return call


def admin_json(path: str, body: Any) -> Callable[[World], Response]:
    return lambda w: w.admin.post(path.format(project=w.project_id), json=body)


def with_token(token: Callable[[], str]) -> Callable[[World], Response]:
    """A write with bad credentials: 401, and nothing is created."""

    def call(w: World) -> Response:
        headers = {"Authorization": f"Bearer {token()}"}
        return w.anonymous.post("/projects", json=PROJECT, headers=headers)

    return call


def _jwt(payload: dict, key: str | None = None, algorithm: str = JWT_ALGORITHM) -> str:
    return jwt.encode(payload, key or get_settings().secret_key, algorithm=algorithm)


def _chunks(total: int):
    sent = 0
    while sent < total:
        yield b" " * 65536
        sent += 65536


CLASSES = [{"id": 0, "name": "road", "colour": "#808080"}]
PROJECT = {"name": "never-created", "classes": CLASSES}
HUGE = get_settings().max_json_bytes + 1
NESTED = "[" * 100_000 + "]" * 100_000
REGION = (48, 64)  # the demo images' height and width


@dataclass
class Case:
    request: Callable[[World], Response]
    status: int
    detail: str


CASES: dict[str, Case] = {
    # Archives and images
    "zip with a symbolic link": Case(
        upload(_zip({"images/a.png": _png(IMAGE)}, links={"images/b.png": "/etc/passwd"})),
        422,
        "symbolic link",
    ),
    "zip with an absolute path": Case(
        upload(_zip({"images/a.png": _png(IMAGE), "/tmp/evil.png": _png(IMAGE)})),
        422,
        "outside the archive",
    ),
    "zip with a backslash ../ path": Case(
        upload(_zip({"images/a.png": _png(IMAGE), "..\\..\\evil.png": _png(IMAGE)})),
        422,
        "outside the archive",
    ),
    "truncated png in a zip": Case(
        upload(_zip({"images/a.png": _png(IMAGE)[:-30], "labels/a.png": _png(LABEL)})),
        422,
        "a.png",
    ),
    "png decompression bomb in a zip": Case(
        upload(_zip({"images/a.png": _png_bomb(), "labels/a.png": _png(LABEL)})),
        422,
        "a.png",
    ),
    "three-channel label in a zip": Case(
        upload(_zip({"images/a.png": _png(IMAGE), "labels/a.png": _png(IMAGE)})),
        422,
        "a.png",
    ),
    "empty zip": Case(upload(_zip({})), 422, "images/"),
    "upload of an unknown dataset kind": Case(
        upload(_zip({"images/a.png": _png(IMAGE)}), kind="everything"), 422, "kind"
    ),
    "corrupt image to predict": Case(predict(b"\x89PNG\r\n\x1a\n not really"), 422, "readable"),
    "decompression bomb to predict": Case(predict(_png_bomb()), 422, "limit"),
    # Labels
    "region of the wrong size": Case(
        submit_region(_png(np.zeros((5, 5), dtype=np.uint8))), 422, "the image is"
    ),
    "region with class ids out of range": Case(
        submit_region(_png(np.full(REGION, 77, dtype=np.uint8))), 422, "unknown class ids"
    ),
    "three-channel region": Case(
        submit_region(_png(np.zeros((*REGION, 3), dtype=np.uint8))), 422, "single-channel"
    ),
    "region that is not base64": Case(submit_region("%%% not base64 %%%"), 422, "base64"),
    "region that is not an image": Case(submit_region(b"GIF89a nonsense"), 422, "readable"),
    "truncated region png": Case(
        submit_region(_png(np.zeros(REGION, dtype=np.uint8))[:-20]), 422, "region_png"
    ),
    "region decompression bomb": Case(submit_region(_png_bomb()), 422, "limit"),
    "class id beyond 255": Case(
        submit_points([{"x": 1, "y": 2, "class_id": 256}]), 422, "less than or equal to 255"
    ),
    "negative y": Case(submit_points([{"x": 1, "y": -5, "class_id": 1}]), 422, "greater than"),
    "coordinates far outside the image": Case(
        submit_points([{"x": 2**40, "y": 2**40, "class_id": 1}]), 422, "outside"
    ),
    "coordinate that is SQL": Case(
        submit_points([{"x": "1; DROP TABLE annotations", "y": 2, "class_id": 1}]),
        422,
        "valid integer",
    ),
    "client key that is SQL": Case(
        submit_points([], client_key="x'; DROP TABLE annotations; --"), 422, "pattern"
    ),
    "client key of another submission": Case(
        lambda w: w.annotator.post(
            f"/tasks/{w.points_task['id']}/submit",
            json={"labels": [{"x": 1, "y": 2, "class_id": 1}], "client_key": w.used_client_key},
        ),
        409,
        "already used",
    ),
    "negative time spent": Case(submit_points([], seconds_spent=-1), 422, "greater than"),
    "time spent NaN": Case(
        raw(
            "POST",
            "/tasks/{task}/submit",
            '{"labels": [], "client_key": "abcdefgh12", "seconds_spent": NaN}',
        ),
        422,
        "seconds_spent",
    ),
    "more than 100000 points": Case(
        submit_points([{"x": 1, "y": 2, "class_id": 1}] * 100_001), 422, "at most 100000"
    ),
    # Bodies and content types
    "JSON body over the limit": Case(
        raw("POST", "/projects", b" " * HUGE), 413, "larger than the limit"
    ),
    "chunked JSON body over the limit": Case(
        raw("POST", "/projects", lambda: _chunks(HUGE)), 413, "larger than the limit"
    ),
    "malformed JSON": Case(raw("POST", "/projects", b'{"name": "x",'), 422, "JSON decode error"),
    "deeply nested JSON": Case(raw("POST", "/projects", NESTED), 400, "error parsing the body"),
    "JSON array for an object": Case(
        raw("POST", "/projects", "[1, 2, 3]"), 422, "valid dictionary"
    ),
    "invalid UTF-8": Case(
        raw("POST", "/projects", b'{"name": "\xff\xfe"}'), 400, "error parsing the body"
    ),
    "JSON sent as text/plain": Case(
        raw("POST", "/projects", json.dumps(PROJECT), "text/plain"), 415, "application/json"
    ),
    "JSON endpoint sent a form": Case(
        raw("POST", "/projects", "name=x", "application/x-www-form-urlencoded"),
        415,
        "application/json",
    ),
    "JSON endpoint sent XML": Case(
        raw("POST", "/projects", "<project name='x'/>", "application/xml"), 415, "application/json"
    ),
    "upload endpoint sent JSON": Case(
        raw("POST", "/projects/{project}/datasets/upload", json.dumps({"kind": "source"})),
        422,
        "file",
    ),
    # Names and ids
    "project name with a NUL": Case(
        admin_json("/projects", {**PROJECT, "name": "evil\x00name"}), 422, "pattern"
    ),
    "project name with an escape sequence": Case(
        admin_json("/projects", {**PROJECT, "name": "\x1b[31mred"}), 422, "pattern"
    ),
    "project name of 10000 characters": Case(
        admin_json("/projects", {**PROJECT, "name": "ü" * 10_000}), 422, "at most 200"
    ),
    "class name with a NUL": Case(
        admin_json("/projects", {**PROJECT, "classes": [{**CLASSES[0], "name": "ro\x00ad"}]}),
        422,
        "pattern",
    ),
    "user email with a NUL": Case(
        admin_json("/users", {"email": "a\x00@example.com", "password": "long-enough"}),
        422,
        "pattern",
    ),
    "token name with a newline": Case(
        lambda w: w.annotator.post("/users/me/tokens", json={"name": "a\nb"}), 422, "pattern"
    ),
    "project id beyond any integer": Case(
        admin_json("/projects/99999999999999999999999/members", {"user_id": 1}), 422, "range"
    ),
    "member id beyond any integer": Case(
        admin_json("/projects/{project}/members", {"user_id": 2**70}), 422, "range"
    ),
    "folder import with a NUL in the path": Case(
        admin_json(
            "/projects/{project}/datasets/import-folder", {"kind": "source", "path": "/tmp/\x00x"}
        ),
        422,
        "path",
    ),
    # Credentials
    "expired token": Case(
        with_token(lambda: _jwt({"sub": "1", "exp": datetime.now(UTC) - timedelta(minutes=1)})),
        401,
        "credentials",
    ),
    "token signed with another key": Case(
        with_token(lambda: _jwt({"sub": "1"}, key="another-key-that-is-long-enough-32b")),
        401,
        "credentials",
    ),
    "unsigned token (alg none)": Case(
        with_token(lambda: jwt.encode({"sub": "1"}, None, algorithm="none")), 401, "credentials"
    ),
    "token of a user that does not exist": Case(
        with_token(lambda: _jwt({"sub": "999999"})), 401, "credentials"
    ),
    "made-up API token": Case(with_token(lambda: "sl_" + "A" * 43), 401, "credentials"),
    # A fresh name each run: failed logins are counted (in Redis) across runs.
    "login as SQL": Case(
        lambda w: w.anonymous.post(
            "/login/access-token",
            data={"username": f"' OR '1'='1' -- {uuid.uuid4().hex}", "password": "' OR '1'='1"},
        ),
        401,
        "Incorrect",
    ),
}


def _detail_text(response: Response) -> str:
    detail = response.json()["detail"]
    if isinstance(detail, str):
        return detail
    return " ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in detail)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_hostile_input_is_refused_and_nothing_is_written(world, case):
    before = _state(world)
    response = case.request(world)
    assert response.status_code == case.status, response.text[:500]
    assert case.detail in _detail_text(response), response.text[:500]
    assert _state(world) == before


def test_sql_and_unicode_names_are_stored_literally(world):
    """Not hostile to a parameterised query: such names are data, and come back unchanged."""
    names = ["Robert'); DROP TABLE projects;--", "道路 🚗 ‮evil‭", "Ω" * 200]
    for name in names:
        created = world.admin.post("/projects", json={**PROJECT, "name": name})
        assert created.status_code == 201, created.text
        assert world.admin.get(f"/projects/{created.json()['id']}").json()["name"] == name
    listed = {p["name"] for p in world.admin.get("/projects").json()}
    assert set(names) <= listed
