"""The oracle annotator: answers tasks from ground-truth labels, through the real REST API or,
for benchmarks that drive rounds in-process, through the same task services the API calls.

It is how label efficiency is measured, and how tests play a person without a browser. Both
modes build the same submission (`answer`), so a benchmark in library mode labels exactly what
a person working through the UI would."""

import base64
import io
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image
from tqdm import tqdm

from backend.images import IGNORE_INDEX


class OracleClient:
    def __init__(self, base_url: str, token: str, timeout: float = 60.0) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + "/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )

    @classmethod
    def login(cls, base_url: str, email: str, password: str) -> "OracleClient":
        response = httpx.post(
            base_url.rstrip("/") + "/api/v1/login/access-token",
            data={"username": email, "password": password},
            timeout=30,
        )
        response.raise_for_status()
        return cls(base_url, response.json()["access_token"])

    def next_task(self, project_id: int) -> dict | None:
        response = self.http.post(f"/projects/{project_id}/tasks/next")
        response.raise_for_status()
        return None if response.status_code == 204 else response.json()

    def mask(self, task: dict) -> np.ndarray:
        response = self.http.get(f"/tasks/{task['id']}/mask.png")
        response.raise_for_status()
        return read_mask(response.content)

    def submit(self, task_id: int, body: dict) -> dict:
        response = self.http.post(f"/tasks/{task_id}/submit", json=body)
        response.raise_for_status()
        return response.json()


def read_mask(png: bytes) -> np.ndarray:
    """A task's requested-pixel mask PNG as a bool array."""
    return np.asarray(Image.open(io.BytesIO(png))) > 0


def read_truth(labels_dir: Path, image_name: str) -> np.ndarray:
    return np.asarray(Image.open(labels_dir / f"{image_name}.png"))


def answer(task: dict, truth: np.ndarray, mask: np.ndarray | None) -> dict:
    """The submission a perfect annotator would make for this task."""
    body: dict = {"client_key": uuid.uuid4().hex, "seconds_spent": 0.0, "labels": []}
    if task["kind"] == "points":
        body["labels"] = [
            {"x": p["x"], "y": p["y"], "class_id": int(truth[p["y"], p["x"]])}
            for p in task["points"]
        ]
    else:
        assert mask is not None, "a region task comes with its mask"
        labels = np.where(mask, truth, IGNORE_INDEX).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(labels, mode="L").save(buffer, format="PNG")
        body["region_png"] = base64.b64encode(buffer.getvalue()).decode()
    return body


def _answer_all(
    tasks: Iterator[Any], handle: Callable[[Any], int], max_tasks: int | None, progress: bool
) -> dict[str, int]:
    """Answer tasks until none is left (or max_tasks); `handle` returns the labelled pixels."""
    counts = {"tasks": 0, "labelled_pixels": 0}
    with tqdm(desc="oracle", unit="task", disable=not progress, leave=False) as bar:
        for task in tasks:
            counts["labelled_pixels"] += handle(task)
            counts["tasks"] += 1
            bar.update(1)
            if max_tasks is not None and counts["tasks"] >= max_tasks:
                break
    return counts


def run_oracle(
    client: OracleClient,
    project_id: int,
    labels_dir: Path,
    max_tasks: int | None = None,
    progress: bool = True,
) -> dict[str, int]:
    """Answer the project's tasks over HTTP; returns counts for the report."""

    def tasks() -> Iterator[dict]:
        while (task := client.next_task(project_id)) is not None:
            yield task

    def handle(task: dict) -> int:
        truth = read_truth(labels_dir, task["image_name"])
        mask = client.mask(task) if task["kind"] == "region" else None
        return client.submit(task["id"], answer(task, truth, mask))["labelled_pixels"]

    return _answer_all(tasks(), handle, max_tasks, progress)


def answer_tasks_inline(
    project_id: int,
    labels_dir: Path,
    user_id: int,
    max_tasks: int | None = None,
    progress: bool = True,
) -> dict[str, int]:
    """Library mode: lease and submit through `backend.services.tasks` in this process, as
    `user_id`, on the database and storage the SEGLOOP_* settings point at. No server, no
    HTTP, the same leases, validation and stored label maps as the API."""
    from backend.config import get_settings
    from backend.db import open_session
    from backend.models import AnnotationTask, Project, User
    from backend.schemas import Submission
    from backend.services import tasks as task_service
    from backend.storage import get_storage

    settings = get_settings()
    storage = get_storage()

    with open_session() as session:

        def tasks() -> Iterator[AnnotationTask]:
            user = session.get_one(User, user_id)
            while (
                task := task_service.lease_next(session, project_id, user, settings.lease_minutes)
            ) is not None:
                yield task

        def handle(task: AnnotationTask) -> int:
            truth = read_truth(labels_dir, task.image.name)
            mask = None
            if task.kind == "region":
                assert task.mask_key is not None, "selection stores each region task's mask"
                mask = read_mask(storage.get(task.mask_key))
            body = answer({"kind": task.kind, "points": task.points}, truth, mask)
            annotation = task_service.submit(
                session,
                storage,
                session.get_one(Project, project_id),
                task,
                session.get_one(User, user_id),
                Submission.model_validate(body),
                settings.max_image_pixels,
            )
            return annotation.labelled_pixels

        return _answer_all(tasks(), handle, max_tasks, progress)
