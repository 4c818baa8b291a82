import json
import mimetypes
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Query, Response, UploadFile, status
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from backend.api.deps import (
    AdminUser,
    CurrentUser,
    SessionDep,
    SettingsDep,
    StorageDep,
    get_project_or_404,
)
from backend.images import InvalidInput
from backend.models import Dataset, DatasetKind, DatasetStatus, Image
from backend.schemas import (
    ClassMap,
    DatasetFormat,
    DatasetOut,
    FolderImport,
    ImageOut,
    ImportOptions,
)
from backend.services.datasets import (
    ImportReport,
    check_import,
    import_folder,
    import_zip,
    resolve_import_path,
)
from backend.services.queue import enqueue_import

router = APIRouter(tags=["datasets"])

UPLOAD_CHUNK = 1024 * 1024
_CLASS_MAP = TypeAdapter(ClassMap)


def _imported(session: SessionDep, report: ImportReport) -> DatasetOut:
    return DatasetOut.model_validate(session.get(Dataset, report.dataset_id))


@router.post(
    "/projects/{project_id}/datasets/import-folder",
    status_code=status.HTTP_201_CREATED,
    # A background import answers 202 with a JSONResponse of its own; the schema stays DatasetOut.
    response_model=DatasetOut,
    responses={202: {"model": DatasetOut, "description": "Queued as a background import"}},
)
def import_dataset_folder(
    project_id: int,
    body: FolderImport,
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
    admin: AdminUser,
) -> DatasetOut | JSONResponse:
    """Import a server-side folder (inside `SEGLOOP_IMPORT_ROOTS`) in any supported format.
    The response's `report` says what came in: counts, skipped files, class histogram."""
    project = get_project_or_404(session, admin, project_id)
    try:
        folder = resolve_import_path(body.path, settings)
    except PermissionError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    if not folder.is_dir():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{body.path} is not a folder")
    name = body.name or folder.name
    try:
        if body.background:
            check_import(settings, project, folder, body)
            return _import_in_background(session, project_id, folder, body, name)
        report = import_folder(
            session,
            storage,
            settings,
            project,
            folder,
            DatasetKind(body.kind),
            name,
            body,
        )
    except InvalidInput as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return _imported(session, report)


def _import_in_background(
    session: SessionDep, project_id: int, folder: Path, body: FolderImport, name: str
) -> JSONResponse:
    """Large folders import on the worker's cpu queue; the dataset reports its progress."""
    dataset = Dataset(
        project_id=project_id,
        name=name,
        kind=body.kind,
        status=DatasetStatus.importing,
        report={"progress": 0.0},
    )
    session.add(dataset)
    session.commit()
    options = body.model_dump(include={"format", "split", "class_map", "unknown_ids"})
    try:
        enqueue_import(dataset.id, str(folder), options)
    except Exception as exc:
        session.delete(dataset)
        session.commit()
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"the job queue is unreachable ({exc})"
        ) from exc
    out = DatasetOut.model_validate(dataset)
    return JSONResponse(out.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)


def _class_map(raw: str | None) -> ClassMap | str | None:
    if not raw:
        return None
    if raw == "by_name":
        return raw
    try:
        return _CLASS_MAP.validate_python(json.loads(raw))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            'class_map must be "by_name" or a JSON object {"dataset id": project id}',
        ) from exc


@router.post("/projects/{project_id}/datasets/upload", status_code=status.HTTP_201_CREATED)
def upload_dataset_zip(
    project_id: int,
    file: Annotated[UploadFile, File(description="A zip of a dataset in any supported format")],
    kind: Annotated[DatasetKind, Form()],
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
    admin: AdminUser,
    name: Annotated[str | None, Form(max_length=200)] = None,
    format: Annotated[DatasetFormat, Form()] = "generic",
    split: Annotated[str | None, Form(max_length=100, pattern=r"^[A-Za-z0-9_\-.]+$")] = None,
    class_map: Annotated[
        str | None, Form(description='"by_name" or a JSON object {"dataset id": project id}')
    ] = None,
    unknown_ids: Annotated[str, Form(pattern="^(ignore|error)$")] = "error",
) -> DatasetOut:
    """Upload a zip (streamed to disk, size-limited; zip-slip, links and decompression bombs
    refused before anything is extracted) and import it like a server folder."""
    project = get_project_or_404(session, admin, project_id)
    options = ImportOptions(
        format=format, split=split, class_map=_class_map(class_map), unknown_ids=unknown_ids
    )
    with tempfile.TemporaryDirectory(prefix="segloop-upload-") as tmp:
        archive = Path(tmp) / "upload.zip"
        size = 0
        with archive.open("wb") as out:
            while chunk := file.file.read(UPLOAD_CHUNK):
                size += len(chunk)
                if size > settings.max_upload_bytes:
                    raise HTTPException(
                        status.HTTP_413_CONTENT_TOO_LARGE,
                        f"upload is larger than {settings.max_upload_bytes} bytes",
                    )
                out.write(chunk)
        try:
            report = import_zip(
                session,
                storage,
                settings,
                project,
                archive,
                kind,
                name or file.filename or "upload",
                options,
            )
        except InvalidInput as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return _imported(session, report)


@router.get("/projects/{project_id}/datasets")
def list_datasets(project_id: int, session: SessionDep, user: CurrentUser) -> list[DatasetOut]:
    get_project_or_404(session, user, project_id)
    datasets = session.scalars(
        select(Dataset).where(Dataset.project_id == project_id).order_by(Dataset.id)
    )
    return [DatasetOut.model_validate(d) for d in datasets]


def _dataset_or_404(session: SessionDep, user: CurrentUser, dataset_id: int) -> Dataset:
    dataset = session.get(Dataset, dataset_id)
    if dataset is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Dataset not found")
    get_project_or_404(session, user, dataset.project_id)
    return dataset


@router.get("/datasets/{dataset_id}")
def get_dataset(dataset_id: int, session: SessionDep, user: CurrentUser) -> DatasetOut:
    """A dataset with its import status and report (progress while a background import runs)."""
    return DatasetOut.model_validate(_dataset_or_404(session, user, dataset_id))


def _image_or_404(session: SessionDep, user: CurrentUser, image_id: int) -> Image:
    image = session.get(Image, image_id)
    if image is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Image not found")
    _dataset_or_404(session, user, image.dataset_id)
    return image


@router.get("/datasets/{dataset_id}/images")
def list_images(
    dataset_id: int,
    session: SessionDep,
    user: CurrentUser,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ImageOut]:
    _dataset_or_404(session, user, dataset_id)
    images = session.scalars(
        select(Image)
        .where(Image.dataset_id == dataset_id)
        .order_by(Image.id)
        .offset(offset)
        .limit(limit)
    )
    return [
        ImageOut(
            id=i.id,
            dataset_id=i.dataset_id,
            name=i.name,
            width=i.width,
            height=i.height,
            has_label=i.label_key is not None,
        )
        for i in images
    ]


@router.get("/images/{image_id}/file", response_class=Response)
def image_file(image_id: int, session: SessionDep, storage: StorageDep, user: CurrentUser):
    image = _image_or_404(session, user, image_id)
    media_type = mimetypes.guess_type(image.image_key)[0] or "application/octet-stream"
    return Response(storage.get(image.image_key), media_type=media_type)


@router.get("/images/{image_id}/label.png", response_class=Response)
def image_label(image_id: int, session: SessionDep, storage: StorageDep, admin: AdminUser):
    """Ground-truth labels of source and validation images; admins only."""
    image = _image_or_404(session, admin, image_id)
    if image.label_key is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This image has no label map")
    return Response(storage.get(image.label_key), media_type="image/png")
