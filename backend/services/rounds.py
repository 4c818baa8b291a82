"""Launching rounds: one active round per project, the work itself runs on the worker."""

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import (
    ACTIVE,
    Annotation,
    AnnotationTask,
    Project,
    Round,
    RoundStatus,
    TaskStatus,
    User,
)
from backend.round_settings import ModelSettings, RoundSettings
from backend.services.ledger import budget_exhausted
from backend.services.tasks import Conflict


def project_settings_snapshot(project: Project) -> dict:
    """A round keeps the settings it was launched with, whatever changes later."""
    return RoundSettings(
        selection_method=project.selection_method,
        objective=project.objective,
        objective_config=project.objective_config,
        points_per_image=project.points_per_image,
        pixel_budget=project.pixel_budget,
        images_per_round=project.images_per_round,
        model=ModelSettings.model_validate(project.model_settings),
        audit_share=project.audit_share,
        audit_min_points=project.audit_min_points,
    ).model_dump(mode="json")


def create_round(session: Session, project: Project) -> Round:
    """The project's next round, queued; refused while another is active or once the
    labelling budget is spent."""
    spent = budget_exhausted(session, project)
    if spent is not None:
        raise Conflict(spent)
    active = session.scalar(
        select(Round).where(Round.project_id == project.id, Round.status.in_(ACTIVE))
    )
    if active is not None:
        raise Conflict(f"round {active.number} of this project is still {active.status}")
    last = session.scalar(select(func.max(Round.number)).where(Round.project_id == project.id))
    round_ = Round(
        project_id=project.id,
        number=0 if last is None else last + 1,
        settings=project_settings_snapshot(project),
    )
    session.add(round_)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("another round was launched at the same time") from None
    return round_


def task_counts(session: Session, round_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(tasks, tasks done) per round id."""
    rows = session.execute(
        select(
            AnnotationTask.round_id,
            func.count(),
            func.count().filter(AnnotationTask.status == TaskStatus.done),
        )
        .where(AnnotationTask.round_id.in_(round_ids))
        .group_by(AnnotationTask.round_id)
    ).all()
    return {round_id: (total, done) for round_id, total, done in rows}


def cancel_round(session: Session, round_: Round) -> Round:
    """A queued round stops now; a running one at its next progress report (a safe point)."""
    if round_.status not in ACTIVE:
        raise Conflict(f"round {round_.number} is {round_.status}; only active rounds cancel")
    round_.cancel_requested = True
    if round_.status == RoundStatus.queued and round_.runner_id is None:
        round_.status = RoundStatus.cancelled
        round_.message = "cancelled before it started"
        round_.finished_at = datetime.now(UTC)
    else:
        round_.message = "cancel requested; stopping at the next safe point"
    session.commit()
    return round_


def retry_round(session: Session, round_: Round) -> Round:
    """Queue a failed round again; it resumes at the stage that failed, from its checkpoints."""
    if round_.status != RoundStatus.failed:
        raise Conflict(f"round {round_.number} is {round_.status}; only failed rounds retry")
    active = session.scalar(
        select(Round.id).where(
            Round.project_id == round_.project_id, Round.status.in_(ACTIVE), Round.id != round_.id
        )
    )
    if active is not None:
        raise Conflict("another round of this project is active")
    round_.status = RoundStatus.queued
    round_.error = None
    round_.finished_at = None
    round_.cancel_requested = False
    round_.message = f"retrying from {round_.stage}"
    session.commit()
    return round_


def annotator_stats(session: Session, project_id: int) -> list[dict]:
    """Per annotator: submissions, labelled pixels, time, and seconds per labelled pixel."""
    rows = session.execute(
        select(
            User.id,
            User.email,
            func.count(Annotation.id),
            func.coalesce(func.sum(Annotation.labelled_pixels), 0),
            func.coalesce(func.sum(Annotation.seconds_spent), 0.0),
        )
        .join(Annotation, Annotation.user_id == User.id)
        .join(AnnotationTask, AnnotationTask.id == Annotation.task_id)
        .where(AnnotationTask.project_id == project_id)
        .group_by(User.id, User.email)
        .order_by(User.email)
    ).all()
    return [
        {
            "user_id": user_id,
            "email": email,
            "submissions": submissions,
            "labelled_pixels": int(pixels),
            "seconds": float(seconds),
            "seconds_per_label": float(seconds) / pixels if pixels else None,
        }
        for user_id, email, submissions, pixels, seconds in rows
    ]
