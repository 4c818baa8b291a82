from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from backend.api.deps import AdminUser, CurrentUser, SessionDep, get_project_or_404
from backend.models import Round, RoundStatus
from backend.schemas import AnnotatorStat, RoundMetrics, RoundOut
from backend.services.queue import enqueue_round
from backend.services.rounds import (
    annotator_stats,
    cancel_round,
    create_round,
    retry_round,
    task_counts,
)
from backend.services.tasks import Conflict

router = APIRouter(tags=["rounds"])


def round_out(session: SessionDep, rounds: list[Round]) -> list[RoundOut]:
    counts = task_counts(session, [r.id for r in rounds])
    out = []
    for round_ in rounds:
        total, done = counts.get(round_.id, (0, 0))
        out.append(
            RoundOut.model_validate(round_).model_copy(
                update={
                    "task_count": total,
                    "tasks_done": done,
                    "has_model": round_.checkpoint_key is not None,
                }
            )
        )
    return out


def _round_or_404(session: SessionDep, user: CurrentUser, round_id: int) -> Round:
    round_ = session.get(Round, round_id)
    if round_ is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Round not found")
    get_project_or_404(session, user, round_.project_id)
    return round_


def _enqueue(session: SessionDep, round_: Round) -> RoundOut:
    try:
        enqueue_round(round_.id)
    except Exception as exc:
        round_.status = RoundStatus.failed
        round_.error = f"could not reach the task broker: {exc}"
        session.commit()
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, round_.error) from exc
    return round_out(session, [round_])[0]


@router.post("/projects/{project_id}/rounds", status_code=status.HTTP_202_ACCEPTED)
def launch_round(project_id: int, session: SessionDep, admin: AdminUser) -> RoundOut:
    """Queue the next round; the worker trains, evaluates, selects and publishes tasks."""
    project = get_project_or_404(session, admin, project_id)
    try:
        round_ = create_round(session, project)
    except Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return _enqueue(session, round_)


@router.post("/rounds/{round_id}/cancel", status_code=status.HTTP_202_ACCEPTED)
def cancel(round_id: int, session: SessionDep, admin: AdminUser) -> RoundOut:
    try:
        round_ = cancel_round(session, _round_or_404(session, admin, round_id))
    except Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return round_out(session, [round_])[0]


@router.post("/rounds/{round_id}/retry", status_code=status.HTTP_202_ACCEPTED)
def retry(round_id: int, session: SessionDep, admin: AdminUser) -> RoundOut:
    try:
        round_ = retry_round(session, _round_or_404(session, admin, round_id))
    except Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return _enqueue(session, round_)


@router.get("/projects/{project_id}/annotator-stats")
def project_annotator_stats(
    project_id: int, session: SessionDep, admin: AdminUser
) -> list[AnnotatorStat]:
    get_project_or_404(session, admin, project_id)
    return [AnnotatorStat.model_validate(row) for row in annotator_stats(session, project_id)]


@router.get("/projects/{project_id}/rounds")
def list_rounds(project_id: int, session: SessionDep, user: CurrentUser) -> list[RoundOut]:
    get_project_or_404(session, user, project_id)
    rounds = session.scalars(
        select(Round).where(Round.project_id == project_id).order_by(Round.number)
    ).all()
    return round_out(session, list(rounds))


@router.get("/rounds/{round_id}")
def read_round(round_id: int, session: SessionDep, user: CurrentUser) -> RoundOut:
    return round_out(session, [_round_or_404(session, user, round_id)])[0]


@router.get("/rounds/{round_id}/metrics")
def round_metrics(round_id: int, session: SessionDep, user: CurrentUser) -> RoundMetrics:
    round_ = _round_or_404(session, user, round_id)
    if round_.metrics is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This round has no metrics yet")
    return RoundMetrics.model_validate(round_.metrics)
