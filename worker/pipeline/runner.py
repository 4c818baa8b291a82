"""Advancing a round one stage at a time; every call is safe to repeat."""

import logging
import traceback
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import update

from backend.db import open_session
from backend.models import ACTIVE, Round, RoundStatus
from worker.pipeline.context import PipelineError, load_context
from worker.pipeline.stages import STAGE_FUNCTIONS
from worker.pipeline.state import (
    RUNNER_ID,
    STAGE_WEIGHTS,
    STAGES,
    CancelRequested,
    LeaseLost,
    ProgressReporter,
    claim,
    next_stage,
)

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    next_stage = "next_stage"
    finished = "finished"
    busy = "busy"
    inactive = "inactive"


def _finish(round_id: int, **values) -> None:
    """Write the outcome and release the lease, only if the round is still ours."""
    with open_session() as session:
        session.execute(
            update(Round)
            .where(Round.id == round_id, Round.runner_id == RUNNER_ID)
            .values(runner_id=None, **values)
        )
        session.commit()


def _start(round_id: int) -> str | None:
    """Mark the round running and return its current stage, or None if it should stop."""
    with open_session() as session:
        round_ = session.get_one(Round, round_id)
        if round_.cancel_requested:
            return None
        if round_.status == RoundStatus.queued:
            round_.status = RoundStatus.running
            round_.started_at = round_.started_at or datetime.now(UTC)
        if round_.stage == "queued":
            round_.stage = STAGES[0]
        round_.error = None
        session.commit()
        return round_.stage


def advance(round_id: int) -> Outcome:
    """Run the round's current stage and record what came of it."""
    if not claim(round_id):
        with open_session() as session:
            round_ = session.get(Round, round_id)
            active = round_ is not None and round_.status in ACTIVE
        return Outcome.busy if active else Outcome.inactive
    stage = _start(round_id)
    now = datetime.now(UTC)
    if stage is None:
        _finish(round_id, status=RoundStatus.cancelled, message="cancelled", finished_at=now)
        return Outcome.finished
    report = ProgressReporter(round_id, stage)
    try:
        report(0, 1, "started", force=True)
        STAGE_FUNCTIONS[stage](load_context(round_id), report)
    except CancelRequested:
        _finish(
            round_id,
            status=RoundStatus.cancelled,
            message=f"cancelled during {stage}",
            finished_at=datetime.now(UTC),
        )
        return Outcome.finished
    except LeaseLost:
        log.warning("round %s: lease lost during %s; another worker continues", round_id, stage)
        return Outcome.inactive
    except Exception as exc:
        log.error("round %s failed in %s:\n%s", round_id, stage, traceback.format_exc())
        reason = str(exc) if isinstance(exc, PipelineError) else f"{type(exc).__name__}: {exc}"
        _finish(
            round_id,
            status=RoundStatus.failed,
            error=f"{stage}: {reason}",
            message=f"failed during {stage}",
            finished_at=datetime.now(UTC),
        )
        return Outcome.finished
    following = next_stage(stage)
    if following == "done":
        _finish(
            round_id,
            stage="done",
            status=RoundStatus.done,
            progress=1.0,
            message="done",
            finished_at=datetime.now(UTC),
        )
        return Outcome.finished
    progress = sum(STAGE_WEIGHTS[s] for s in STAGES[: STAGES.index(following)])
    _finish(round_id, stage=following, progress=progress, message=f"{following} queued")
    return Outcome.next_stage
