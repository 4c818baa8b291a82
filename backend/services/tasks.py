"""Leasing annotation tasks and accepting labels: no task is given to two people, no label lost."""

import base64
import binascii
import typing
from datetime import UTC, datetime, timedelta
from typing import Any, overload

import numpy as np
from sqlalchemy import (
    CursorResult,
    Select,
    and_,
    bindparam,
    cast,
    func,
    not_,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from backend.images import IGNORE_INDEX, InvalidInput, encode_label_png, read_label_map
from backend.models import (
    Annotation,
    AnnotationTask,
    Project,
    TaskKind,
    TaskSkip,
    TaskStatus,
    User,
)
from backend.schemas import Submission
from backend.services.access import VisibleQuery
from backend.services.annotations import draw_points, effort, overlay
from backend.storage import Storage


class Conflict(Exception):
    """The request is valid but clashes with the task's current state."""


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: datetime | None) -> datetime | None: ...
def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything here is stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _available(now):
    """Claimable at `now` (a value or a bound parameter): waiting, or its lease ran out."""
    return or_(
        AnnotationTask.status == TaskStatus.pending,
        and_(AnnotationTask.status == TaskStatus.leased, AnnotationTask.lease_expires_at < now),
    )


def _lease_first(candidates: Select, values: dict) -> VisibleQuery:
    """One statement: lease the first task id `candidates` selects, returning it."""
    return VisibleQuery(
        update(AnnotationTask)
        .where(AnnotationTask.id == candidates.limit(1).scalar_subquery())
        .values(values)
        .returning(AnnotationTask.id),
        AnnotationTask.project_id,
    )


# The statements of "next task" are built once: on this path, building and hashing a
# statement costs more than the database takes to run it. Each leases only in a project the
# caller may see.
_RENEW_OWN_LEASE = _lease_first(
    select(AnnotationTask.id)
    .where(
        AnnotationTask.project_id == bindparam("in_project"),
        AnnotationTask.status == TaskStatus.leased,
        AnnotationTask.leased_by == bindparam("user_id"),
        AnnotationTask.lease_expires_at >= bindparam("now"),
    )
    .order_by(AnnotationTask.id),
    {"lease_expires_at": bindparam("expires")},
)
_LEASED = {
    "status": TaskStatus.leased,
    "leased_by": bindparam("user_id"),
    "lease_expires_at": bindparam("expires"),
    "version": AnnotationTask.version + 1,
}
# The best available row nobody else is claiming: locked, so two requests never take one.
_CLAIM_SKIPPING_LOCKED = _lease_first(
    select(AnnotationTask.id)
    .where(
        AnnotationTask.project_id == bindparam("in_project"),
        _available(bindparam("now")),
        not_(cast(AnnotationTask.skipped_by, JSONB).contains(bindparam("skipper", JSONB))),
    )
    .order_by(AnnotationTask.priority.desc(), AnnotationTask.id)
    .with_for_update(skip_locked=True),
    _LEASED,
)
_TASK_WITH_IMAGE = (
    select(AnnotationTask)
    .options(joinedload(AnnotationTask.image))
    .where(AnnotationTask.id == bindparam("task_id"))
    .execution_options(populate_existing=True)
)


def lease_next(
    session: Session, project_id: int, user: User, lease_minutes: int
) -> AnnotationTask | None:
    """The caller's live lease if any (a reload resumes it), else the next available task;
    None also when the caller may not see the project.

    A lease is not a submission: on PostgreSQL its commit does not wait for the disk (a
    database crash can at worst undo the leases of its last fraction of a second), and rows
    that other requests are claiming are skipped rather than waited for, so many people
    asking at once do not queue up."""
    now = datetime.now(UTC)
    params = {
        "in_project": project_id,
        "user_id": user.id,
        "now": now,
        "expires": now + timedelta(minutes=lease_minutes),
    }
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    task_id = _RENEW_OWN_LEASE.execute(session, user, **params).scalar()
    if task_id is None and postgres:
        claim = _CLAIM_SKIPPING_LOCKED.execute(session, user, **params, skipper=[user.id])
        task_id = claim.scalar()
    elif task_id is None:
        task_id = _claim_compare_and_set(session, user, params)
    task = None
    if task_id is not None:
        task = session.scalar(_TASK_WITH_IMAGE, {"task_id": task_id})
    session.commit()
    return task


# SQLite has no row locks: its claim reads the best candidates, then tries a compare-and-set
# on each in turn until one sticks.
_CANDIDATES = VisibleQuery(
    select(AnnotationTask.id, AnnotationTask.skipped_by)
    .where(AnnotationTask.project_id == bindparam("in_project"), _available(bindparam("now")))
    .order_by(AnnotationTask.priority.desc(), AnnotationTask.id)
    .limit(64),
    AnnotationTask.project_id,
)
_CLAIM_IF_STILL_AVAILABLE = (
    update(AnnotationTask)
    .where(AnnotationTask.id == bindparam("task_id"), _available(bindparam("now")))
    .values(_LEASED)
)


def _claim_compare_and_set(session: Session, user: User, params: dict) -> int | None:
    for task_id, skipped_by in _CANDIDATES.execute(session, user, **params).all():
        if user.id in (skipped_by or []):
            continue
        claimed = session.connection().execute(
            _CLAIM_IF_STILL_AVAILABLE, {**params, "task_id": task_id}
        )
        session.commit()
        if claimed.rowcount == 1:
            return task_id
    return None


def _require_lease(task: AnnotationTask, user: User) -> None:
    """Only the lease holder may change a task; an expired lease nobody took is still theirs."""
    if task.status != TaskStatus.leased or task.leased_by != user.id:
        raise Conflict("this task is not leased to you: get it again with 'next task'")


def _update_leased(session: Session, task: AnnotationTask, user: User, **values) -> None:
    """Change a task only if it is still the caller's lease at the version this request read:
    a lease that expired and went to someone else meanwhile is not overwritten."""
    _require_lease(task, user)
    statement = (
        update(AnnotationTask)
        .where(
            AnnotationTask.id == task.id,
            AnnotationTask.version == task.version,
            AnnotationTask.leased_by == user.id,
        )
        .values(**values)
    )
    # An UPDATE without RETURNING gives a CursorResult; Session.execute is typed as Result.
    changed = typing.cast(CursorResult[Any], session.execute(statement))
    if changed.rowcount != 1:
        session.rollback()
        raise Conflict("this task is not leased to you any more: get it again with 'next task'")
    session.commit()


def save_draft(
    session: Session, task: AnnotationTask, user: User, draft: dict, minutes: int
) -> None:
    expires = datetime.now(UTC) + timedelta(minutes=minutes)
    _update_leased(session, task, user, draft=draft, lease_expires_at=expires)


def skip(session: Session, task: AnnotationTask, user: User, seconds: float) -> None:
    """Hand the task back for someone else; the skipper is not offered it again. The skip and
    its seconds are recorded in the same commit (a refused skip rolls both back)."""
    session.add(TaskSkip(task_id=task.id, user_id=user.id, seconds_spent=seconds))
    _update_leased(
        session,
        task,
        user,
        status=TaskStatus.pending,
        leased_by=None,
        lease_expires_at=None,
        draft=None,
        skipped_by=[*(task.skipped_by or []), user.id],
        version=task.version + 1,
    )


def submitted_by(
    session: Session, project: Project, user: User, limit: int
) -> list[AnnotationTask]:
    """The caller's recently submitted tasks, newest first: 'back to the previous task'."""
    latest = (
        select(Annotation.task_id, func.max(Annotation.id).label("last"))
        .where(Annotation.user_id == user.id)
        .group_by(Annotation.task_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(AnnotationTask)
            .join(latest, latest.c.task_id == AnnotationTask.id)
            .where(AnnotationTask.project_id == project.id)
            .order_by(latest.c.last.desc())
            .limit(limit)
        )
    )


def _last_annotation(session: Session, task: AnnotationTask) -> Annotation | None:
    return session.scalar(
        select(Annotation)
        .where(Annotation.task_id == task.id)
        .order_by(Annotation.id.desc())
        .limit(1)
    )


def _label_map_from_points(
    task: AnnotationTask, points: list[dict[str, int]], valid_ids: set[int]
) -> np.ndarray:
    width, height = task.image.width, task.image.height
    requested = {(p["x"], p["y"]) for p in task.points}
    for point in points:
        x, y, class_id = point["x"], point["y"], point["class_id"]
        if x >= width or y >= height:
            raise InvalidInput(f"point ({x}, {y}) is outside the {width}x{height} image")
        if class_id not in valid_ids and class_id != IGNORE_INDEX:
            raise InvalidInput(f"unknown class id {class_id}")
        if task.kind == TaskKind.points and (x, y) not in requested:
            raise InvalidInput(f"point ({x}, {y}) was not requested by this task")
    return draw_points(points, width, height)


def _label_map_from_region(
    task: AnnotationTask,
    storage: Storage,
    png_b64: str,
    valid_ids: set[int],
    max_pixels: int,
) -> np.ndarray:
    try:
        data = base64.b64decode(png_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput("region_png is not valid base64") from exc
    labels = read_label_map(data, "region_png", max_pixels, valid_ids)
    if labels.shape != (task.image.height, task.image.width):
        raise InvalidInput(
            f"region_png is {labels.shape[1]}x{labels.shape[0]}, the image is "
            f"{task.image.width}x{task.image.height}"
        )
    if task.mask_key is not None:
        requested = read_label_map(storage.get(task.mask_key), "mask", max_pixels, {0}) > 0
        labels = np.where(requested, labels, IGNORE_INDEX).astype(np.uint8)
    return labels


def _replayed(
    session: Session, task: AnnotationTask, user: User, submission: Submission
) -> Annotation | None:
    """The annotation an earlier request of this user with this client_key stored: a retry."""
    existing = session.scalar(
        select(Annotation).where(Annotation.client_key == submission.client_key)
    )
    if existing is not None and (existing.task_id != task.id or existing.user_id != user.id):
        raise Conflict("client_key was already used for another submission")
    return existing


def _refusal(session: Session, task: AnnotationTask, user: User, submission: Submission):
    """Why this submission cannot go on, or None: the task changed since it was loaded, was
    submitted by someone else, or is leased by another annotator."""
    if submission.expected_version is not None and submission.expected_version != task.version:
        return (
            f"the task changed since you loaded it (version {task.version}, "
            f"you had {submission.expected_version}): reload it"
        )
    if task.status == TaskStatus.done:
        last = _last_annotation(session, task)
        if last is None or last.user_id != user.id:
            return "this task was already submitted by someone else"
    lease_end = as_utc(task.lease_expires_at)
    held_by_other = (
        task.status == TaskStatus.leased
        and task.leased_by != user.id
        and lease_end is not None
        and lease_end > datetime.now(UTC)
    )
    if held_by_other:
        return "this task is leased by another annotator"
    return None


# Compare-and-set on the version the request checked, built once (it is on every submission).
_MARK_DONE = (
    update(AnnotationTask)
    .where(AnnotationTask.id == bindparam("task_id"), AnnotationTask.version == bindparam("seen"))
    .values(status=TaskStatus.done, draft=None, version=AnnotationTask.version + 1)
)


def submit(
    session: Session,
    storage: Storage,
    project: Project,
    task: AnnotationTask,
    user: User,
    submission: Submission,
    max_pixels: int,
) -> Annotation:
    """Store the label map, then record it; a retried request with the same key is a no-op.

    The submitter may correct a submitted task: the newer annotation wins when labels merge.
    A retry of a stored submission finds its task done or changed, so replays are looked up
    only then; a key reused for another task is caught by its unique index on insert."""
    refusal = _refusal(session, task, user, submission)
    if refusal is not None or task.status == TaskStatus.done:
        existing = _replayed(session, task, user, submission)
        if existing is not None:
            return existing
    if refusal is not None:
        raise Conflict(refusal)

    valid_ids = {c["id"] for c in project.classes}
    points = [label.model_dump() for label in submission.labels]
    region = point_labels = None
    if submission.region_png is not None:
        region = _label_map_from_region(task, storage, submission.region_png, valid_ids, max_pixels)
    if submission.labels or region is None:
        point_labels = _label_map_from_points(task, points, valid_ids)
    # Points drawn over the region.
    labels = overlay((region, point_labels), task.image.width, task.image.height)

    # Of two submissions racing for one task (or a lease taken meanwhile), exactly one goes
    # on to write.
    claimed = session.connection().execute(_MARK_DONE, {"task_id": task.id, "seen": task.version})
    if claimed.rowcount != 1:
        session.rollback()
        existing = _replayed(session, task, user, submission)
        if existing is None:
            raise Conflict("the task changed while you submitted: reload it")
        return existing
    # Points alone are their row: one durable commit. A region's map goes to a file that is
    # durable before the row pointing to it commits; a crash in between leaves only a file the
    # retry overwrites. The row is inserted first (not yet visible), so a client key already
    # used elsewhere is refused before anything is written.
    # One folder per project: a folder per task would cost another fsync on every submission.
    label_key = None
    if submission.region_png is not None:
        label_key = f"projects/{project.id}/annotations/{task.id}-{submission.client_key}.png"
    annotation = Annotation(
        task_id=task.id,
        image_id=task.image_id,
        user_id=user.id,
        client_key=submission.client_key,
        labels=points,
        label_key=label_key,
        labelled_pixels=int((labels != IGNORE_INDEX).sum()),
        seconds_spent=submission.seconds_spent,
        **effort(region, point_labels),
    )
    session.add(annotation)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        existing = _replayed(session, task, user, submission)
        if existing is None:
            raise Conflict("this task was submitted concurrently") from None
        return existing
    if label_key is not None:
        storage.put(label_key, encode_label_png(labels))
    session.commit()
    return annotation
