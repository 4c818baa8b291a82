"""Small labelled datasets for the import and export tests, written in a format as a zip or as
a server folder, and the project, upload and stored labels around them."""

import io
import uuid
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

from backend.formats import writer
from backend.formats.base import ExportItem, WriteOptions
from backend.images import IGNORE_INDEX

SMALL = [
    {"id": 0, "name": "road", "colour": "#804080"},
    {"id": 1, "name": "car", "colour": "#00008e"},
    {"id": 2, "name": "sky", "colour": "#4682b4"},
]


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _labels(classes, seed: int, shape=(6, 8)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    labels = rng.choice([c["id"] for c in classes], size=shape).astype(np.uint8)
    labels[rng.random(shape) < 0.3] = IGNORE_INDEX
    return labels


def _items(classes, n: int = 2, shape=(6, 8)) -> list[ExportItem]:
    image = _png(np.full((*shape, 3), 90, dtype=np.uint8))
    return [ExportItem(f"img{i}", image, ".png", _labels(classes, i, shape)) for i in range(n)]


def _zip_bytes(fmt: str, classes, items) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        writer(fmt)(zf, classes, items, WriteOptions())
    return buffer.getvalue()


def _folder(api, fmt: str, classes, items) -> Path:
    folder = api.data_dir / "imports" / uuid.uuid4().hex
    with zipfile.ZipFile(io.BytesIO(_zip_bytes(fmt, classes, items))) as zf:
        zf.extractall(folder)
    return folder


def _project(api, classes) -> dict:
    response = api.admin.post("/projects", json={"name": uuid.uuid4().hex, "classes": classes})
    assert response.status_code == 201, response.text
    return response.json()


def _stored_labels(api, dataset_id: int) -> dict[str, np.ndarray]:
    images = api.admin.get(f"/datasets/{dataset_id}/images").json()
    return {
        image["name"]: np.asarray(
            PILImage.open(io.BytesIO(api.admin.get(f"/images/{image['id']}/label.png").content))
        )
        for image in images
    }


def _upload(api, project_id: int, data: bytes, kind: str = "source", **form):
    return api.admin.post(
        f"/projects/{project_id}/datasets/upload",
        files={"file": ("data.zip", data, "application/zip")},
        data={"kind": kind, **form},
    )
