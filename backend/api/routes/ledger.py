"""The label ledger and budget, as JSON or as CSV (`?format=csv`)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from backend.api.deps import CurrentUser, SessionDep, get_project_or_404
from backend.ledger_schemas import LedgerOut
from backend.models import Role
from backend.services.ledger import ledger, ledger_csv

router = APIRouter(tags=["ledger"])

CSV = {"content": {"text/csv": {}}, "description": "With format=csv: one line per row"}


@router.get("/projects/{project_id}/ledger", response_model=LedgerOut, responses={200: CSV})
def read_ledger(
    project_id: int,
    session: SessionDep,
    user: CurrentUser,
    format: Annotated[Literal["json", "csv"], Query(description="csv: the rows as CSV")] = "json",
) -> LedgerOut | Response:
    """Per round and annotator: submissions, labelled points, painted pixels, segments,
    skipped tasks and active seconds, beside the budget spent and left. Admins see every
    annotator, audit effort apart; an annotator sees their own rows."""
    project = get_project_or_404(session, user, project_id)
    out = ledger(session, project, user, admin=user.role == Role.admin)
    if format == "json":
        return out
    return Response(
        ledger_csv(out),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="project{project.id}-ledger.csv"'},
    )
