"""Hostile input across the API: each case gets a 4xx that says what is wrong, and leaves
nothing behind: no row in any table, no file in storage, no change to the tasks.

Cases that tests/api/test_projects_datasets.py and test_tasks.py already cover (zip slip,
a zip bomb, a wrong-size label in a zip, unknown class ids, points outside the image or not
requested) are not repeated here. The cases are in hostile_cases.py, the requests they make
in hostile_requests.py.
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import Response
from sqlalchemy import func, select

from backend.db import open_session
from backend.models import AnnotationTask, Base
from tests.api.conftest import publish_tasks
from tests.api.hostile_cases import CASES
from tests.api.hostile_requests import PROJECT, World
from tests.conftest import create_project


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
