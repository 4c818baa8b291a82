"""One storage contract, two backends: local files and a real S3-compatible server."""

import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest

from backend.storage import LocalStorage, S3Storage, StorageError


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's standalone server: an S3-compatible HTTP endpoint, like MinIO in production."""
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    yield endpoint
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path, monkeypatch):
    if request.param == "local":
        return LocalStorage(tmp_path / "storage")
    endpoint = request.getfixturevalue("s3_endpoint")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    bucket = f"segloop-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    return S3Storage(bucket, endpoint_url=endpoint, region="us-east-1", prefix="tenant")


def test_put_get_exists_delete(storage):
    key = "projects/1/rounds/0/model_a.pt"
    assert not storage.exists(key)
    storage.put(key, b"first")
    storage.put(key, b"second version")
    assert storage.exists(key)
    assert storage.get(key) == b"second version"
    storage.delete(key)
    assert not storage.exists(key)
    with pytest.raises(KeyError):
        storage.get(key)


@pytest.mark.parametrize("key", ["../escape", "/etc/passwd", "a/../../b", "", "a\\b"])
def test_keys_cannot_escape_the_store(storage, key):
    with pytest.raises(StorageError):
        storage.put(key, b"x")


def test_local_writes_leave_no_temporary_files(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.put("a/b.png", b"data")
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["b.png"]
