from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from backend.api.deps import (
    CurrentUser,
    SessionDep,
    SettingsDep,
    StorageDep,
    TokenDep,
    get_project_or_404,
    in_one_thread,
)
from backend.images import InvalidInput
from backend.models import AnnotationTask, Project, TaskPurpose, User
from backend.schemas import AnnotationOut, Draft, Point, Skip, Submission, TaskOut
from backend.services import tasks as task_service
from backend.services.access import VisibleQuery
from backend.services.queue import enqueue_audit_refresh
from backend.storage import Storage

router = APIRouter(tags=["tasks"])


def _task_out(task: AnnotationTask) -> TaskOut:
    return TaskOut(
        id=task.id,
        project_id=task.project_id,
        round_id=task.round_id,
        image_id=task.image_id,
        image_name=task.image.name,
        kind=task.kind,
        points=[Point(**p) for p in task.points],
        width=task.image.width,
        height=task.image.height,
        status=task.status,
        lease_expires_at=task.lease_expires_at,
        requested_pixels=task.requested_pixels,
        version=task.version,
        draft=task.draft,
        image_url=f"/api/v1/images/{task.image_id}/file",
        mask_url=f"/api/v1/tasks/{task.id}/mask.png" if task.mask_key else None,
        prediction_url=(f"/api/v1/tasks/{task.id}/prediction.png" if task.prediction_key else None),
    )


_TASK_AND_PROJECT = VisibleQuery(
    select(AnnotationTask, Project)
    .join(Project, Project.id == AnnotationTask.project_id)
    .options(joinedload(AnnotationTask.image))
    .where(AnnotationTask.id == bindparam("task_id")),
    AnnotationTask.project_id,
)


def _task_and_project(session: Session, user: User, task_id: int) -> tuple[AnnotationTask, Project]:
    """The task with its image, and its project, in one query (this is on every annotation
    request); a task of a project the caller is not in is reported missing."""
    row = _TASK_AND_PROJECT.execute(session, user, task_id=task_id).first()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Task not found")
    task, project = row
    return task, project


def _task_or_404(session: Session, user: User, task_id: int) -> AnnotationTask:
    return _task_and_project(session, user, task_id)[0]


# The annotation endpoints below are the busiest: each runs its work in one thread hop.


@router.post(
    "/projects/{project_id}/tasks/next",
    # No task waiting answers a bare 204 Response; the body, when there is one, is a TaskOut.
    response_model=TaskOut | None,
    responses={204: {"description": "No task is waiting"}},
)
async def next_task(project_id: int, settings: SettingsDep, token: TokenDep) -> TaskOut | Response:
    """Lease the next task: nobody else gets it until it is submitted or the lease expires."""

    def lease(session: Session, user: User) -> TaskOut | Response:
        task = task_service.lease_next(session, project_id, user, settings.lease_minutes)
        if task is None:
            get_project_or_404(session, user, project_id)  # no task, or no project to see?
            return Response(status_code=status.HTTP_204_NO_CONTENT)
        return _task_out(task)

    return await in_one_thread(lease, settings, token)


@router.get("/tasks/{task_id}")
async def read_task(task_id: int, settings: SettingsDep, token: TokenDep) -> TaskOut:
    def read(session: Session, user: User) -> TaskOut:
        return _task_out(_task_or_404(session, user, task_id))

    return await in_one_thread(read, settings, token)


def _stored_png(
    storage: Storage, task_id: int, key_of: Callable[[AnnotationTask], str | None], missing: str
) -> Callable[[Session, User], Response]:
    """The endpoint's work: the PNG a task refers to, read from storage."""

    def read(session: Session, user: User) -> Response:
        key = key_of(_task_or_404(session, user, task_id))
        if key is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, missing)
        return Response(storage.get(key), media_type="image/png")

    return read


@router.get("/tasks/{task_id}/mask.png", response_class=Response)
async def task_mask(task_id: int, settings: SettingsDep, storage: StorageDep, token: TokenDep):
    """The selector's mask: requested pixels (region tasks) or inconsistent pixels (points)."""
    work = _stored_png(storage, task_id, lambda task: task.mask_key, "This task has no mask")
    return await in_one_thread(work, settings, token)


@router.get("/tasks/{task_id}/prediction.png", response_class=Response)
async def task_prediction(
    task_id: int, settings: SettingsDep, storage: StorageDep, token: TokenDep
):
    """Model A's class per pixel (one-channel PNG), to pre-fill segments."""
    work = _stored_png(
        storage, task_id, lambda task: task.prediction_key, "This task has no prediction"
    )
    return await in_one_thread(work, settings, token)


@router.post("/tasks/{task_id}/submit")
async def submit_task(
    task_id: int, body: Submission, settings: SettingsDep, storage: StorageDep, token: TokenDep
) -> AnnotationOut:
    """Acknowledged only once the label map is stored and the row committed; retry-safe."""

    def submit(session: Session, user: User) -> AnnotationOut:
        task, project = _task_and_project(session, user, task_id)
        try:
            annotation = task_service.submit(
                session, storage, project, task, user, body, settings.max_image_pixels
            )
        except InvalidInput as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
        except task_service.Conflict as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
        if task.purpose == TaskPurpose.audit:
            enqueue_audit_refresh(project.id)  # estimates use the new label before next round
        return AnnotationOut.model_validate(annotation)

    return await in_one_thread(submit, settings, token)


@router.put("/tasks/{task_id}/draft", status_code=status.HTTP_204_NO_CONTENT)
async def save_draft(task_id: int, body: Draft, settings: SettingsDep, token: TokenDep) -> None:
    """Autosave of work in progress; also renews the lease while someone is working."""
    draft = body.model_dump(mode="json")

    def save(session: Session, user: User) -> None:
        task = _task_or_404(session, user, task_id)
        try:
            task_service.save_draft(session, task, user, draft, settings.lease_minutes)
        except task_service.Conflict as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc

    await in_one_thread(save, settings, token)


@router.post("/tasks/{task_id}/skip", status_code=status.HTTP_204_NO_CONTENT)
async def skip_task(
    task_id: int, settings: SettingsDep, token: TokenDep, body: Skip | None = None
) -> None:
    """Hand the leased task back (the body, optional, says how long it was worked on)."""
    seconds = (body or Skip()).seconds_spent

    def skip(session: Session, user: User) -> None:
        task = _task_or_404(session, user, task_id)
        try:
            task_service.skip(session, task, user, seconds)
        except task_service.Conflict as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc

    await in_one_thread(skip, settings, token)


@router.get("/projects/{project_id}/tasks/submitted")
def my_submitted_tasks(
    project_id: int,
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[TaskOut]:
    """The caller's recent submissions, newest first, to go back and correct one."""
    project = get_project_or_404(session, user, project_id)
    return [_task_out(t) for t in task_service.submitted_by(session, project, user, limit)]
