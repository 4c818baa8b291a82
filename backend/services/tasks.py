"""Leasing annotation tasks and accepting labels: no task is given to two people, no label lost."""

import base64
import binascii
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import and_, cast, func, not_, or_, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from backend.models import Annotation, AnnotationTask, Project, TaskKind, TaskStatus, User
from backend.schemas import Submission
from backend.services.images import InvalidInput, encode_label_png, read_label_map
from backend.storage import Storage


class Conflict(Exception):
    """The request is valid but clashes with the task's current state."""


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything here is stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _available(now: datetime):
    return or_(
        AnnotationTask.status == TaskStatus.pending,
        and_(AnnotationTask.status == TaskStatus.leased, AnnotationTask.lease_expires_at < now),
    )


def lease_next(
    session: Session, project: Project, user: User, lease_minutes: int
) -> AnnotationTask | None:
    """The caller's live lease if any (a reload resumes it), else the next available task.

    A lease is not a submission: on PostgreSQL its commit does not wait for the disk (a
    database crash can at worst undo the leases of its last fraction of a second), and rows
    that other requests are claiming are skipped rather than waited for, so many people
    asking at once do not queue up."""
    now = datetime.now(UTC)
    expires = now + timedelta(minutes=lease_minutes)
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    own = session.scalar(
        select(AnnotationTask.id)
        .where(
            AnnotationTask.project_id == project.id,
            AnnotationTask.status == TaskStatus.leased,
            AnnotationTask.leased_by == user.id,
            AnnotationTask.lease_expires_at >= now,
        )
        .order_by(AnnotationTask.id)
        .limit(1)
    )
    if own is not None:
        session.execute(
            update(AnnotationTask).where(AnnotationTask.id == own).values(lease_expires_at=expires)
        )
        task_id = own
    elif postgres:
        task_id = _claim_skipping_locked(session, project, user, now, expires)
    else:
        task_id = _claim_compare_and_set(session, project, user, now, expires)
    task = None
    if task_id is not None:
        task = session.scalar(
            select(AnnotationTask)
            .options(joinedload(AnnotationTask.image))
            .where(AnnotationTask.id == task_id)
            .execution_options(populate_existing=True)
        )
    session.commit()
    return task


def _leased(user: User, expires: datetime) -> dict:
    return {
        "status": TaskStatus.leased,
        "leased_by": user.id,
        "lease_expires_at": expires,
        "version": AnnotationTask.version + 1,
    }


def _claim_skipping_locked(
    session: Session, project: Project, user: User, now: datetime, expires: datetime
) -> int | None:
    """One statement: lock the best available row nobody else is claiming, lease it."""
    best = (
        select(AnnotationTask.id)
        .where(
            AnnotationTask.project_id == project.id,
            _available(now),
            not_(cast(AnnotationTask.skipped_by, JSONB).contains([user.id])),
        )
        .order_by(AnnotationTask.priority.desc(), AnnotationTask.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return session.scalar(
        update(AnnotationTask)
        .where(AnnotationTask.id == best)
        .values(**_leased(user, expires))
        .returning(AnnotationTask.id)
        .execution_options(synchronize_session=False)
    )


def _claim_compare_and_set(
    session: Session, project: Project, user: User, now: datetime, expires: datetime
) -> int | None:
    """SQLite has no row locks: try the best candidates in turn until one claim sticks."""
    candidates = session.execute(
        select(AnnotationTask.id, AnnotationTask.skipped_by)
        .where(AnnotationTask.project_id == project.id, _available(now))
        .order_by(AnnotationTask.priority.desc(), AnnotationTask.id)
        .limit(64)
    ).all()
    for task_id, skipped_by in candidates:
        if user.id in (skipped_by or []):
            continue
        claimed = session.execute(
            update(AnnotationTask)
            .where(AnnotationTask.id == task_id, _available(now))
            .values(**_leased(user, expires))
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
    changed = session.execute(
        update(AnnotationTask)
        .where(
            AnnotationTask.id == task.id,
            AnnotationTask.version == task.version,
            AnnotationTask.leased_by == user.id,
        )
        .values(**values)
    )
    if changed.rowcount != 1:
        session.rollback()
        raise Conflict("this task is not leased to you any more: get it again with 'next task'")
    session.commit()


def save_draft(
    session: Session, task: AnnotationTask, user: User, draft: dict, minutes: int
) -> None:
    expires = datetime.now(UTC) + timedelta(minutes=minutes)
    _update_leased(session, task, user, draft=draft, lease_expires_at=expires)


def skip(session: Session, task: AnnotationTask, user: User) -> None:
    """Hand the task back for someone else; the skipper is not offered it again."""
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
    task: AnnotationTask, submission: Submission, valid_ids: set[int], ignore_index: int
) -> np.ndarray:
    width, height = task.image.width, task.image.height
    labels = np.full((height, width), ignore_index, dtype=np.uint8)
    requested = {(p["x"], p["y"]) for p in task.points}
    for label in submission.labels:
        if label.x >= width or label.y >= height:
            raise InvalidInput(
                f"point ({label.x}, {label.y}) is outside the {width}x{height} image"
            )
        if label.class_id not in valid_ids and label.class_id != ignore_index:
            raise InvalidInput(f"unknown class id {label.class_id}")
        if task.kind == TaskKind.points and (label.x, label.y) not in requested:
            raise InvalidInput(f"point ({label.x}, {label.y}) was not requested by this task")
        labels[label.y, label.x] = label.class_id
    return labels


def _label_map_from_region(
    task: AnnotationTask,
    storage: Storage,
    png_b64: str,
    valid_ids: set[int],
    ignore_index: int,
    max_pixels: int,
) -> np.ndarray:
    try:
        data = base64.b64decode(png_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput("region_png is not valid base64") from exc
    labels = read_label_map(data, "region_png", max_pixels, valid_ids, ignore_index)
    if labels.shape != (task.image.height, task.image.width):
        raise InvalidInput(
            f"region_png is {labels.shape[1]}x{labels.shape[0]}, the image is "
            f"{task.image.width}x{task.image.height}"
        )
    if task.mask_key is not None:
        requested = read_label_map(storage.get(task.mask_key), "mask", max_pixels, {0}, 255) > 0
        labels = np.where(requested, labels, ignore_index).astype(np.uint8)
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

    The submitter may correct a submitted task: the newer annotation wins when labels merge."""
    existing = _replayed(session, task, user, submission)
    if existing is not None:
        return existing
    if submission.expected_version is not None and submission.expected_version != task.version:
        raise Conflict(
            f"the task changed since you loaded it (version {task.version}, "
            f"you had {submission.expected_version}): reload it"
        )
    if task.status == TaskStatus.done:
        last = _last_annotation(session, task)
        if last is None or last.user_id != user.id:
            raise Conflict("this task was already submitted by someone else")
    lease_end = as_utc(task.lease_expires_at)
    held_by_other = (
        task.status == TaskStatus.leased
        and task.leased_by != user.id
        and lease_end is not None
        and lease_end > datetime.now(UTC)
    )
    if held_by_other:
        raise Conflict("this task is leased by another annotator")

    valid_ids = {c["id"] for c in project.classes}
    if submission.region_png is not None:
        labels = _label_map_from_region(
            task, storage, submission.region_png, valid_ids, project.ignore_index, max_pixels
        )
        if submission.labels:
            point_labels = _label_map_from_points(task, submission, valid_ids, project.ignore_index)
            labels = np.where(point_labels != project.ignore_index, point_labels, labels)
    else:
        labels = _label_map_from_points(task, submission, valid_ids, project.ignore_index)

    # Compare-and-set on the version this request checked: of two submissions racing for one
    # task (or a lease taken meanwhile), exactly one goes on to write.
    claimed = session.execute(
        update(AnnotationTask)
        .where(AnnotationTask.id == task.id, AnnotationTask.version == task.version)
        .values(status=TaskStatus.done, draft=None, version=task.version + 1)
    )
    if claimed.rowcount != 1:
        session.rollback()
        existing = _replayed(session, task, user, submission)
        if existing is None:
            raise Conflict("the task changed while you submitted: reload it")
        return existing
    # The file is durable before the row that points to it commits; a crash in between
    # leaves only a file the retry overwrites.
    # One folder per project: a folder per task would cost another fsync on every submission.
    label_key = f"projects/{project.id}/annotations/{task.id}-{submission.client_key}.png"
    storage.put(label_key, encode_label_png(labels))
    annotation = Annotation(
        task_id=task.id,
        image_id=task.image_id,
        user_id=user.id,
        client_key=submission.client_key,
        labels=[label.model_dump() for label in submission.labels],
        label_key=label_key,
        labelled_pixels=int((labels != project.ignore_index).sum()),
        seconds_spent=submission.seconds_spent,
    )
    session.add(annotation)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = _replayed(session, task, user, submission)
        if existing is None:
            raise Conflict("this task was submitted concurrently") from None
        return existing
    return annotation
