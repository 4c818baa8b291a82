"""Which round's model a project serves when nobody names one: the round an admin pinned,
else the latest estimated round unless an earlier one is measurably better on the audit points
(its paired interval against the latest lies above 0: the best such), else (no estimate yet)
the latest trained.

Measurably, not merely a higher estimate: a few hundred audit points move an mIoU estimate by
several points (rare classes), so the highest estimate often picks an older, worse round,
while two rounds compared on the same points differ far less by chance
(benchmarks/README.md, issue 17). Estimates are compared only when they rest on the same
audit labels (every estimate covers all rounds on all labels so far)."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.audit_schemas import CurrentModelOut, CurrentModelReason, RoundAudit
from backend.models import Project, Round
from backend.services.tasks import Conflict


def _trained(session: Session, project_id: int) -> list[Round]:
    return list(
        session.scalars(
            select(Round)
            .where(Round.project_id == project_id, Round.checkpoint_key.is_not(None))
            .order_by(Round.number)
        )
    )


def _estimate(round_: Round) -> RoundAudit | None:
    return RoundAudit.model_validate(round_.audit) if round_.audit else None


def choose_round(estimates: Sequence[RoundAudit]) -> tuple[int, CurrentModelReason]:
    """Among estimates on one set of audit labels, in round order, the index to serve: the
    best of those measurably better than the latest, else the latest. The one rule the API,
    exports and the benchmarks apply."""
    better = [i for i, e in enumerate(estimates) if e.versus_latest and e.versus_latest.low > 0]
    if not better:
        return len(estimates) - 1, CurrentModelReason.latest_audited
    best = max(better, key=lambda i: (estimates[i].miou or 0.0, i))
    return best, CurrentModelReason.better_audit


def current_model(session: Session, project: Project) -> tuple[Round | None, CurrentModelReason]:
    if project.pinned_round_id is not None:
        pinned = session.get(Round, project.pinned_round_id)
        if pinned is not None and pinned.checkpoint_key is not None:
            return pinned, CurrentModelReason.pinned
    trained = _trained(session, project.id)
    estimated = [
        (estimate, round_)
        for round_ in trained
        if (estimate := _estimate(round_)) is not None and estimate.miou is not None
    ]
    if estimated:
        newest = max(estimate.labels_as_of_round for estimate, _ in estimated)
        comparable = [(e, r) for e, r in estimated if e.labels_as_of_round == newest]
        index, reason = choose_round([e for e, _ in comparable])
        return comparable[index][1], reason
    if trained:
        return trained[-1], CurrentModelReason.latest
    return None, CurrentModelReason.none


def current_model_out(session: Session, project: Project) -> CurrentModelOut:
    round_, reason = current_model(session, project)
    return CurrentModelOut(
        round_id=round_.id if round_ else None,
        number=round_.number if round_ else None,
        reason=reason,
        pinned_round_id=project.pinned_round_id,
        estimate=_estimate(round_) if round_ else None,
        val_miou=(round_.metrics or {}).get("miou") if round_ else None,
    )


def pin(session: Session, project: Project, round_id: int) -> None:
    """Serve this round's model until unpinned. LookupError: not a round of the project;
    Conflict: it has no model."""
    round_ = session.get(Round, round_id)
    if round_ is None or round_.project_id != project.id:
        raise LookupError(f"round {round_id} is not a round of this project")
    if round_.checkpoint_key is None:
        raise Conflict(f"round {round_.number} has no trained model to serve")
    project.pinned_round_id = round_.id
    session.commit()


def unpin(session: Session, project: Project) -> None:
    project.pinned_round_id = None
    session.commit()
