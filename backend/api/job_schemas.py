"""Responses of the worker jobs: a prediction to poll, and the project's job list."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

JobStatusValue = Literal["queued", "running", "done", "failed"]


class PredictJobOut(BaseModel):
    id: str
    status: JobStatusValue
    round: int = Field(description="Number of the round whose model answers")
    error: str | None = None
    status_url: str = Field(description="Poll this until the status is done or failed")
    result_url: str | None = Field(
        default=None, description="The indexed PNG of class ids, once done"
    )
    created_at: datetime
    expires_at: datetime = Field(description="The result is deleted after this")


class JobOut(BaseModel):
    id: str
    kind: Literal["export", "predict"]
    status: JobStatusValue
    progress: float
    error: str | None = None
    requested_by: int
    created_at: datetime
    finished_at: datetime | None = None
    expires_at: datetime
    status_url: str
