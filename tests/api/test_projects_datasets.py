import io
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from tests.conftest import create_project


def _count_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def test_admin_creates_a_project_and_imports_the_three_datasets(api):
    project = create_project(api.admin, api.demo_data)
    datasets = api.admin.get(f"/projects/{project['id']}/datasets").json()
    counts = {d["kind"]: d["image_count"] for d in datasets}
    assert counts == {"source": 16, "target_pool": 10, "target_val": 6}


def test_annotators_see_only_their_projects_and_cannot_create_them(api):
    project = create_project(api.admin, api.demo_data)
    annotator = api.annotator
    assert annotator.post("/projects", json={"name": "x", "classes": []}).status_code == 403
    assert project["id"] not in [p["id"] for p in annotator.get("/projects").json()]
    assert annotator.get(f"/projects/{project['id']}").status_code == 404
    me = annotator.get("/users/me").json()
    api.admin.post(f"/projects/{project['id']}/members", json={"user_id": me["id"]})
    assert project["id"] in [p["id"] for p in annotator.get("/projects").json()]


def test_project_settings_are_validated(api):
    base = {"name": "bad", "classes": [{"id": 0, "name": "road", "colour": "#808080"}]}
    bad = [
        {**base, "classes": [{"id": 0, "name": "road", "colour": "grey"}]},
        {**base, "classes": [{"id": 3, "name": "road", "colour": "#808080"}]},
        {**base, "selection_method": "best"},
        {**base, "pixel_budget": 2},
        {**base, "model_settings": {"backbone": "vgg"}},
        {**base, "objective": "dacs", "objective_config": {"pseudo_threshold": 5}},
        {**base, "objective": "proda", "objective_config": {"no_such_setting": 1}},
    ]
    for body in bad:
        response = api.admin.post("/projects", json=body)
        assert response.status_code == 422, body


def test_objective_settings_get_defaults_and_can_change_between_rounds(api):
    project = create_project(api.admin, api.demo_data, objective="dacs")
    assert project["objective_config"]["pseudo_threshold"] == 0.968
    response = api.admin.patch(
        f"/projects/{project['id']}", json={"objective": "daso", "objective_config": {}}
    )
    assert response.status_code == 200
    assert response.json()["objective_config"]["proto_temperature"] == 0.05
    bad = api.admin.patch(
        f"/projects/{project['id']}", json={"objective_config": {"proto_temperature": -1}}
    )
    assert bad.status_code == 422
    assert "proto_temperature" in bad.json()["detail"]


def test_image_bytes_are_served_as_imported(api):
    project = create_project(api.admin, api.demo_data)
    dataset = api.admin.get(f"/projects/{project['id']}/datasets").json()[0]
    image = api.admin.get(f"/datasets/{dataset['id']}/images").json()[0]
    served = api.admin.get(f"/images/{image['id']}/file")
    original = next((api.demo_data / "source/train/images").glob(f"{image['name']}.*"))
    assert served.status_code == 200
    assert served.content == original.read_bytes()


def test_folder_import_outside_the_allowed_roots_is_refused(api, tmp_path):
    project = create_project(api.admin, api.demo_data)
    response = api.admin.post(
        f"/projects/{project['id']}/datasets/import-folder",
        json={"kind": "source", "path": str(api.demo_data / ".." / "..")},
    )
    assert response.status_code == 403
    assert "outside the allowed import roots" in response.json()["detail"]


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _upload(api, project_id: int, data: bytes, kind: str = "source"):
    return api.admin.post(
        f"/projects/{project_id}/datasets/upload",
        files={"file": ("data.zip", data, "application/zip")},
        data={"kind": kind},
    )


def test_zip_upload_imports_the_generic_layout(api):
    project = create_project(api.admin, api.demo_data)
    image = np.zeros((8, 10, 3), dtype=np.uint8)
    label = np.ones((8, 10), dtype=np.uint8)
    data = _zip({"set/images/a.png": _png(image), "set/labels/a.png": _png(label)})
    response = _upload(api, project["id"], data)
    assert response.status_code == 201, response.text
    assert response.json()["image_count"] == 1


def test_bad_zips_are_refused_and_nothing_is_written(api):
    project = create_project(api.admin, api.demo_data)
    storage_root = api.data_dir / "storage"
    before_files = _count_files(storage_root)
    before_datasets = len(api.admin.get(f"/projects/{project['id']}/datasets").json())
    image = _png(np.zeros((8, 10, 3), dtype=np.uint8))
    cases = {
        "zip slip": _zip({"images/a.png": image, "../evil.png": image}),
        "label of the wrong size": _zip(
            {
                "images/a.png": image,
                "images/b.png": image,
                "labels/a.png": _png(np.zeros((8, 10), dtype=np.uint8)),
                "labels/b.png": _png(np.zeros((4, 4), dtype=np.uint8)),
            }
        ),
        "unknown class id": _zip(
            {"images/a.png": image, "labels/a.png": _png(np.full((8, 10), 77, dtype=np.uint8))}
        ),
        "corrupt image": _zip({"images/a.png": image[:40], "labels/a.png": image}),
        "not a zip": b"this is not a zip file",
        "decompression bomb": _zip({"images/a.png": b"\0" * 4_000_000}),
    }
    for case, data in cases.items():
        response = _upload(api, project["id"], data)
        assert response.status_code == 422, (case, response.text)
        assert response.json()["detail"], case
    assert _count_files(storage_root) == before_files
    datasets = api.admin.get(f"/projects/{project['id']}/datasets").json()
    assert len(datasets) == before_datasets


def test_oversized_uploads_are_refused(api):
    project = create_project(api.admin, api.demo_data)
    response = _upload(api, project["id"], b"0" * (6 * 1024 * 1024))
    assert response.status_code == 413
