"""Celery beat's job: launch a project's next round when its labels are in or its time comes.

Torch-free and idempotent: every decision is re-read from the database, and launching goes
through the same one-active-round rule as the API, so two schedulers (or a scheduler and an
admin) can never start two rounds of one project."""

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from backend.db import open_session
from backend.models import ACTIVE, Project, Round, RoundStatus
from backend.services.ledger import budget_exhausted
from backend.services.queue import CPU_QUEUE, RUN_ROUND, SCHEDULE_ROUNDS
from backend.services.rounds import create_round, task_counts
from backend.services.tasks import Conflict, as_utc
from worker.celery_app import celery_app

log = logging.getLogger(__name__)


def _due(session, project: Project, now: datetime) -> str | None:
    """Why the project's next round should start now, or None."""
    rounds = session.scalar(select(func.count()).where(Round.project_id == project.id))
    if project.max_rounds is not None and rounds >= project.max_rounds:
        return None
    if budget_exhausted(session, project) is not None:
        return None
    last = session.scalar(
        select(Round).where(Round.project_id == project.id).order_by(Round.number.desc()).limit(1)
    )
    if last is None or last.status in ACTIVE:
        return None
    if project.auto_advance_fraction is not None and last.status == RoundStatus.done:
        total, done = task_counts(session, [last.id]).get(last.id, (0, 0))
        if total and done / total >= project.auto_advance_fraction:
            return f"{done}/{total} tasks of round {last.number} are labelled"
    finished = as_utc(last.finished_at)
    if (
        project.schedule_minutes is not None
        and finished is not None
        and now - finished >= timedelta(minutes=project.schedule_minutes)
    ):
        return f"{project.schedule_minutes} minutes since round {last.number} ended"
    return None


def schedule_due_rounds() -> list[int]:
    """Launch every due round; returns the new round ids."""
    launched = []
    now = datetime.now(UTC)
    with open_session() as session:
        projects = session.scalars(
            select(Project).where(
                (Project.auto_advance_fraction.is_not(None))
                | (Project.schedule_minutes.is_not(None))
            )
        ).all()
        for project in projects:
            reason = _due(session, project, now)
            if reason is None:
                continue
            try:
                round_ = create_round(session, project)
            except Conflict:
                continue
            round_.message = f"scheduled: {reason}"
            session.commit()
            celery_app.send_task(RUN_ROUND, args=[round_.id])
            log.info("project %s: launched round %s (%s)", project.id, round_.number, reason)
            launched.append(round_.id)
    return launched


@celery_app.task(name=SCHEDULE_ROUNDS, queue=CPU_QUEUE)
def schedule_rounds() -> list[int]:
    return schedule_due_rounds()
