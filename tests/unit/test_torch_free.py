"""The API stays light: serving requests never loads torch (the worker's job), including the
paths that validate settings and launch rounds, where a lazy import would hide."""

import subprocess
import sys
import textwrap

REQUESTS = textwrap.dedent(
    """
    import sys
    from fastapi.testclient import TestClient

    from backend.config import get_settings
    from backend.db import open_session
    from backend.main import create_app
    from backend.migrate import upgrade
    from backend.models import Role
    from backend.services.users import ensure_user

    upgrade(get_settings().database_url)
    with open_session() as session:
        ensure_user(session, "admin@example.com", "a-long-password", Role.admin)
    api = TestClient(create_app())
    token = api.post(
        "/api/v1/login/access-token",
        data={"username": "admin@example.com", "password": "a-long-password"},
    ).json()["access_token"]
    api.headers["Authorization"] = f"Bearer {token}"
    classes = [{"id": 0, "name": "road", "colour": "#804080"}]
    project = api.post("/api/v1/projects", json={"name": "p", "classes": classes})
    assert project.status_code == 201, project.text
    pid = project.json()["id"]
    patch = {"objective": "dacs", "objective_config": {"pseudo_threshold": 0.9},
             "selection_method": "spl", "model_settings": {"backbone": "resnet18"}}
    changed = api.patch(f"/api/v1/projects/{pid}", json=patch)
    assert changed.status_code == 200, changed.text
    round_ = api.post(f"/api/v1/projects/{pid}/rounds")
    assert round_.status_code == 202, round_.text
    assert api.get(f"/api/v1/rounds/{round_.json()['id']}").status_code == 200
    assert api.get(f"/api/v1/projects/{pid}/rounds").status_code == 200
    loaded = [m for m in ("torch", "torchvision", "timm") if m in sys.modules]
    sys.exit(f"{loaded} loaded" if loaded else 0)
    """
)


def test_serving_requests_never_imports_torch(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", REQUESTS],
        capture_output=True,
        text=True,
        env={"SEGLOOP_DEMO": "true", "SEGLOOP_DATA_DIR": str(tmp_path), "PATH": ""},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:] or result.stdout
