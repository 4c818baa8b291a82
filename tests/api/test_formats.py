"""Bringing datasets in and labels out over the API: every format imports from a server folder
and from a zip, with a report; labels export per round or cumulatively and re-import as the
same labels; hostile or inconsistent input is refused with a reason and leaves nothing behind."""

import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from sqlalchemy import select

from backend.db import open_session
from backend.formats import cityscapes, writer
from backend.formats.base import ExportItem, WriteOptions
from backend.images import IGNORE_INDEX
from backend.models import Annotation, AnnotationTask, Image, Round
from backend.storage import get_storage

SMALL = [
    {"id": 0, "name": "road", "colour": "#804080"},
    {"id": 1, "name": "car", "colour": "#00008e"},
    {"id": 2, "name": "sky", "colour": "#4682b4"},
]
CAMVID = [{"id": i, "name": n, "colour": "#000000"} for i, n in enumerate(
    ["Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence", "Car",
     "Pedestrian", "Bicyclist"])]  # fmt: skip
CAMVID = [{**c, "colour": f"#0000{c['id']:02x}"} for c in CAMVID]
CLASSES_FOR = {"cityscapes": cityscapes.CLASSES, "gta5": cityscapes.CLASSES, "camvid": CAMVID}
ALL_FORMATS = ["generic", "palette", "cityscapes", "gta5", "camvid", "coco", "labelstudio"]


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


def _count_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_each_format_imports_from_a_server_folder_with_a_report(api, fmt):
    classes = CLASSES_FOR.get(fmt, SMALL)
    project = _project(api, classes)
    items = _items(classes)
    folder = _folder(api, fmt, classes, items)
    response = api.admin.post(
        f"/projects/{project['id']}/datasets/import-folder",
        json={"kind": "source", "path": str(folder), "format": fmt},
    )
    assert response.status_code == 201, response.text
    dataset = response.json()
    assert dataset["image_count"] == 2 and dataset["status"] == "ready"
    report = dataset["report"]
    assert report["format"] == fmt and report["images"] == 2 and report["labels"] == 2
    assert report["skipped"] == [] and report["unknown_pixels"] == 0
    expected = np.bincount(np.concatenate([i.labels.ravel() for i in items]), minlength=256)
    assert report["class_histogram"] == {c["name"]: int(expected[c["id"]]) for c in classes}
    assert report["ignored_pixels"] == int(expected[IGNORE_INDEX])
    stored = _stored_labels(api, dataset["id"])
    for item in items:
        np.testing.assert_array_equal(stored[item.name], item.labels)


def test_zip_upload_takes_format_class_map_and_unknown_id_policy(api):
    """A Cityscapes zip into a 3-class project: road/car/sky by name, the rest counted unknown."""
    project = _project(api, SMALL)
    labels = np.array([[0, 13, 10, 11]], dtype=np.uint8)  # road, car, sky, person (train ids)
    image = _png(np.zeros((1, 4, 3), np.uint8))
    data = _zip_bytes("cityscapes", cityscapes.CLASSES, [ExportItem("a", image, ".png", labels)])

    refused = _upload(api, project["id"], data, format="cityscapes", class_map="by_name")
    assert refused.status_code == 422
    assert "unknown class ids ['24 (person)']" in refused.json()["detail"]
    assert "unknown_ids=ignore" in refused.json()["detail"]

    response = _upload(
        api, project["id"], data, format="cityscapes", class_map="by_name", unknown_ids="ignore"
    )
    assert response.status_code == 201, response.text
    report = response.json()["report"]
    assert report["class_map"] == {"0": 0, "10": 2, "13": 1}
    assert report["unknown_ids"] == {"24 (person)": 1}
    assert report["class_histogram"] == {"road": 1, "car": 1, "sky": 1}
    stored = _stored_labels(api, response.json()["id"])
    assert stored["a"].tolist() == [[0, 1, 2, IGNORE_INDEX]]

    explicit = _upload(
        api, project["id"], data, format="cityscapes", class_map=json.dumps({"11": 1, "13": 1}),
        unknown_ids="ignore",
    )  # fmt: skip
    assert explicit.status_code == 201, explicit.text
    assert _stored_labels(api, explicit.json()["id"])["a"].tolist() == [[255, 1, 255, 1]]


def test_classes_json_that_disagrees_with_the_project_is_an_error_not_a_guess(api):
    project = _project(api, SMALL)
    swapped = [{**SMALL[1], "id": 0}, {**SMALL[0], "id": 1}, SMALL[2]]
    folder = _folder(api, "generic", swapped, _items(swapped))
    body = {"kind": "source", "path": str(folder)}
    response = api.admin.post(f"/projects/{project['id']}/datasets/import-folder", json=body)
    assert response.status_code == 422
    assert "0 is 'car' here but 'road' in the project" in response.json()["detail"]
    body["class_map"] = "by_name"
    response = api.admin.post(f"/projects/{project['id']}/datasets/import-folder", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["report"]["class_map"] == {"0": 1, "1": 0, "2": 2}


def test_skipped_files_are_reported_with_reasons(api):
    project = _project(api, SMALL)
    folder = _folder(api, "generic", SMALL, _items(SMALL))
    (folder / "images/readme.txt").write_text("notes")
    (folder / "images/unlabelled.png").write_bytes(_png(np.zeros((6, 8, 3), np.uint8)))
    (folder / "labels/orphan.png").write_bytes(_png(np.zeros((6, 8), np.uint8)))
    response = api.admin.post(
        f"/projects/{project['id']}/datasets/import-folder",
        json={"kind": "target_val", "path": str(folder)},
    )
    assert response.status_code == 201, response.text
    skipped = {s["file"]: s["reason"] for s in response.json()["report"]["skipped"]}
    assert skipped == {
        "images/readme.txt": "not a .png or .jpg image",
        "labels/orphan.png": "no image of the same name in images/",
        "labels/unlabelled.png": "no label",
    }
    assert response.json()["image_count"] == 2


def test_hostile_and_inconsistent_zips_are_refused_and_nothing_is_written(api):
    project = _project(api, cityscapes.CLASSES)
    storage_root = api.data_dir / "storage"
    before_files = _count_files(storage_root)
    image = _png(np.zeros((4, 4, 3), np.uint8))
    good = _zip_bytes(
        "cityscapes",
        cityscapes.CLASSES,
        [ExportItem(f"bonn_000000_00000{i}", image, ".png", _labels(SMALL, i, (4, 4)))
         for i in range(3)],
    )  # fmt: skip

    def with_extra(name: str, data: bytes, attr: int | None = None) -> bytes:
        buffer = io.BytesIO(good)
        with zipfile.ZipFile(buffer, "a") as zf:
            info = zipfile.ZipInfo(name)
            if attr is not None:
                info.external_attr = attr
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        return buffer.getvalue()

    wrong_size = _zip_bytes(
        "cityscapes",
        cityscapes.CLASSES,
        [ExportItem("bonn_000000_000001", image, ".png", np.zeros((4, 4), np.uint8)),
         ExportItem("bonn_000000_000002", image, ".png", np.zeros((3, 5), np.uint8))],
    )  # fmt: skip
    cases = {
        "zip slip": (with_extra("../../evil.png", image), "points outside the archive"),
        "absolute path": (with_extra("/tmp/evil.png", image), "points outside the archive"),
        "symbolic link": (with_extra("leftImg8bit/l", b"/etc", 0o120777 << 16), "symbolic link"),
        "decompression bomb": (with_extra("big.bin", b"\0" * 4_000_000), "decompression bomb"),
        "label of the wrong size": (wrong_size, "is 5x3 but bonn_000000_000002_leftImg8bit"),
        "wrong layout": (_zip_bytes("generic", SMALL, _items(SMALL)), "leftImg8bit/"),
        "not a zip": (b"PK\x03\x04 truncated", "not a valid zip"),
    }
    for case, (data, message) in cases.items():
        response = _upload(api, project["id"], data, format="cityscapes")
        assert response.status_code == 422, (case, response.text)
        assert message in response.json()["detail"], (case, response.json()["detail"])
    assert _count_files(storage_root) == before_files
    assert api.admin.get(f"/projects/{project['id']}/datasets").json() == []
    response = _upload(api, project["id"], good, format="cityscapes")
    assert response.status_code == 201, "the same zip without the hostile entry imports"


def test_folder_import_cannot_escape_the_roots_through_a_link(api, tmp_path):
    project = _project(api, SMALL)
    outside = _folder(api, "generic", SMALL, _items(SMALL)).rename(tmp_path / "outside")
    link = api.data_dir / "imports" / uuid.uuid4().hex
    link.symlink_to(outside)
    response = api.admin.post(
        f"/projects/{project['id']}/datasets/import-folder",
        json={"kind": "source", "path": str(link)},
    )
    assert response.status_code == 403
    assert "outside the allowed import roots" in response.json()["detail"]


def test_only_admins_import_and_export(api):
    project = _project(api, SMALL)
    folder = _folder(api, "generic", SMALL, _items(SMALL))
    body = {"kind": "source", "path": str(folder)}
    url = f"/projects/{project['id']}"
    assert api.annotator.post(f"{url}/datasets/import-folder", json=body).status_code == 403
    assert api.annotator.post(f"{url}/exports", json={"what": "labels"}).status_code == 403


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


def test_a_background_import_with_the_wrong_layout_fails_at_once(api):
    project = _project(api, SMALL)
    folder = _folder(api, "generic", SMALL, _items(SMALL))
    response = api.admin.post(
        f"/projects/{project['id']}/datasets/import-folder",
        json={"kind": "source", "path": str(folder), "format": "cityscapes", "background": True},
    )
    assert response.status_code == 422
    assert "leftImg8bit/" in response.json()["detail"]
    assert api.admin.get(f"/projects/{project['id']}/datasets").json() == []
