"""The API in-process (TestClient) over a real database: PostgreSQL and SQLite both."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import (
    ADMIN,
    ANNOTATOR,
    ANNOTATOR_2,
    create_postgres_database,
    drop_postgres_database,
    segloop_environment,
)


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
