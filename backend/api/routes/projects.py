import hashlib
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Response, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend.api.deps import AdminUser, CurrentUser, SessionDep, get_project_or_404
from backend.models import Project, ProjectMember, Role, User
from backend.schemas import (
    MemberAdd,
    ProjectCreate,
    ProjectOut,
    ProjectUpdate,
    UserOut,
    check_budget,
    check_objective,
)
from backend.services.projects import new_project

router = APIRouter(prefix="/projects", tags=["projects"])

# Settings every project has; null is only meaningful for the optional schedule and budget
# settings (and for objective_config, which then falls back to the objective's defaults).
REQUIRED_SETTINGS = (
    "selection_method",
    "objective",
    "points_per_image",
    "pixel_budget",
    "images_per_round",
    "model_settings",
    "audit_share",
    "audit_min_points",
)


@router.get("")
def list_projects(session: SessionDep, user: CurrentUser) -> list[ProjectOut]:
    query = select(Project).order_by(Project.id)
    if user.role != Role.admin:
        query = query.join(ProjectMember, ProjectMember.project_id == Project.id).where(
            ProjectMember.user_id == user.id
        )
    return [ProjectOut.model_validate(p) for p in session.scalars(query)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_project(body: ProjectCreate, session: SessionDep, _: AdminUser) -> ProjectOut:
    project = new_project(body)
    session.add(project)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"a project named {body.name!r} exists"
        ) from None
    return ProjectOut.model_validate(project)


def _etag(out: ProjectOut) -> str:
    """A version of the project: any change to it gives another value."""
    return f'"{hashlib.sha256(out.model_dump_json().encode()).hexdigest()[:32]}"'


def _with_etag(project: Project, response: Response) -> ProjectOut:
    out = ProjectOut.model_validate(project)
    response.headers["ETag"] = _etag(out)
    return out


@router.get("/{project_id}")
def read_project(
    project_id: int, response: Response, session: SessionDep, user: CurrentUser
) -> ProjectOut:
    return _with_etag(get_project_or_404(session, user, project_id), response)


@router.patch(
    "/{project_id}",
    responses={412: {"description": "If-Match is not the project's current ETag"}},
)
def update_project(
    project_id: int,
    body: ProjectUpdate,
    response: Response,
    session: SessionDep,
    admin: AdminUser,
    if_match: Annotated[
        str | None,
        Header(description="The ETag you loaded: two admins' edits never overwrite each other."),
    ] = None,
) -> ProjectOut:
    """Settings apply from the next round on; a running round keeps its snapshot."""
    project = get_project_or_404(session, admin, project_id)
    if if_match is not None:
        # Locked until the commit, so comparing and writing are one step.
        session.refresh(project, with_for_update=True)
        if if_match not in ("*", _etag(ProjectOut.model_validate(project))):
            raise HTTPException(
                status.HTTP_412_PRECONDITION_FAILED,
                "the project changed since you loaded it: reload it and make your change again",
            )
    changes = body.model_dump(exclude_unset=True, mode="json")
    nulls = sorted(
        field for field in REQUIRED_SETTINGS if field in changes and changes[field] is None
    )
    if nulls:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{', '.join(nulls)} cannot be null: leave a setting out to keep its value",
        )
    if "objective" in changes or "objective_config" in changes:
        try:
            changes["objective_config"] = check_objective(
                changes.get("objective", project.objective),
                changes.get("objective_config", project.objective_config),
            )
        except ValueError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    try:
        check_budget(
            changes.get("budget_unit", project.budget_unit),
            changes.get("budget_amount", project.budget_amount),
        )
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    for field, value in changes.items():
        setattr(project, field, value)
    session.commit()
    return _with_etag(project, response)


@router.get("/{project_id}/members")
def list_members(project_id: int, session: SessionDep, admin: AdminUser) -> list[UserOut]:
    get_project_or_404(session, admin, project_id)
    users = session.scalars(
        select(User)
        .join(ProjectMember, ProjectMember.user_id == User.id)
        .where(ProjectMember.project_id == project_id)
    )
    return [UserOut.model_validate(u) for u in users]


@router.post("/{project_id}/members", status_code=status.HTTP_201_CREATED)
def add_member(project_id: int, body: MemberAdd, session: SessionDep, admin: AdminUser) -> UserOut:
    get_project_or_404(session, admin, project_id)
    user = session.get(User, body.user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "User not found")
    exists = session.scalar(
        select(ProjectMember.id).where(
            ProjectMember.project_id == project_id, ProjectMember.user_id == user.id
        )
    )
    if exists is None:
        session.add(ProjectMember(project_id=project_id, user_id=user.id))
        session.commit()
    return UserOut.model_validate(user)
