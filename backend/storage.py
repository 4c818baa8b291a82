"""File storage behind one small interface; writes are atomic so readers never see half a file."""

import os
import tempfile
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Protocol

from backend.config import Settings, get_settings


class StorageError(ValueError):
    pass


def validate_key(key: str) -> str:
    """Keys are relative POSIX paths without `..`: a key can never name a file outside storage."""
    path = PurePosixPath(key)
    if not key or path.is_absolute() or ".." in path.parts or "\\" in key or "\x00" in key:
        raise StorageError(f"invalid storage key: {key!r}")
    return str(path)


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def put(self, key: str, data: bytes) -> None:
        """Durable when it returns: the file's bytes and its directory entry (and any new
        directory's entry in its parent) are on disk, so an acknowledged write survives a
        power cut, not only a crash."""
        path = self._path(key)
        self._make_dirs(path.parent)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)

    def _make_dirs(self, folder: Path) -> None:
        if folder.is_dir():
            return
        self._make_dirs(folder.parent)
        folder.mkdir(exist_ok=True)
        _fsync_dir(folder.parent)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise KeyError(key) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """S3 or any S3-compatible store (MinIO): a single PUT is atomic, readers never see
    half an object. Credentials come from the usual AWS environment or config files."""

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        region: str | None = None,
        prefix: str = "",
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}),
        )

    def _key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey as exc:
            raise KeyError(key) from exc
        return response["Body"].read()

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))


@lru_cache(maxsize=8)
def _cached_storage(backend: str, root: str, bucket: str, endpoint, region, prefix) -> Storage:
    if backend == "s3":
        return S3Storage(bucket, endpoint, region, prefix)
    return LocalStorage(Path(root))


def get_storage(settings: Settings | None = None) -> Storage:
    settings = settings or get_settings()
    return _cached_storage(
        settings.storage_backend,
        str(settings.storage_dir),
        settings.s3_bucket,
        settings.s3_endpoint_url,
        settings.s3_region,
        settings.s3_prefix,
    )
