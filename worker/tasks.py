"""Celery tasks. Messages carry ids only; the database says what is left to do."""

import logging
from datetime import UTC, datetime, timedelta

from celery.signals import worker_ready
from sqlalchemy import or_, select

from backend.db import open_session
from backend.models import Round, RoundStatus
from backend.services.queue import CPU_QUEUE, RECOVER_ROUNDS, REFRESH_AUDIT, RUN_ROUND
from worker.celery_app import celery_app
from worker.pipeline.audit import refresh_estimates
from worker.pipeline.runner import Outcome, advance
from worker.pipeline.state import LEASE_SECONDS

log = logging.getLogger(__name__)


@celery_app.task(name=RUN_ROUND, bind=True, max_retries=None)
def run_round(self, round_id: int) -> str:
    """Run the round's next stage, then queue the one after: stages are separate messages,
    so a crash costs at most one stage (and training resumes from its checkpoint)."""
    outcome = advance(round_id)
    if outcome == Outcome.next_stage:
        run_round.apply_async(args=(round_id,))
    elif outcome == Outcome.busy:
        raise self.retry(countdown=LEASE_SECONDS)
    return outcome


@celery_app.task(name=REFRESH_AUDIT)
def refresh_audit(project_id: int) -> str:
    """Every trained round re-estimated on the audit labels known now (idempotent: a
    duplicate finds the estimates current)."""
    return refresh_estimates(project_id)


@celery_app.task(name=RECOVER_ROUNDS, queue=CPU_QUEUE)
def recover_rounds() -> list[int]:
    """Re-queue running rounds whose runner stopped sending heartbeats (it died)."""
    stale_before = datetime.now(UTC) - timedelta(seconds=LEASE_SECONDS)
    with open_session() as session:
        round_ids = list(
            session.scalars(
                select(Round.id).where(
                    Round.status == RoundStatus.running,
                    or_(Round.heartbeat_at.is_(None), Round.heartbeat_at < stale_before),
                )
            )
        )
    for round_id in round_ids:
        log.warning("round %s lost its runner; re-queueing it", round_id)
        run_round.apply_async(args=(round_id,))
    return round_ids


@worker_ready.connect
def _recover_after_start(sender, **_) -> None:
    """A worker that starts after a crash picks up the rounds the dead one held, once their
    lease has run out."""
    recover_rounds.apply_async(countdown=LEASE_SECONDS + 1)
