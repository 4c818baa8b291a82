"""The hostile cases: what each sends (a broken archive or image, a malformed body, a
hostile name, forged credentials) and the status and detail it must get back."""

import io
import json
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
import numpy as np
from httpx import Response
from PIL import Image as PILImage

from backend.auth import JWT_ALGORITHM
from backend.config import get_settings
from tests.api.hostile_requests import (
    CLASSES,
    PROJECT,
    World,
    admin_json,
    predict,
    raw,
    submit_points,
    submit_region,
    upload,
    with_token,
)


def _png(array: np.ndarray, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


def _png_bomb(side: int = 100_000) -> bytes:
    """A valid PNG header declaring side x side pixels, with a few bytes of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\0" * (side + 1) * 4)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def _zip(files: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16) | 0x20  # a symbolic link, as `zip -y` stores it
            zf.writestr(info, target)
    return buffer.getvalue()


IMAGE = np.zeros((8, 10, 3), dtype=np.uint8)
LABEL = np.zeros((8, 10), dtype=np.uint8)


def _jwt(payload: dict, key: str | None = None, algorithm: str = JWT_ALGORITHM) -> str:
    return jwt.encode(payload, key or get_settings().secret_key, algorithm=algorithm)


def _chunks(total: int):
    sent = 0
    while sent < total:
        yield b" " * 65536
        sent += 65536


HUGE = get_settings().max_json_bytes + 1
NESTED = "[" * 100_000 + "]" * 100_000
REGION = (48, 64)  # the demo images' height and width


@dataclass
class Case:
    request: Callable[[World], Response]
    status: int
    detail: str


CASES: dict[str, Case] = {
    # Archives and images
    "zip with a symbolic link": Case(
        upload(_zip({"images/a.png": _png(IMAGE)}, links={"images/b.png": "/etc/passwd"})),
        422,
        "symbolic link",
    ),
    "zip with an absolute path": Case(
        upload(_zip({"images/a.png": _png(IMAGE), "/tmp/evil.png": _png(IMAGE)})),
        422,
        "outside the archive",
    ),
    "zip with a backslash ../ path": Case(
        upload(_zip({"images/a.png": _png(IMAGE), "..\\..\\evil.png": _png(IMAGE)})),
        422,
        "outside the archive",
    ),
    "truncated png in a zip": Case(
        upload(_zip({"images/a.png": _png(IMAGE)[:-30], "labels/a.png": _png(LABEL)})),
        422,
        "a.png",
    ),
    "png decompression bomb in a zip": Case(
        upload(_zip({"images/a.png": _png_bomb(), "labels/a.png": _png(LABEL)})),
        422,
        "a.png",
    ),
    "three-channel label in a zip": Case(
        upload(_zip({"images/a.png": _png(IMAGE), "labels/a.png": _png(IMAGE)})),
        422,
        "a.png",
    ),
    "empty zip": Case(upload(_zip({})), 422, "images/"),
    "upload of an unknown dataset kind": Case(
        upload(_zip({"images/a.png": _png(IMAGE)}), kind="everything"), 422, "kind"
    ),
    "corrupt image to predict": Case(predict(b"\x89PNG\r\n\x1a\n not really"), 422, "readable"),
    "decompression bomb to predict": Case(predict(_png_bomb()), 422, "limit"),
    # Labels
    "region of the wrong size": Case(
        submit_region(_png(np.zeros((5, 5), dtype=np.uint8))), 422, "the image is"
    ),
    "region with class ids out of range": Case(
        submit_region(_png(np.full(REGION, 77, dtype=np.uint8))), 422, "unknown class ids"
    ),
    "three-channel region": Case(
        submit_region(_png(np.zeros((*REGION, 3), dtype=np.uint8))), 422, "single-channel"
    ),
    "region that is not base64": Case(submit_region("%%% not base64 %%%"), 422, "base64"),
    "region that is not an image": Case(submit_region(b"GIF89a nonsense"), 422, "readable"),
    "truncated region png": Case(
        submit_region(_png(np.zeros(REGION, dtype=np.uint8))[:-20]), 422, "region_png"
    ),
    "region decompression bomb": Case(submit_region(_png_bomb()), 422, "limit"),
    "class id beyond 255": Case(
        submit_points([{"x": 1, "y": 2, "class_id": 256}]), 422, "less than or equal to 255"
    ),
    "negative y": Case(submit_points([{"x": 1, "y": -5, "class_id": 1}]), 422, "greater than"),
    "coordinates far outside the image": Case(
        submit_points([{"x": 2**40, "y": 2**40, "class_id": 1}]), 422, "outside"
    ),
    "coordinate that is SQL": Case(
        submit_points([{"x": "1; DROP TABLE annotations", "y": 2, "class_id": 1}]),
        422,
        "valid integer",
    ),
    "client key that is SQL": Case(
        submit_points([], client_key="x'; DROP TABLE annotations; --"), 422, "pattern"
    ),
    "client key of another submission": Case(
        lambda w: w.annotator.post(
            f"/tasks/{w.points_task['id']}/submit",
            json={"labels": [{"x": 1, "y": 2, "class_id": 1}], "client_key": w.used_client_key},
        ),
        409,
        "already used",
    ),
    "negative time spent": Case(submit_points([], seconds_spent=-1), 422, "greater than"),
    "time spent NaN": Case(
        raw(
            "POST",
            "/tasks/{task}/submit",
            '{"labels": [], "client_key": "abcdefgh12", "seconds_spent": NaN}',
        ),
        422,
        "seconds_spent",
    ),
    "more than 100000 points": Case(
        submit_points([{"x": 1, "y": 2, "class_id": 1}] * 100_001), 422, "at most 100000"
    ),
    # Bodies and content types
    "JSON body over the limit": Case(
        raw("POST", "/projects", b" " * HUGE), 413, "larger than the limit"
    ),
    "chunked JSON body over the limit": Case(
        raw("POST", "/projects", lambda: _chunks(HUGE)), 413, "larger than the limit"
    ),
    "malformed JSON": Case(raw("POST", "/projects", b'{"name": "x",'), 422, "JSON decode error"),
    "deeply nested JSON": Case(raw("POST", "/projects", NESTED), 400, "error parsing the body"),
    "JSON array for an object": Case(
        raw("POST", "/projects", "[1, 2, 3]"), 422, "valid dictionary"
    ),
    "invalid UTF-8": Case(
        raw("POST", "/projects", b'{"name": "\xff\xfe"}'), 400, "error parsing the body"
    ),
    "JSON sent as text/plain": Case(
        raw("POST", "/projects", json.dumps(PROJECT), "text/plain"), 415, "application/json"
    ),
    "JSON endpoint sent a form": Case(
        raw("POST", "/projects", "name=x", "application/x-www-form-urlencoded"),
        415,
        "application/json",
    ),
    "JSON endpoint sent XML": Case(
        raw("POST", "/projects", "<project name='x'/>", "application/xml"), 415, "application/json"
    ),
    "upload endpoint sent JSON": Case(
        raw("POST", "/projects/{project}/datasets/upload", json.dumps({"kind": "source"})),
        422,
        "file",
    ),
    # Names and ids
    "project name with a NUL": Case(
        admin_json("/projects", {**PROJECT, "name": "evil\x00name"}), 422, "pattern"
    ),
    "project name with an escape sequence": Case(
        admin_json("/projects", {**PROJECT, "name": "\x1b[31mred"}), 422, "pattern"
    ),
    "project name of 10000 characters": Case(
        admin_json("/projects", {**PROJECT, "name": "ü" * 10_000}), 422, "at most 200"
    ),
    "class name with a NUL": Case(
        admin_json("/projects", {**PROJECT, "classes": [{**CLASSES[0], "name": "ro\x00ad"}]}),
        422,
        "pattern",
    ),
    "user email with a NUL": Case(
        admin_json("/users", {"email": "a\x00@example.com", "password": "long-enough"}),
        422,
        "pattern",
    ),
    "token name with a newline": Case(
        lambda w: w.annotator.post("/users/me/tokens", json={"name": "a\nb"}), 422, "pattern"
    ),
    "project id beyond any integer": Case(
        admin_json("/projects/99999999999999999999999/members", {"user_id": 1}), 422, "range"
    ),
    "member id beyond any integer": Case(
        admin_json("/projects/{project}/members", {"user_id": 2**70}), 422, "range"
    ),
    "folder import with a NUL in the path": Case(
        admin_json(
            "/projects/{project}/datasets/import-folder", {"kind": "source", "path": "/tmp/\x00x"}
        ),
        422,
        "path",
    ),
    # Audit and budget settings
    "audit share above 50 %": Case(
        admin_json("/projects", {**PROJECT, "audit_share": 0.6}), 422, "less than or equal to 0.5"
    ),
    "negative audit share": Case(
        lambda w: w.admin.patch(f"/projects/{w.project_id}", json={"audit_share": -0.01}),
        422,
        "greater than or equal to 0",
    ),
    "negative audit minimum": Case(
        admin_json("/projects", {**PROJECT, "audit_min_points": -1}), 422, "greater than or equal"
    ),
    "negative budget": Case(
        admin_json("/projects", {**PROJECT, "budget_unit": "points", "budget_amount": -5}),
        422,
        "greater than 0",
    ),
    "zero budget": Case(
        lambda w: w.admin.patch(
            f"/projects/{w.project_id}", json={"budget_unit": "hours", "budget_amount": 0}
        ),
        422,
        "greater than 0",
    ),
    "budget without an amount": Case(
        lambda w: w.admin.patch(f"/projects/{w.project_id}", json={"budget_unit": "pixels"}),
        422,
        "budget_amount is required",
    ),
    "budget in an unknown unit": Case(
        admin_json("/projects", {**PROJECT, "budget_unit": "euros", "budget_amount": 5}),
        422,
        "points",
    ),
    "pinned round id beyond any integer": Case(
        lambda w: w.admin.put(f"/projects/{w.project_id}/pinned-round", json={"round_id": 2**40}),
        422,
        "less than or equal",
    ),
    # Credentials
    "expired token": Case(
        with_token(lambda: _jwt({"sub": "1", "exp": datetime.now(UTC) - timedelta(minutes=1)})),
        401,
        "credentials",
    ),
    "token signed with another key": Case(
        with_token(lambda: _jwt({"sub": "1"}, key="another-key-that-is-long-enough-32b")),
        401,
        "credentials",
    ),
    "unsigned token (alg none)": Case(
        with_token(lambda: jwt.encode({"sub": "1"}, None, algorithm="none")), 401, "credentials"
    ),
    "token of a user that does not exist": Case(
        with_token(lambda: _jwt({"sub": "999999"})), 401, "credentials"
    ),
    "made-up API token": Case(with_token(lambda: "sl_" + "A" * 43), 401, "credentials"),
    # A fresh name each run: failed logins are counted (in Redis) across runs.
    "login as SQL": Case(
        lambda w: w.anonymous.post(
            "/login/access-token",
            data={"username": f"' OR '1'='1' -- {uuid.uuid4().hex}", "password": "' OR '1'='1"},
        ),
        401,
        "Incorrect",
    ),
}
