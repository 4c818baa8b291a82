"""Labels out over the API: exported per round or cumulatively, they re-import as the same
labels; an export that cannot be made says why."""

import io
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from backend.db import open_session
from backend.formats import cityscapes
from backend.images import IGNORE_INDEX
from backend.models import Annotation, AnnotationTask, Image, Round
from backend.storage import get_storage
from tests.api.formats_helpers import (
    SMALL,
    _folder,
    _items,
    _png,
    _project,
    _stored_labels,
    _upload,
)


def _annotate(project_id: int, image_ids: list[int], user_id: int, rounds: list[dict]) -> list[int]:
    """Rounds of submitted labels written as the task routes would: {image index: labels}."""
    storage = get_storage()
    start = datetime.now(UTC)
    round_ids = []
    with open_session() as session:
        for number, labels_by_image in enumerate(rounds):
            round_ = Round(project_id=project_id, number=number, status="done", stage="done")
            session.add(round_)
            session.flush()
            round_ids.append(round_.id)
            for index, labels in labels_by_image.items():
                task = AnnotationTask(
                    project_id=project_id,
                    round_id=round_.id,
                    image_id=image_ids[index],
                    kind="points",
                    status="done",
                )
                session.add(task)
                session.flush()
                key = f"test/annotations/{uuid.uuid4().hex}.png"
                storage.put(key, _png(labels))
                session.add(
                    Annotation(
                        task_id=task.id,
                        image_id=image_ids[index],
                        user_id=user_id,
                        client_key=uuid.uuid4().hex,
                        label_key=key,
                        labelled_pixels=int((labels != IGNORE_INDEX).sum()),
                        created_at=start + timedelta(seconds=number),
                    )
                )
        session.commit()
    return round_ids


@pytest.fixture
def labelled(api):
    """A Cityscapes-class project with a target pool of 3 images and two rounds of labels;
    image 0 is labelled in both rounds, and round 1's labels win where they overlap."""
    project = _project(api, cityscapes.CLASSES)
    folder = _folder(api, "generic", cityscapes.CLASSES, _items(cityscapes.CLASSES, n=3))
    response = api.admin.post(
        f"/projects/{project['id']}/datasets/import-folder",
        json={"kind": "target_pool", "path": str(folder)},
    )
    assert response.status_code == 201, response.text
    with open_session() as session:
        image_ids = list(
            session.scalars(
                select(Image.id).where(Image.dataset_id == response.json()["id"]).order_by(Image.id)
            )
        )
    sparse = [np.full((6, 8), IGNORE_INDEX, dtype=np.uint8) for _ in range(3)]
    sparse[0][0, :4] = [0, 13, 13, 18]
    sparse[1][5, 7] = 10
    later = np.full((6, 8), IGNORE_INDEX, dtype=np.uint8)
    later[0, 3:5] = [7, 7]  # overwrites pixel (0, 3), adds (0, 4)
    sparse[2][2, 2] = 11
    user_id = api.admin.get("/users/me").json()["id"]
    round_ids = _annotate(
        project["id"], image_ids, user_id, [{0: sparse[0], 1: sparse[1]}, {0: later, 2: sparse[2]}]
    )
    merged = sparse[0].copy()
    merged[0, 3:5] = 7
    return {
        "project": project,
        "rounds": round_ids,
        "round0": {"img0": sparse[0], "img1": sparse[1]},
        "round1": {"img0": later, "img2": sparse[2]},
        "all": {"img0": merged, "img1": sparse[1], "img2": sparse[2]},
    }


def _export(api, project_id: int, **body):
    return api.admin.post(f"/projects/{project_id}/exports", json={"what": "labels", **body})


def _zip_labels(data: bytes, tmp: Path, fmt: str) -> dict[str, np.ndarray]:
    from backend.formats import reader
    from backend.formats.base import ReadOptions
    from backend.formats.mapping import apply_codes, class_mapping, code_table

    folder = tmp / uuid.uuid4().hex
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(folder)
    source = reader(fmt)(folder, ReadOptions())
    table = code_table(source, class_mapping(source.classes, cityscapes.CLASSES, None))
    return {s.name: apply_codes(s.load_label(), table)[0] for s in source.samples}


def test_labels_export_per_round_and_cumulative(api, labelled, tmp_path):
    project_id = labelled["project"]["id"]
    for body, expected in (
        ({}, labelled["all"]),
        ({"round_id": labelled["rounds"][0]}, labelled["round0"]),
        ({"round_id": labelled["rounds"][1]}, labelled["round1"]),
        ({"round_id": labelled["rounds"][1], "cumulative": True}, labelled["all"]),
    ):
        response = _export(api, project_id, format="generic", **body)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/zip"
        assert response.headers["x-segloop-images"] == str(len(expected))
        exported = _zip_labels(response.content, tmp_path, "generic")
        assert sorted(exported) == sorted(expected), body
        for name, labels in expected.items():
            np.testing.assert_array_equal(exported[name], labels, err_msg=f"{body} {name}")


@pytest.mark.parametrize("fmt", ["generic", "palette", "cityscapes", "gta5", "coco", "labelstudio"])
def test_exported_labels_reimport_as_the_same_labels(api, labelled, fmt):
    project_id = labelled["project"]["id"]
    response = _export(api, project_id, format=fmt)
    assert response.status_code == 200, response.text
    imported = _upload(api, project_id, response.content, kind="target_val", format=fmt)
    assert imported.status_code == 201, imported.text
    stored = _stored_labels(api, imported.json()["id"])
    assert sorted(stored) == sorted(labelled["all"])
    for name, labels in labelled["all"].items():
        np.testing.assert_array_equal(stored[name], labels, err_msg=name)


def test_exports_say_clearly_when_there_is_nothing_or_the_format_does_not_fit(api, labelled):
    project = _project(api, SMALL)
    response = _export(api, project["id"])
    assert response.status_code == 409
    assert "no labels have been submitted" in response.json()["detail"]
    response = _export(api, labelled["project"]["id"], format="camvid")
    assert response.status_code == 422
    assert "camvid export needs every project class" in response.json()["detail"]
    response = _export(api, labelled["project"]["id"], round_id=10**6)
    assert response.status_code == 404
    for what in ("predictions", "model"):
        response = api.admin.post(f"/projects/{project['id']}/exports", json={"what": what})
        assert response.status_code == 409
        assert "no round has trained a model yet" in response.json()["detail"]
    assert api.admin.get(f"/projects/{project['id']}/exports/{'0' * 32}").status_code == 404
