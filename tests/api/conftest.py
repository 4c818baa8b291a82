"""The API in-process (TestClient) over a real database: PostgreSQL and SQLite both."""

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image as PILImage
from sqlalchemy import select

from backend.db import open_session
from backend.models import AnnotationTask, Dataset, Image, Round
from backend.storage import get_storage
from tests.conftest import (
    ADMIN,
    ANNOTATOR,
    ANNOTATOR_2,
    create_postgres_database,
    create_project,
    drop_postgres_database,
    segloop_environment,
)

# The tests' shared helpers assert too: pytest explains their failures as it does the tests'.
pytest.register_assert_rewrite("tests.api.formats_helpers")


@dataclass
class Api:
    app: FastAPI
    data_dir: Path
    demo_data: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, headers: dict[str, str] | None = None) -> TestClient:
        return TestClient(self.app, base_url="http://testserver/api/v1", headers=headers or {})

    def login(self, email: str, password: str) -> TestClient:
        """Password hashing is slow on purpose, so each user logs in once per module."""
        if email not in self.tokens:
            response = self.client().post(
                "/login/access-token", data={"username": email, "password": password}
            )
            assert response.status_code == 200, response.text
            self.tokens[email] = response.json()["access_token"]
        return self.client({"Authorization": f"Bearer {self.tokens[email]}"})

    @property
    def admin(self) -> TestClient:
        return self.login(*ADMIN)

    @property
    def annotator(self) -> TestClient:
        return self.login(*ANNOTATOR)

    @property
    def annotator2(self) -> TestClient:
        return self.login(*ANNOTATOR_2)


@pytest.fixture(scope="module", params=["postgres", "sqlite"])
def api(request, tmp_path_factory, demo_data) -> Iterator[Api]:
    data_dir = tmp_path_factory.mktemp(f"api-{request.param}")
    database_url = (
        create_postgres_database()
        if request.param == "postgres"
        else f"sqlite:///{data_dir}/api.db"
    )
    try:
        with segloop_environment(database_url, data_dir, demo_data):
            from backend.main import create_app

            yield Api(app=create_app(), data_dir=data_dir, demo_data=demo_data)
    finally:
        if request.param == "postgres":
            drop_postgres_database(database_url)


@pytest.fixture
def project(api):
    """A project both annotators are members of."""
    project = create_project(api.admin, api.demo_data)
    for client in (api.annotator, api.annotator2):
        me = client.get("/users/me").json()
        api.admin.post(f"/projects/{project['id']}/members", json={"user_id": me["id"]})
    return project


def publish_tasks(
    project_id: int, kinds: list[str], points: list[dict], **task_fields
) -> list[int]:
    """Tasks of a finished round on the pool's first images, one per kind, as the publish stage
    writes them: points tasks ask for `points`, region tasks for the 4x4 corner of the mask."""
    storage = get_storage()
    with open_session() as session:
        round_ = Round(project_id=project_id, number=0, status="done", stage="done")
        session.add(round_)
        session.flush()
        images = session.scalars(
            select(Image)
            .join(Dataset)
            .where(Dataset.project_id == project_id, Dataset.kind == "target_pool")
            .order_by(Image.id)
            .limit(len(kinds))
        ).all()
        ids = []
        for kind, image in zip(kinds, images, strict=True):
            mask = np.zeros((image.height, image.width), dtype=np.uint8)
            mask[:4, :4] = 255
            buffer = io.BytesIO()
            PILImage.fromarray(mask).save(buffer, format="PNG")
            mask_key = f"test/{round_.id}/{image.id}.png"
            storage.put(mask_key, buffer.getvalue())
            task = AnnotationTask(
                project_id=project_id,
                round_id=round_.id,
                image_id=image.id,
                kind=kind,
                points=points if kind == "points" else [],
                mask_key=mask_key,
                requested_pixels=len(points) if kind == "points" else 16,
                **task_fields,
            )
            session.add(task)
            session.flush()
            ids.append(task.id)
        session.commit()
        return ids
