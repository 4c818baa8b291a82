"""Labels, dense predictions and models out; single images in, label PNGs out."""

import io
import uuid
import zipfile
from typing import Annotated

from fastapi import APIRouter, File, HTTPException, Path, Query, Response, UploadFile, status
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask

from backend.api.deps import (
    AdminUser,
    CurrentUser,
    SessionDep,
    SettingsDep,
    StorageDep,
    get_project_or_404,
)
from backend.formats import writer
from backend.formats.base import WriteOptions
from backend.images import InvalidInput, read_image_size
from backend.models import Round
from backend.schemas import ExportJobOut, ExportRequest
from backend.services.exports import (
    JobKeys,
    NothingToExport,
    NotInProject,
    create_job,
    export_filename,
    export_labels,
    read_job,
    temporary_zip,
    trained_round,
    wait_for_prediction,
)
from backend.services.queue import enqueue_export, enqueue_predict

router = APIRouter(tags=["exports"])

JobId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
ZIP = {"content": {"application/zip": {}}, "description": "The export as a zip"}


def _job_out(project_id: int, job: dict) -> ExportJobOut:
    url = f"/api/v1/projects/{project_id}/exports/{job['id']}/download"
    return ExportJobOut(**job, download_url=url if job["status"] == "done" else None)


def _check_writable(fmt: str, classes: list[dict]) -> None:
    """Fail now, not on the worker, when the project's classes don't fit the format."""
    with zipfile.ZipFile(io.BytesIO(), "w") as zf:
        writer(fmt)(zf, classes, [], WriteOptions())


@router.post(
    "/projects/{project_id}/exports",
    responses={200: ZIP, 202: {"model": ExportJobOut, "description": "Queued on the worker"}},
)
def create_export(
    project_id: int,
    body: ExportRequest,
    session: SessionDep,
    storage: StorageDep,
    admin: AdminUser,
):
    """Labels come back at once as a zip. Predictions and model exports run on the worker:
    202 with a job to poll, then download."""
    project = get_project_or_404(session, admin, project_id)
    request = body.model_dump()
    try:
        if body.what == "labels":
            round_ = None
            if body.round_id is not None:
                round_ = session.get(Round, body.round_id)
                if round_ is None or round_.project_id != project.id:
                    raise NotInProject(f"round {body.round_id} is not a round of this project")
            path = temporary_zip()
            try:
                count = export_labels(session, storage, project, request, path)
            except BaseException:
                path.unlink(missing_ok=True)
                raise
            return FileResponse(
                path,
                media_type="application/zip",
                filename=export_filename(project.id, "labels", body.format, round_),
                headers={"X-Segloop-Images": str(count)},
                background=BackgroundTask(path.unlink, missing_ok=True),
            )
        if body.what == "predictions":
            _check_writable(body.format, project.classes)
        job = create_job(session, storage, project, request)
    except NotInProject as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except NothingToExport as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except InvalidInput as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    enqueue_export(project.id, job["id"])
    out = _job_out(project.id, job)
    return JSONResponse(out.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)


@router.get("/projects/{project_id}/exports/{job_id}")
def get_export(
    project_id: int, job_id: JobId, session: SessionDep, storage: StorageDep, admin: AdminUser
) -> ExportJobOut:
    get_project_or_404(session, admin, project_id)
    job = read_job(storage, project_id, job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Export not found")
    return _job_out(project_id, job)


@router.get(
    "/projects/{project_id}/exports/{job_id}/download",
    response_class=Response,
    responses={200: ZIP},
)
def download_export(
    project_id: int, job_id: JobId, session: SessionDep, storage: StorageDep, admin: AdminUser
) -> Response:
    get_project_or_404(session, admin, project_id)
    job = read_job(storage, project_id, job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Export not found")
    if job["status"] != "done":
        raise HTTPException(status.HTTP_409_CONFLICT, f"the export is {job['status']}")
    return Response(
        storage.get(JobKeys.export(project_id, job_id).result),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{job["filename"]}"'},
    )


@router.post(
    "/projects/{project_id}/predict",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "Indexed PNG of class ids"}},
)
def predict(
    project_id: int,
    file: Annotated[UploadFile, File(description="A PNG or JPEG image")],
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
    user: CurrentUser,
    round_id: Annotated[int | None, Query(description="Default: the latest trained")] = None,
) -> Response:
    """Segment one image with a round's model, on a cpu worker. The answer is an indexed PNG:
    pixel values are class ids, and image viewers show the class colours."""
    project = get_project_or_404(session, user, project_id)
    data = file.file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "the image is too large")
    try:
        read_image_size(data, file.filename or "image", settings.max_image_pixels)
        round_ = trained_round(session, project.id, round_id)
    except InvalidInput as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    except NotInProject as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except NothingToExport as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    request_id = uuid.uuid4().hex
    keys = JobKeys.predict(project.id, request_id)
    storage.put(keys.input, data)
    try:
        enqueue_predict(project.id, round_.id, request_id)
    except Exception as exc:
        storage.delete(keys.input)
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"the job queue is unreachable ({exc})"
        ) from exc
    try:
        png = wait_for_prediction(storage, keys, settings.predict_timeout_seconds)
    except TimeoutError as exc:
        raise HTTPException(status.HTTP_504_GATEWAY_TIMEOUT, str(exc)) from exc
    except InvalidInput as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return Response(png, media_type="image/png", headers={"X-Segloop-Round": str(round_.number)})
