import time
import uuid

import jwt

from tests.conftest import ADMIN, ANNOTATOR


def test_health_reports_database_and_broker(api):
    response = api.client().get("/health")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_login_rejects_a_wrong_password(api):
    response = api.client().post(
        "/login/access-token", data={"username": ADMIN[0], "password": "wrong-password"}
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "Incorrect email or password"


def test_me_needs_a_valid_token(api):
    assert api.client().get("/users/me").status_code == 401
    forged = jwt.encode({"sub": "1"}, "not-the-secret-but-long-enough-for-hs256", algorithm="HS256")
    response = api.client({"Authorization": f"Bearer {forged}"}).get("/users/me")
    assert response.status_code == 401
    me = api.admin.get("/users/me").json()
    assert me["email"] == ADMIN[0] and me["role"] == "admin"


def test_api_token_works_until_revoked(api):
    annotator = api.annotator
    created = annotator.post("/users/me/tokens", json={"name": "script"})
    assert created.status_code == 201
    token = created.json()["token"]
    client = api.client({"Authorization": f"Bearer {token}"})
    assert client.get("/users/me").json()["email"] == ANNOTATOR[0]
    assert annotator.delete(f"/users/me/tokens/{created.json()['id']}").status_code == 204
    assert client.get("/users/me").status_code == 401


def test_only_admins_create_users(api):
    body = {"email": "new@example.com", "password": "long-enough", "role": "annotator"}
    assert api.annotator.post("/users", json=body).status_code == 403
    assert api.admin.post("/users", json=body).status_code == 201
    assert api.admin.post("/users", json=body).status_code == 409
    login = api.client().post(
        "/login/access-token", data={"username": body["email"], "password": body["password"]}
    )
    assert login.status_code == 200


def _new_user(api) -> tuple[str, str]:
    """A fresh account: the login window outlives a test run (it is kept in Redis)."""
    email, password = f"{uuid.uuid4().hex[:12]}@example.com", "right-password"
    body = {"email": email, "password": password}
    assert api.admin.post("/users", json=body).status_code == 201
    return email, password


def _login(api, email: str, password: str):
    return api.client().post("/login/access-token", data={"username": email, "password": password})


def test_repeated_failed_logins_are_refused_for_a_while(api):
    email, password = _new_user(api)
    for _ in range(10):
        assert _login(api, email, "wrong-password").status_code == 401
    locked = _login(api, email, password)
    assert locked.status_code == 429, "even the right password waits once the window is full"
    assert 0 < int(locked.headers["retry-after"]) <= 300
    assert "Too many failed logins" in locked.json()["detail"]
    other_email, other_password = _new_user(api)
    assert _login(api, other_email, other_password).status_code == 200, "per email, not global"


def test_a_successful_login_clears_the_failures(api):
    email, password = _new_user(api)
    for _ in range(9):
        _login(api, email, "wrong-password")
    assert _login(api, email, password).status_code == 200
    for _ in range(9):
        assert _login(api, email, "wrong-password").status_code == 401
    assert _login(api, email, password).status_code == 200


def test_a_token_is_refused_once_it_expires_even_after_it_was_accepted(api):
    """Verified tokens are remembered; their expiry must still count on every request."""
    from datetime import UTC, datetime, timedelta

    from backend.config import get_settings

    me = api.admin.get("/users/me").json()
    expires = datetime.now(UTC) + timedelta(seconds=2)
    token = jwt.encode(
        {"sub": str(me["id"]), "exp": expires}, get_settings().secret_key, algorithm="HS256"
    )
    client = api.client({"Authorization": f"Bearer {token}"})
    assert client.get("/users/me").status_code == 200
    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.5)
    assert client.get("/users/me").status_code == 401
