"""Settings from `SEGLOOP_*` environment variables, never from code edits."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-outside-the-demo"
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEGLOOP_", extra="ignore")

    data_dir: Path = Path(".segloop")
    database_url: str = ""
    broker_url: str = ""
    storage_dir: Path | None = None
    storage_backend: Literal["local", "s3"] = "local"
    s3_bucket: str = "segloop"
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_prefix: str = ""
    secret_key: str = DEFAULT_SECRET
    demo: bool = False

    access_token_minutes: int = 8 * 60
    lease_minutes: int = 30
    round_lease_seconds: int = 60
    # Worker: processes per training stage. Set it to the GPUs of a worker to train each round
    # with DDP across them (torchrun, one process per GPU); 1 trains in the worker's process.
    train_processes: int = Field(default=1, ge=1)
    max_upload_bytes: int = 2 * 1024**3
    # Any other request body (JSON, forms): larger ones are refused with 413 before parsing.
    max_json_bytes: int = 16 * 1024**2
    # Failed logins per (client address, email) within the window before 429.
    login_attempts: int = 10
    login_window_seconds: int = 300
    max_image_pixels: int = 64 * 1024 * 1024
    import_roots: list[Path] = []
    # A prediction no cpu worker has started within this long fails, so its caller stops polling.
    predict_timeout_seconds: float = 60.0
    # Export and prediction results (and their jobs) are deleted this long after they finish.
    job_ttl_hours: float = Field(default=24.0, gt=0)
    frontend_dir: Path = Path(__file__).parent / "static"

    @model_validator(mode="after")
    def _derive_local_defaults(self) -> "Settings":
        """Everything defaults to files under `data_dir`: the embedded, server-less setup."""
        data_dir = self.data_dir.resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{data_dir / 'segloop.db'}"
        if not self.broker_url:
            self.broker_url = f"sqla+sqlite:///{data_dir / 'broker.db'}"
        if self.storage_dir is None:
            self.storage_dir = data_dir / "storage"
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check_secrets(self) -> None:
        """Refuse to serve real users with a secret anyone can read in the source, or one short
        enough to guess offline from a single token."""
        if self.demo:
            return
        if self.secret_key == DEFAULT_SECRET:
            raise RuntimeError(
                "SEGLOOP_SECRET_KEY is unset: set it to a long random value "
                "(the default is only allowed with SEGLOOP_DEMO=true)"
            )
        if len(self.secret_key) < MIN_SECRET_LENGTH:
            raise RuntimeError(
                f"SEGLOOP_SECRET_KEY is too short: use at least {MIN_SECRET_LENGTH} random "
                "characters, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )


@lru_cache
def get_settings() -> Settings:
    return Settings()
