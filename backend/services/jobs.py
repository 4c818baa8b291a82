"""Export and prediction jobs as database rows.

The API creates a row and enqueues its id; a cpu worker claims the row, reports progress on
it, writes the result bytes to storage and finishes the row. Every API replica and worker reads
the same row, so nobody polls storage and no request thread waits for a worker. Results are
kept `job_ttl_hours` after they finish; `remove_expired` then deletes the bytes and the row.
State changes are conditional updates, so a redelivered message, a late worker and a caller
giving up never overwrite each other.
"""

import uuid
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, Update, delete, select, update
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.models import Job, JobKind, JobStatus, utcnow
from backend.services.tasks import as_utc
from backend.storage import Storage

# Expired jobs removed per call of beat's cleanup: each call stays short.
EXPIRE_BATCH = 100


def storage_key(job: Job, name: str) -> str:
    return f"projects/{job.project_id}/jobs/{job.id}/{name}"


def input_key(job: Job) -> str:
    return storage_key(job, "input")


def new_job(
    session: Session,
    settings: Settings,
    kind: JobKind,
    project_id: int,
    user_id: int,
    options: dict[str, Any],
) -> Job:
    """A queued job, added to the session; the caller commits before it enqueues the id."""
    now = utcnow()
    job = Job(
        id=uuid.uuid4().hex,
        kind=kind,
        project_id=project_id,
        requested_by=user_id,
        status=JobStatus.queued,
        progress=0.0,
        options=options,
        created_at=now,
        expires_at=now + timedelta(hours=settings.job_ttl_hours),
    )
    session.add(job)
    return job


def _write(session: Session, statement: Update | Delete) -> int:
    """Run one conditional change and commit it; returns the rows it changed. The session's
    objects are left alone: callers refresh what they still hold."""
    # An UPDATE or DELETE without RETURNING gives a CursorResult; Session.execute says Result.
    changed = cast(
        CursorResult[Any],
        session.execute(statement, execution_options={"synchronize_session": False}),
    )
    session.commit()
    return changed.rowcount


def find_job(
    session: Session, settings: Settings, project_id: int, job_id: str, kind: JobKind
) -> Job | None:
    """The job as its caller may see it; expired ones are gone even before the cleanup runs."""
    job = session.get(Job, job_id)
    if job is None or job.project_id != project_id or job.kind != kind:
        return None
    if as_utc(job.expires_at) <= utcnow():
        return None
    if kind == JobKind.predict and _write(session, _give_up(settings, Job.id == job.id)):
        session.refresh(job)
    return job


def _give_up(settings: Settings, *where) -> Update:
    """Fail predictions no worker started in time, so their callers stop polling; a worker that
    picks one up later finds it failed and skips it."""
    cutoff = utcnow() - timedelta(seconds=settings.predict_timeout_seconds)
    error = (
        f"no worker started the prediction within {settings.predict_timeout_seconds:g} s; "
        "is a cpu worker running?"
    )
    return (
        update(Job)
        .where(
            Job.kind == JobKind.predict,
            Job.status == JobStatus.queued,
            Job.created_at < cutoff,
            *where,
        )
        .values(status=JobStatus.failed, error=error, finished_at=utcnow())
    )


def recent_jobs(session: Session, project_id: int, limit: int) -> list[Job]:
    return list(
        session.scalars(
            select(Job)
            .where(Job.project_id == project_id, Job.expires_at > utcnow())
            .order_by(Job.created_at.desc(), Job.id)
            .limit(limit)
        )
    )


def remove_expired(session: Session, storage: Storage, settings: Settings) -> int:
    """Fail predictions no worker started, delete expired jobs' bytes and then their rows;
    returns how many jobs went. Safe anywhere, any time, concurrently: the beat, a listing."""
    _write(session, _give_up(settings))
    expired = list(
        session.scalars(select(Job).where(Job.expires_at <= utcnow()).limit(EXPIRE_BATCH))
    )
    for job in expired:
        for key in (input_key(job), job.result_key):
            if key is not None:
                storage.delete(key)
    if expired:
        _write(session, delete(Job).where(Job.id.in_([job.id for job in expired])))
    return len(expired)


# The worker's side: each is one short transaction, so progress shows while the job runs.


def claim(session: Session, job_id: str, kind: JobKind) -> Job | None:
    """Mark the job running and return it, or None when it is finished or gone: a redelivered
    message for a finished job does nothing, one for a job whose worker died runs it again."""
    claimed = _write(
        session,
        update(Job)
        .where(
            Job.id == job_id,
            Job.kind == kind,
            Job.status.in_((JobStatus.queued, JobStatus.running)),
        )
        .values(status=JobStatus.running),
    )
    return session.get(Job, job_id) if claimed else None


def report_progress(session: Session, job_id: str, progress: float) -> None:
    _write(
        session,
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.running)
        .values(progress=progress),
    )


def _finish(session: Session, settings: Settings, job_id: str, **values: Any) -> bool:
    """The outcome, once, on a running job; its result is kept `job_ttl_hours` from now."""
    now = utcnow()
    expires = now + timedelta(hours=settings.job_ttl_hours)
    running = (Job.id == job_id) & (Job.status == JobStatus.running)
    statement = update(Job).where(running).values(finished_at=now, expires_at=expires, **values)
    return bool(_write(session, statement))


def finish(session: Session, settings: Settings, job_id: str, result_key: str) -> bool:
    """Done, with its result; False when the row is gone, and the caller deletes the bytes."""
    return _finish(
        session, settings, job_id, status=JobStatus.done, progress=1.0, result_key=result_key
    )


def fail(session: Session, settings: Settings, job_id: str, error: str) -> None:
    _finish(session, settings, job_id, status=JobStatus.failed, error=error)
