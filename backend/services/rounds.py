"""Launching rounds: one active round per project, the work itself runs on the worker."""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import AnnotationTask, Project, Round, RoundStatus, TaskStatus
from backend.services.tasks import Conflict

ACTIVE = (RoundStatus.queued, RoundStatus.running)


def project_settings_snapshot(project: Project) -> dict:
    """A round keeps the settings it was launched with, whatever changes later."""
    return {
        "selection_method": project.selection_method,
        "objective": project.objective,
        "objective_config": project.objective_config,
        "points_per_image": project.points_per_image,
        "pixel_budget": project.pixel_budget,
        "images_per_round": project.images_per_round,
        "model": project.model_settings,
    }


def create_round(session: Session, project: Project) -> Round:
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
