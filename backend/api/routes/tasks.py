from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from backend.api.deps import (
    CurrentUser,
    SessionDep,
    SettingsDep,
    StorageDep,
    get_project_or_404,
)
from backend.models import AnnotationTask, Project
from backend.schemas import AnnotationOut, Draft, Point, Submission, TaskOut
from backend.services import tasks as task_service
from backend.services.access import VisibleQuery
from backend.services.images import InvalidInput

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


def _task_and_project(
    session: SessionDep, user: CurrentUser, task_id: int
) -> tuple[AnnotationTask, Project]:
    """The task with its image, and its project, in one query (this is on every annotation
    request); a task of a project the caller is not in is reported missing."""
    row = _TASK_AND_PROJECT.execute(session, user, task_id=task_id).first()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Task not found")
    task, project = row
    return task, project


def _task_or_404(session: SessionDep, user: CurrentUser, task_id: int) -> AnnotationTask:
    return _task_and_project(session, user, task_id)[0]


@router.post(
    "/projects/{project_id}/tasks/next",
    responses={204: {"description": "No task is waiting"}},
)
def next_task(
    project_id: int, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> TaskOut | None:
    """Lease the next task: nobody else gets it until it is submitted or the lease expires."""
    task = task_service.lease_next(session, project_id, user, settings.lease_minutes)
    if task is None:
        get_project_or_404(session, user, project_id)  # no task, or no project to see?
        return Response(status_code=status.HTTP_204_NO_CONTENT)  # type: ignore[return-value]
    return _task_out(task)


@router.get("/tasks/{task_id}")
def read_task(task_id: int, session: SessionDep, user: CurrentUser) -> TaskOut:
    return _task_out(_task_or_404(session, user, task_id))


@router.get("/tasks/{task_id}/mask.png", response_class=Response)
def task_mask(task_id: int, session: SessionDep, storage: StorageDep, user: CurrentUser):
    """The selector's mask: requested pixels (region tasks) or inconsistent pixels (points)."""
    task = _task_or_404(session, user, task_id)
    if task.mask_key is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This task has no mask")
    return Response(storage.get(task.mask_key), media_type="image/png")


@router.get("/tasks/{task_id}/prediction.png", response_class=Response)
def task_prediction(task_id: int, session: SessionDep, storage: StorageDep, user: CurrentUser):
    """Model A's class per pixel (one-channel PNG), to pre-fill segments."""
    task = _task_or_404(session, user, task_id)
    if task.prediction_key is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This task has no prediction")
    return Response(storage.get(task.prediction_key), media_type="image/png")


@router.post("/tasks/{task_id}/submit")
def submit_task(
    task_id: int,
    body: Submission,
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> AnnotationOut:
    """Acknowledged only once the label map is stored and the row committed; retry-safe."""
    task, project = _task_and_project(session, user, task_id)
    try:
        annotation = task_service.submit(
            session, storage, project, task, user, body, settings.max_image_pixels
        )
    except InvalidInput as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    except task_service.Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return AnnotationOut.model_validate(annotation)


@router.put("/tasks/{task_id}/draft", status_code=status.HTTP_204_NO_CONTENT)
def save_draft(
    task_id: int, body: Draft, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> None:
    """Autosave of work in progress; also renews the lease while someone is working."""
    task = _task_or_404(session, user, task_id)
    try:
        task_service.save_draft(
            session, task, user, body.model_dump(mode="json"), settings.lease_minutes
        )
    except task_service.Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


@router.post("/tasks/{task_id}/skip", status_code=status.HTTP_204_NO_CONTENT)
def skip_task(task_id: int, session: SessionDep, user: CurrentUser) -> None:
    task = _task_or_404(session, user, task_id)
    try:
        task_service.skip(session, task, user)
    except task_service.Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


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
