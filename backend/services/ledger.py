"""The label ledger: per round and annotator, what was labelled and what it took, and the
project's budget against it. Everything is summed from the annotation and skip rows at
request time, so the ledger is always exactly what was submitted and skipped."""

import csv
import io
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.ledger_schemas import BudgetOut, LedgerCounts, LedgerOut, LedgerRow
from backend.models import (
    Annotation,
    AnnotationTask,
    BudgetUnit,
    Project,
    Round,
    TaskPurpose,
    TaskSkip,
    User,
)

COUNTS = tuple(LedgerCounts.model_fields)
# What annotators' effort is recorded in: submissions and skips, each of one task by one user.
Work = type[Annotation] | type[TaskSkip]
AUDIT = ("audit_submissions", "audit_points", "audit_seconds")


def _per_round_and_user(
    session: Session, project_id: int, user_id: int | None, work: Work, *sums: Any
) -> list[Any]:
    """(round id, user id, task purpose, *sums) over the project's rows of `work`, grouped by
    the task's round, the row's user and the task's purpose; one user's rows given `user_id`."""
    query = (
        select(AnnotationTask.round_id, work.user_id, AnnotationTask.purpose, *sums)
        .join(AnnotationTask, AnnotationTask.id == work.task_id)
        .where(AnnotationTask.project_id == project_id)
        .group_by(AnnotationTask.round_id, work.user_id, AnnotationTask.purpose)
    )
    if user_id is not None:
        query = query.where(work.user_id == user_id)
    return list(session.execute(query).all())


def _total(column: Any) -> Any:
    return func.coalesce(func.sum(column), 0)


def _cells(session: Session, project_id: int, only: int | None, apart: bool):
    """Counts per (round id, user id); audit effort in the audit fields when `apart`. Audit
    tasks ask for points, so painted pixels and segments (of any task) stay in theirs."""
    cells: dict[tuple[int, int], dict[str, Any]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    submitted = _per_round_and_user(
        session,
        project_id,
        only,
        Annotation,
        func.count(Annotation.id),
        _total(Annotation.points),
        _total(Annotation.painted_pixels),
        _total(Annotation.segments),
        _total(Annotation.seconds_spent),
    )
    skipped = _per_round_and_user(
        session, project_id, only, TaskSkip, func.count(TaskSkip.id), _total(TaskSkip.seconds_spent)
    )
    for round_id, user_id, purpose, *sums in submitted:
        submissions, points, painted, segments, seconds = sums
        cell = cells[(round_id, user_id)]
        prefix = "audit_" if apart and purpose == TaskPurpose.audit else ""
        cell[f"{prefix}submissions"] += submissions
        cell[f"{prefix}points"] += int(points)
        cell[f"{prefix}seconds"] += float(seconds)
        cell["painted_pixels"] += int(painted)
        cell["segments"] += int(segments)
    for round_id, user_id, purpose, skips, seconds in skipped:
        cell = cells[(round_id, user_id)]
        cell["skipped_tasks"] += skips
        prefix = "audit_" if apart and purpose == TaskPurpose.audit else ""
        cell[f"{prefix}seconds"] += float(seconds)  # the time before a skip is work too
    return cells


def ledger(session: Session, project: Project, viewer: User, admin: bool) -> LedgerOut:
    """Admins see every row, audit effort apart; an annotator sees only their own rows, with
    audit effort folded in, so their ledger cannot point out which of their tasks were audits."""
    cells = _cells(session, project.id, None if admin else viewer.id, apart=admin)
    numbers = dict(
        session.execute(select(Round.id, Round.number).where(Round.project_id == project.id)).all()
    )
    user_ids = {user_id for _, user_id in cells}
    emails = dict(session.execute(select(User.id, User.email).where(User.id.in_(user_ids))).all())
    rows = [
        LedgerRow(
            round_id=round_id,
            round_number=numbers[round_id],
            user_id=user_id,
            email=emails.get(user_id, ""),
            **{**cell, **({} if admin else dict.fromkeys(AUDIT))},
        )
        for (round_id, user_id), cell in cells.items()
    ]
    rows.sort(key=lambda row: (row.round_number, row.email))
    totals = {
        name: None if not admin and name in AUDIT else sum(getattr(row, name) for row in rows)
        for name in COUNTS
    }
    return LedgerOut(
        project_id=project.id,
        budget=budget(session, project),
        rows=rows,
        totals=LedgerCounts(**totals),
    )


def spent(session: Session, project_id: int, unit: BudgetUnit) -> float:
    """What the project's labelling has cost in `unit`, audit tasks included (they are work),
    and in hours the seconds spent on tasks before skipping them."""
    column = {
        BudgetUnit.points: Annotation.points,
        BudgetUnit.pixels: Annotation.labelled_pixels,
        BudgetUnit.hours: Annotation.seconds_spent,
    }[unit]
    total = _project_total(session, project_id, Annotation, column)
    if unit != BudgetUnit.hours:
        return total
    return (total + _project_total(session, project_id, TaskSkip, TaskSkip.seconds_spent)) / 3600


def _project_total(session: Session, project_id: int, work: Work, column: Any) -> float:
    total = session.scalar(
        select(_total(column))
        .join(AnnotationTask, AnnotationTask.id == work.task_id)
        .where(AnnotationTask.project_id == project_id)
    )
    return float(total or 0)


def budget(session: Session, project: Project) -> BudgetOut:
    if project.budget_unit is None or project.budget_amount is None:
        return BudgetOut(unit=None, amount=None, spent=None, remaining=None, exhausted=False)
    unit = BudgetUnit(project.budget_unit)
    used = spent(session, project.id, unit)
    return BudgetOut(
        unit=unit,
        amount=project.budget_amount,
        spent=used,
        remaining=max(project.budget_amount - used, 0.0),
        exhausted=used >= project.budget_amount,
    )


def budget_exhausted(session: Session, project: Project) -> str | None:
    """Why no further round may start, when the budget is spent; None while some is left."""
    state = budget(session, project)
    if not state.exhausted:
        return None
    return (
        f"the labelling budget is spent ({state.spent:g} of {state.amount:g} {state.unit}): "
        "raise budget_amount, or clear budget_unit, to launch another round"
    )


def ledger_csv(out: LedgerOut) -> str:
    """The rows as CSV, one per round and annotator; text cells cannot start a formula."""
    names = ["round_id", "round_number", "user_id", "email", *COUNTS]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    for row in out.rows:
        values = row.model_dump()
        writer.writerow(["" if values[n] is None else _cell(values[n]) for n in names])
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
