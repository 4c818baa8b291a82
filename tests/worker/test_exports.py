"""What needs the worker, on real processes (API server + Celery worker, PostgreSQL + Redis):
predicting an image over HTTP (202, poll the job, fetch the PNG), dense-prediction and model
exports, background imports.

Rounds are given hand-made checkpoints instead of training: a model whose classifier always
answers one class makes every output checkable, and training is tested elsewhere."""

import io
import json
import time
import zipfile
from pathlib import Path

import httpx
import numpy as np
import pytest
import torch
from PIL import Image as PILImage
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from backend.models import Round
from backend.storage import LocalStorage
from tests.conftest import ADMIN, ANNOTATOR, create_project
from worker.ml.models import build_segmenter
from worker.pipeline.artifacts import save_torch

pytestmark = pytest.mark.pipeline
ALWAYS = 2  # the class the biased model answers everywhere
MODEL = {"backbone": "mobilenet_v3_small", "image_size": [48, 64]}


def _add_round(stack, project_id: int, number: int, model: torch.nn.Module) -> int:
    key = f"projects/{project_id}/rounds/{number}/model_a.pt"
    save_torch(
        LocalStorage(Path(stack.env["SEGLOOP_DATA_DIR"]) / "storage"), key, model.state_dict()
    )
    engine = create_engine(stack.database_url)
    with Session(engine) as session:
        round_ = Round(
            project_id=project_id,
            number=number,
            status="done",
            stage="done",
            checkpoint_key=key,
            settings={"model": MODEL},
            metrics={"miou": 0.5},
        )
        session.add(round_)
        session.commit()
        round_id = round_.id
    engine.dispose()
    return round_id


@pytest.fixture(scope="module")
def project(stack, demo_data):
    """Round 0: a model that always answers class 2; round 1: a randomly initialised one."""
    torch.set_num_threads(1)
    torch.manual_seed(0)
    admin = stack.client(*ADMIN)
    project = create_project(admin, demo_data)
    classes = len(project["classes"])
    biased = build_segmenter(classes, MODEL["backbone"])
    for conv in biased.head.convs:
        torch.nn.init.zeros_(conv.weight)
        conv.bias.data[ALWAYS] = 1.0
    random = build_segmenter(classes, MODEL["backbone"]).eval()
    project["round_ids"] = [_add_round(stack, project["id"], 0, biased)]
    project["round_ids"].append(_add_round(stack, project["id"], 1, random))
    project["random_model"] = random
    return project


def _png(array: np.ndarray, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


def _wait_export(admin: httpx.Client, project_id: int, job: dict, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = admin.get(f"/projects/{project_id}/exports/{job['id']}").json()
    return job


def _predict(stack, client: httpx.Client, project_id: int, timeout: float = 120, **request):
    """POST /predict answers 202 at once; poll the job, then fetch its PNG."""
    response = client.post(f"/projects/{project_id}/predict", **request)
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == job["status_url"]
    deadline = time.monotonic() + timeout
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
        job = client.get(job["status_url"].removeprefix("/api/v1")).json()
    assert job["status"] == "done", (job, stack.log_tail("worker"))
    storage = Path(stack.env["SEGLOOP_DATA_DIR"]) / "storage"
    assert not (storage / f"projects/{project_id}/jobs/{job['id']}/input").exists()
    return client.get(job["result_url"].removeprefix("/api/v1"))


def test_predict_returns_a_label_png_of_the_image_size(stack, project):
    member = stack.client(*ANNOTATOR)
    me = member.get("/users/me").json()
    stack.client(*ADMIN).post(f"/projects/{project['id']}/members", json={"user_id": me["id"]})
    image = np.random.default_rng(0).integers(0, 256, (23, 37, 3), dtype=np.uint8)
    response = _predict(
        stack,
        member,
        project["id"],
        params={"round_id": project["round_ids"][0]},
        files={"file": ("street.jpg", _png(image, "JPEG"), "image/jpeg")},
    )
    assert response.status_code == 200, (response.text, stack.log_tail("worker"))
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-segloop-round"] == "0"
    label = PILImage.open(io.BytesIO(response.content))
    assert label.size == (37, 23) and label.mode == "P"
    assert (np.asarray(label) == ALWAYS).all()
    colour = label.getpalette()[3 * ALWAYS : 3 * ALWAYS + 3]
    assert "#" + bytes(colour).hex() == project["classes"][ALWAYS]["colour"]

    latest = _predict(
        stack, member, project["id"], files={"file": ("a.png", _png(image), "image/png")}
    )
    assert latest.status_code == 200 and latest.headers["x-segloop-round"] == "1"
    broken = member.post(
        f"/projects/{project['id']}/predict", files={"file": ("a.png", b"not an image", "")}
    )
    assert broken.status_code == 422 and "not a readable image" in broken.json()["detail"]


def test_dense_predictions_export_covers_the_target_pool(stack, project, tmp_path):
    admin = stack.client(*ADMIN)
    response = admin.post(
        f"/projects/{project['id']}/exports",
        json={"what": "predictions", "format": "generic", "round_id": project["round_ids"][0]},
    )
    assert response.status_code == 202, response.text
    job = _wait_export(admin, project["id"], response.json())
    assert job["status"] == "done", (job, stack.log_tail("worker"))
    download = admin.get(job["download_url"].removeprefix("/api/v1"))
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.content)) as zf:
        labels = sorted(n for n in zf.namelist() if n.startswith("labels/"))
        pool = admin.get(f"/projects/{project['id']}/datasets").json()
        pool_id = next(d["id"] for d in pool if d["kind"] == "target_pool")
        images = admin.get(f"/datasets/{pool_id}/images").json()
        assert labels == sorted(f"labels/{i['name']}.png" for i in images)
        for image in images:
            label = np.asarray(PILImage.open(zf.open(f"labels/{image['name']}.png")))
            assert label.shape == (image["height"], image["width"])
            assert (label == ALWAYS).all()


def test_model_export_is_a_torchscript_that_matches_the_checkpoint(stack, project, tmp_path):
    admin = stack.client(*ADMIN)
    response = admin.post(f"/projects/{project['id']}/exports", json={"what": "model"})
    assert response.status_code == 202, response.text
    job = _wait_export(admin, project["id"], response.json())
    assert job["status"] == "done", (job, stack.log_tail("worker"))
    download = admin.get(f"/projects/{project['id']}/exports/{job['id']}/download")
    with zipfile.ZipFile(io.BytesIO(download.content)) as zf:
        description = json.loads(zf.read("model.json"))
        traced = torch.jit.load(io.BytesIO(zf.read("model.torchscript.pt")))
        state = torch.load(io.BytesIO(zf.read("model.pt")), weights_only=True)
    assert description["round"] == 1 and description["backbone"] == MODEL["backbone"]
    assert description["classes"] == project["classes"]
    assert description["preprocessing"]["resize"] == {
        "height": 48,
        "width": 64,
        "interpolation": "bilinear",
    }
    x = torch.randn(1, 3, 48, 64)
    with torch.no_grad():
        expected = project["random_model"](x)
        np.testing.assert_allclose(traced(x).numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)
    assert all(torch.equal(state[k], v) for k, v in project["random_model"].state_dict().items())


def _wait_dataset(admin: httpx.Client, dataset: dict, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while dataset["status"] == "importing" and time.monotonic() < deadline:
        time.sleep(0.3)
        dataset = admin.get(f"/datasets/{dataset['id']}").json()
    return dataset


def test_background_import_reports_progress_then_its_report(stack, demo_data):
    admin = stack.client(*ADMIN)
    project = admin.post(
        "/projects",
        json={
            "name": "background",
            "classes": json.loads((demo_data / "classes.json").read_text())["classes"],
        },
    ).json()
    body = {"kind": "source", "path": str(demo_data / "source/train"), "background": True}
    response = admin.post(f"/projects/{project['id']}/datasets/import-folder", json=body)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "importing"
    dataset = _wait_dataset(admin, response.json())
    assert dataset["status"] == "ready", (dataset, stack.log_tail("worker"))
    assert dataset["image_count"] == 16 and dataset["report"]["labels"] == 16
    assert sum(dataset["report"]["class_histogram"].values()) > 0


def test_a_failed_background_import_says_why_and_keeps_nothing(stack, demo_data):
    admin = stack.client(*ADMIN)
    two_classes = [
        {"id": 0, "name": "road", "colour": "#804080"},
        {"id": 1, "name": "sidewalk", "colour": "#f423e8"},
    ]
    project = admin.post(
        "/projects", json={"name": "too-few-classes", "classes": two_classes}
    ).json()
    body = {"kind": "source", "path": str(demo_data / "source/train"), "background": True}
    response = admin.post(f"/projects/{project['id']}/datasets/import-folder", json=body)
    assert response.status_code == 202, response.text
    dataset = _wait_dataset(admin, response.json())
    assert dataset["status"] == "failed"
    assert "unknown class ids" in dataset["report"]["error"]
    assert dataset["image_count"] == 0
    assert admin.get(f"/datasets/{dataset['id']}/images").json() == []
    storage = Path(stack.env["SEGLOOP_DATA_DIR"]) / "storage" / f"projects/{project['id']}"
    assert not any(p.is_file() for p in storage.rglob("*"))
