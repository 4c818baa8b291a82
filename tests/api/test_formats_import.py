"""Bringing datasets in over the API: every format imports from a server folder and from a zip,
with a report; hostile or inconsistent input is refused with a reason and leaves nothing behind."""

import io
import json
import uuid
import zipfile
from pathlib import Path

import numpy as np
import pytest

from backend.formats import cityscapes
from backend.formats.base import ExportItem
from backend.images import IGNORE_INDEX
from tests.api.formats_helpers import (
    SMALL,
    _folder,
    _items,
    _labels,
    _png,
    _project,
    _stored_labels,
    _upload,
    _zip_bytes,
)

CAMVID = [{"id": i, "name": n, "colour": "#000000"} for i, n in enumerate(
    ["Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence", "Car",
     "Pedestrian", "Bicyclist"])]  # fmt: skip
CAMVID = [{**c, "colour": f"#0000{c['id']:02x}"} for c in CAMVID]
CLASSES_FOR = {"cityscapes": cityscapes.CLASSES, "gta5": cityscapes.CLASSES, "camvid": CAMVID}
ALL_FORMATS = ["generic", "palette", "cityscapes", "gta5", "camvid", "coco", "labelstudio"]


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
