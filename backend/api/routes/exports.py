"""Labels, dense predictions and models out; single images in, label PNGs out.

Whatever needs the model runs on a cpu worker as a job: the POST answers 202 at once with the
job's URL, the caller polls it, then downloads the result. No request thread waits for a worker.
"""

import io
import zipfile
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, File, HTTPException, Path, Query, Response, UploadFile, status
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from backend.api.deps import (
    AdminUser,
    CurrentUser,
    SessionDep,
    SettingsDep,
    StorageDep,
    get_project_or_404,
)
from backend.api.job_schemas import JobOut, PredictJobOut
from backend.config import Settings
from backend.formats import writer
from backend.formats.base import WriteOptions
from backend.images import InvalidInput, read_image_size
from backend.models import Job, JobKind, JobStatus, Role, Round, User
from backend.schemas import ExportJobOut, ExportRequest
from backend.services.exports import (
    NothingToExport,
    NotInProject,
    create_export,
    create_prediction,
    export_filename,
    export_labels,
    temporary_zip,
    trained_round,
)
from backend.services.jobs import find_job, input_key, recent_jobs
from backend.services.queue import enqueue_export, enqueue_predict
from backend.services.tasks import as_utc
from backend.storage import Storage

router = APIRouter(tags=["exports"])

API = "/api/v1"
JobId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The id a POST answered")]
ZIP = {"content": {"application/zip": {}}, "description": "The export as a zip"}
PNG = {"content": {"image/png": {}}, "description": "Indexed PNG of class ids"}


def _export_url(job: Job) -> str:
    return f"{API}/projects/{job.project_id}/exports/{job.id}"


def _predict_url(job: Job) -> str:
    return f"{API}/projects/{job.project_id}/predict/{job.id}"


def _export_out(job: Job) -> ExportJobOut:
    return ExportJobOut(
        id=job.id,
        what=job.options["what"],
        format=job.options["format"],
        status=job.status,
        progress=job.progress,
        error=job.error,
        download_url=f"{_export_url(job)}/download" if job.status == JobStatus.done else None,
    )


def _predict_out(job: Job) -> PredictJobOut:
    done = job.status == JobStatus.done
    return PredictJobOut(
        id=job.id,
        status=job.status,
        round=job.options["round"],
        error=job.error,
        status_url=_predict_url(job),
        result_url=f"{_predict_url(job)}/result" if done else None,
        created_at=as_utc(job.created_at),
        expires_at=as_utc(job.expires_at),
    )


def _job_out(job: Job) -> JobOut:
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        progress=job.progress,
        error=job.error,
        requested_by=job.requested_by,
        created_at=as_utc(job.created_at),
        finished_at=as_utc(job.finished_at),
        expires_at=as_utc(job.expires_at),
        status_url=_export_url(job) if job.kind == JobKind.export else _predict_url(job),
    )


def _accepted(body: ExportJobOut | PredictJobOut, url: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=status.HTTP_202_ACCEPTED,
        headers={"Location": url, **headers},
    )


def _enqueue(session: Session, storage: Storage, job: Job, send: Callable[[], None]) -> None:
    """Commit the job, then hand it to the worker; a queue that is down leaves nothing behind."""
    session.commit()
    try:
        send()
    except Exception as exc:
        storage.delete(input_key(job))
        session.delete(job)
        session.commit()
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"the job queue is unreachable ({exc})"
        ) from exc


def _check_writable(fmt: str, classes: list[dict]) -> None:
    """Fail now, not on the worker, when the project's classes don't fit the format."""
    with zipfile.ZipFile(io.BytesIO(), "w") as zf:
        writer(fmt)(zf, classes, [], WriteOptions())


@router.post(
    "/projects/{project_id}/exports",
    responses={200: ZIP, 202: {"model": ExportJobOut, "description": "Queued on the worker"}},
)
def create_export_job(
    project_id: int,
    body: ExportRequest,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    admin: AdminUser,
):
    """Labels come back at once as a zip. Predictions and model exports run on the worker:
    202 with the job (its URL in Location) to poll, then download."""
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
        job = create_export(session, settings, project, request, admin.id)
    except NotInProject as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except NothingToExport as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except InvalidInput as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    _enqueue(session, storage, job, lambda: enqueue_export(project.id, job.id))
    return _accepted(_export_out(job), _export_url(job))


def _not_found(what: str, settings: Settings) -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND,
        f"{what} not found (results are kept {settings.job_ttl_hours:g} h)",
    )


def _result(storage: Storage, job: Job, what: str) -> bytes:
    """A finished job's bytes; 409 saying why while it is not done."""
    if job.status == JobStatus.failed:
        raise HTTPException(status.HTTP_409_CONFLICT, f"the {what} failed: {job.error}")
    if job.status != JobStatus.done:
        raise HTTPException(status.HTTP_409_CONFLICT, f"the {what} is {job.status}")
    assert job.result_key is not None, "a done job has its result (jobs.finish)"
    return storage.get(job.result_key)


def _export_job(session: Session, settings: Settings, project_id: int, job_id: str) -> Job:
    job = find_job(session, settings, project_id, job_id, JobKind.export)
    if job is None:
        raise _not_found("Export", settings)
    return job


@router.get("/projects/{project_id}/exports/{job_id}")
def get_export(
    project_id: int, job_id: JobId, session: SessionDep, settings: SettingsDep, admin: AdminUser
) -> ExportJobOut:
    get_project_or_404(session, admin, project_id)
    return _export_out(_export_job(session, settings, project_id, job_id))


@router.get(
    "/projects/{project_id}/exports/{job_id}/download",
    response_class=Response,
    responses={200: ZIP},
)
def download_export(
    project_id: int,
    job_id: JobId,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    admin: AdminUser,
) -> Response:
    get_project_or_404(session, admin, project_id)
    job = _export_job(session, settings, project_id, job_id)
    return Response(
        _result(storage, job, "export"),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{job.options["filename"]}"'},
    )


@router.post(
    "/projects/{project_id}/predict",
    status_code=status.HTTP_202_ACCEPTED,
    responses={202: {"model": PredictJobOut, "description": "Queued on a cpu worker"}},
)
def predict(
    project_id: int,
    file: Annotated[UploadFile, File(description="A PNG or JPEG image")],
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: CurrentUser,
    round_id: Annotated[
        int | None, Query(description="Default: the project's current model")
    ] = None,
) -> JSONResponse:
    """Segment one image with a round's model, on a cpu worker: 202 with the job (its URL in
    Location) to poll; once done, its result is an indexed PNG whose pixel values are class
    ids, and image viewers show the class colours."""
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
    job = create_prediction(session, settings, storage, project, round_, data, user.id)
    _enqueue(session, storage, job, lambda: enqueue_predict(project.id, round_.id, job.id))
    out = _predict_out(job)
    return _accepted(out, out.status_url, **{"X-Segloop-Round": str(round_.number)})


def _prediction(
    session: Session, settings: Settings, user: User, project_id: int, job_id: str
) -> Job:
    """Only its requester (and admins) see a prediction: the image was theirs."""
    get_project_or_404(session, user, project_id)
    job = find_job(session, settings, project_id, job_id, JobKind.predict)
    if job is None or (user.role != Role.admin and job.requested_by != user.id):
        raise _not_found("Prediction", settings)
    return job


@router.get("/projects/{project_id}/predict/{job_id}")
def get_prediction(
    project_id: int, job_id: JobId, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> PredictJobOut:
    return _predict_out(_prediction(session, settings, user, project_id, job_id))


@router.get(
    "/projects/{project_id}/predict/{job_id}/result",
    response_class=Response,
    responses={200: PNG},
)
def prediction_result(
    project_id: int,
    job_id: JobId,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: CurrentUser,
) -> Response:
    job = _prediction(session, settings, user, project_id, job_id)
    return Response(
        _result(storage, job, "prediction"),
        media_type="image/png",
        headers={"X-Segloop-Round": str(job.options["round"])},
    )


@router.get("/projects/{project_id}/jobs")
def list_jobs(
    project_id: int,
    session: SessionDep,
    admin: AdminUser,
    limit: Annotated[int, Query(ge=1, le=500, description="The most recent first")] = 50,
) -> list[JobOut]:
    """The project's exports and predictions that have not expired (beat removes expired
    ones and their bytes)."""
    get_project_or_404(session, admin, project_id)
    return [_job_out(job) for job in recent_jobs(session, project_id, limit)]
