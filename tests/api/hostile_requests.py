"""How a hostile case reaches the API: the World it acts on (a project and tasks leased to the
annotator) and the request builders, each a call that takes the World."""

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

CLASSES = [{"id": 0, "name": "road", "colour": "#808080"}]
PROJECT = {"name": "never-created", "classes": CLASSES}


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
