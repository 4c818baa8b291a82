"""The oracle annotator: answers tasks from ground-truth labels through the real REST API.

It is how label efficiency is measured, and how tests play a person without a browser."""

import base64
import io
import uuid
from pathlib import Path

import httpx
import numpy as np
from PIL import Image
from tqdm import tqdm

IGNORE = 255


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
        return np.asarray(Image.open(io.BytesIO(response.content))) > 0

    def submit(self, task_id: int, body: dict) -> dict:
        response = self.http.post(f"/tasks/{task_id}/submit", json=body)
        response.raise_for_status()
        return response.json()


def answer(task: dict, truth: np.ndarray, mask: np.ndarray | None) -> dict:
    """The submission a perfect annotator would make for this task."""
    body: dict = {"client_key": uuid.uuid4().hex, "seconds_spent": 0.0, "labels": []}
    if task["kind"] == "points":
        body["labels"] = [
            {"x": p["x"], "y": p["y"], "class_id": int(truth[p["y"], p["x"]])}
            for p in task["points"]
        ]
    else:
        labels = np.where(mask, truth, IGNORE).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(labels, mode="L").save(buffer, format="PNG")
        body["region_png"] = base64.b64encode(buffer.getvalue()).decode()
    return body


def run_oracle(
    client: OracleClient,
    project_id: int,
    labels_dir: Path,
    max_tasks: int | None = None,
    progress: bool = True,
) -> dict[str, int]:
    """Answer tasks until none is left (or max_tasks); returns counts for the report."""
    counts = {"tasks": 0, "labelled_pixels": 0}
    with tqdm(desc="oracle", unit="task", disable=not progress) as bar:
        while max_tasks is None or counts["tasks"] < max_tasks:
            task = client.next_task(project_id)
            if task is None:
                break
            label_path = labels_dir / f"{task['image_name']}.png"
            truth = np.asarray(Image.open(label_path))
            mask = client.mask(task) if task["kind"] == "region" else None
            result = client.submit(task["id"], answer(task, truth, mask))
            counts["tasks"] += 1
            counts["labelled_pixels"] += result["labelled_pixels"]
            bar.update(1)
    return counts
