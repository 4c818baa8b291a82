"""The model a project serves: which round it is and why, and an admin's pin."""

from fastapi import APIRouter, HTTPException, status

from backend.api.deps import AdminUser, CurrentUser, SessionDep, get_project_or_404
from backend.audit_schemas import CurrentModelOut, PinRequest
from backend.services import audit
from backend.services.tasks import Conflict

router = APIRouter(tags=["audit"])


@router.get("/projects/{project_id}/current-model")
def current_model(project_id: int, session: SessionDep, user: CurrentUser) -> CurrentModelOut:
    """The round whose model /predict, exports and task pre-fill use when none is named: the
    pinned round, else the best audit mIoU estimate, else the latest trained round."""
    return audit.current_model_out(session, get_project_or_404(session, user, project_id))


@router.put(
    "/projects/{project_id}/pinned-round",
    responses={
        404: {"description": "No such round in this project"},
        409: {"description": "It has no model"},
    },
)
def pin_round(
    project_id: int, body: PinRequest, session: SessionDep, admin: AdminUser
) -> CurrentModelOut:
    """Serve this round's model whatever the estimates say, until unpinned."""
    project = get_project_or_404(session, admin, project_id)
    try:
        audit.pin(session, project, body.round_id)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return audit.current_model_out(session, project)


@router.delete("/projects/{project_id}/pinned-round")
def unpin_round(project_id: int, session: SessionDep, admin: AdminUser) -> CurrentModelOut:
    """Let the audit estimates choose again."""
    project = get_project_or_404(session, admin, project_id)
    audit.unpin(session, project)
    return audit.current_model_out(session, project)
