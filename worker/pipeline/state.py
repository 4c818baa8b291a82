"""Round bookkeeping in the database: the lease that keeps one runner per round, progress, ETA."""

import os
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Update, or_, update
from sqlalchemy.orm import Session

from backend.config import get_settings
from backend.db import open_session
from backend.models import ACTIVE, Round

LEASE_SECONDS = get_settings().round_lease_seconds
HEARTBEAT_SECONDS = 2.0
# torchrun's processes carry their worker's id: they train under the lease it holds.
RUNNER_ID = (
    os.environ.get("SEGLOOP_RUNNER_ID")
    or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
)

# Share of a round's total progress each stage accounts for, in the order they run. Model A is
# evaluated before selector B trains: its figures show sooner, and a round cancelled once
# evaluated (one whose selection nobody will label) never pays for B.
STAGE_WEIGHTS = {
    "prepare": 0.05,
    "train_model": 0.45,
    "evaluate": 0.05,
    "train_selector": 0.25,
    "select": 0.15,
    "publish": 0.05,
}
STAGES = tuple(STAGE_WEIGHTS)


def next_stage(stage: str) -> str:
    if stage == "queued":
        return STAGES[0]
    index = STAGES.index(stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else "done"


def _execute_update(session: Session, statement: Update) -> CursorResult[Any]:
    """Session.execute typed as what it returns for an UPDATE without RETURNING (SQLAlchemy
    types every Session.execute as Result, which has no rowcount)."""
    return cast(CursorResult[Any], session.execute(statement))


def claim(round_id: int) -> bool:
    """Compare-and-set: take the round unless another live runner holds it."""
    now = datetime.now(UTC)
    with open_session() as session:
        result = _execute_update(
            session,
            update(Round)
            .where(
                Round.id == round_id,
                Round.status.in_(ACTIVE),
                or_(
                    Round.runner_id.is_(None),
                    Round.runner_id == RUNNER_ID,
                    Round.heartbeat_at < now - timedelta(seconds=LEASE_SECONDS),
                ),
            )
            .values(runner_id=RUNNER_ID, heartbeat_at=now),
        )
        session.commit()
        return result.rowcount == 1


class CancelRequested(Exception):
    pass


class LeaseLost(Exception):
    """Another runner took the round over (ours stalled past the lease); stop quietly."""


class ProgressReporter:
    """Writes stage progress and an ETA at most every few seconds; doubles as heartbeat."""

    def __init__(self, round_id: int, stage: str) -> None:
        self.round_id = round_id
        self.stage = stage
        self.base = sum(STAGE_WEIGHTS[s] for s in STAGES[: STAGES.index(stage)])
        self.weight = STAGE_WEIGHTS[stage]
        self.started = time.monotonic()
        self.last_write = 0.0

    def __call__(self, done: int, total: int, detail: str = "", force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last_write < HEARTBEAT_SECONDS:
            return
        self.last_write = now
        fraction = min(done / total, 1.0) if total else 1.0
        eta = (now - self.started) / fraction * (1 - fraction) if fraction > 0 else None
        message = f"{self.stage} {done}/{total}" + (f" {detail}" if detail else "")
        if eta is not None and fraction < 1:
            message += f", ETA {eta:.0f}s"
        self.write(self.base + self.weight * fraction, message)

    def write(self, progress: float, message: str) -> None:
        with open_session() as session:
            result = _execute_update(
                session,
                update(Round)
                .where(Round.id == self.round_id, Round.runner_id == RUNNER_ID)
                .values(
                    progress=progress,
                    message=message,
                    stage=self.stage,
                    heartbeat_at=datetime.now(UTC),
                ),
            )
            session.commit()
            if result.rowcount != 1:
                raise LeaseLost(f"round {self.round_id} is no longer ours")
            round_ = session.get(Round, self.round_id)
            if round_ is not None and round_.cancel_requested:
                raise CancelRequested()
