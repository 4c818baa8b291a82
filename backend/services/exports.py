"""Getting labels and models out.

Labels people submitted are merged and zipped here, synchronously and without torch. Dense
predictions, model export and single-image prediction need the model, so they run on the worker:
the API writes a request into storage, enqueues its id, and the worker writes the status, the
result or the error beside it. Storage is the only channel, so no Celery result backend is needed
and every API replica and worker sees the same state.
"""

import json
import tempfile
import time
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.formats import writer
from backend.formats.base import IGNORE, ExportItem, WriteOptions
from backend.images import InvalidInput
from backend.models import Annotation, AnnotationTask, Dataset, DatasetKind, Image, Project, Round
from backend.services.annotations import merge_label_maps
from backend.storage import Storage

POLL_SECONDS = 0.1


class NothingToExport(Exception):
    """The selection holds nothing yet: no labels, or no trained model."""


class NotInProject(LookupError):
    """A round or dataset id that belongs to another project (or to none)."""


@dataclass(frozen=True)
class JobKeys:
    """Where one worker job keeps its request, status and result."""

    prefix: str

    @classmethod
    def export(cls, project_id: int, job_id: str) -> "JobKeys":
        return cls(f"projects/{project_id}/exports/{job_id}")

    @classmethod
    def predict(cls, project_id: int, request_id: str) -> "JobKeys":
        return cls(f"projects/{project_id}/predict/{request_id}")

    @property
    def request(self) -> str:
        return f"{self.prefix}/request.json"

    @property
    def status(self) -> str:
        return f"{self.prefix}/status.json"

    @property
    def result(self) -> str:
        return f"{self.prefix}/result"

    @property
    def input(self) -> str:
        return f"{self.prefix}/input"

    @property
    def error(self) -> str:
        return f"{self.prefix}/error.json"


def write_zip(
    path: Path, fmt: str, classes: list[dict[str, Any]], items, options: WriteOptions
) -> int:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        return writer(fmt)(zf, classes, items, options)


def unique_names(images: list[Image]) -> dict[int, str]:
    """Image names are unique per dataset; across datasets a clash gets the dataset id."""
    seen: set[str] = set()
    names = {}
    for image in images:
        name = image.name if image.name not in seen else f"{image.dataset_id}_{image.name}"
        seen.add(name)
        names[image.id] = name
    return names


def export_item(storage: Storage, image: Image, name: str, labels: np.ndarray) -> ExportItem:
    suffix = Path(image.image_key).suffix.lower() or ".png"
    return ExportItem(name, storage.get(image.image_key), suffix, labels)


def _annotations(
    session: Session, project_id: int, round_id: int | None, cumulative: bool
) -> dict[int, list[Annotation]]:
    """Annotations per image, oldest first: later submissions win where they overlap."""
    query = (
        select(Annotation)
        .join(AnnotationTask, AnnotationTask.id == Annotation.task_id)
        .where(AnnotationTask.project_id == project_id)
        .order_by(Annotation.created_at, Annotation.id)
    )
    if round_id is not None:
        if cumulative:
            number = session.scalar(select(Round.number).where(Round.id == round_id))
            query = query.join(Round, Round.id == AnnotationTask.round_id).where(
                Round.number <= number
            )
        else:
            query = query.where(AnnotationTask.round_id == round_id)
    by_image: dict[int, list[Annotation]] = defaultdict(list)
    for annotation in session.scalars(query):
        by_image[annotation.image_id].append(annotation)
    return by_image


def export_labels(
    session: Session,
    storage: Storage,
    project: Project,
    request: dict[str, Any],
    destination: Path,
) -> int:
    """Zip the labels people submitted (255 where nobody labelled); returns the image count."""
    by_image = _annotations(session, project.id, request["round_id"], request["cumulative"])
    if not by_image:
        raise NothingToExport("no labels have been submitted for this selection yet")
    images = list(session.scalars(select(Image).where(Image.id.in_(by_image)).order_by(Image.id)))
    names = unique_names(images)
    items: Iterator[ExportItem] = (
        export_item(
            storage,
            image,
            names[image.id],
            merge_label_maps(storage, by_image[image.id], image.width, image.height, IGNORE),
        )
        for image in images
    )
    return write_zip(destination, request["format"], project.classes, items, write_options(request))


def write_options(request: dict[str, Any], model_version: str = "") -> WriteOptions:
    return WriteOptions(
        include_images=request["include_images"],
        predictions=request["what"] == "predictions",
        image_url_prefix=request["image_url_prefix"],
        model_version=model_version,
    )


def trained_round(session: Session, project_id: int, round_id: int | None) -> Round:
    """The round whose model to use: the one asked for, or the latest with a checkpoint."""
    if round_id is not None:
        round_ = session.get(Round, round_id)
        if round_ is None or round_.project_id != project_id:
            raise NotInProject(f"round {round_id} is not a round of this project")
        if round_.checkpoint_key is None:
            raise NothingToExport(f"round {round_.number} has no trained model yet")
        return round_
    round_ = session.scalar(
        select(Round)
        .where(Round.project_id == project_id, Round.checkpoint_key.is_not(None))
        .order_by(Round.number.desc())
        .limit(1)
    )
    if round_ is None:
        raise NothingToExport("no round has trained a model yet: run a round first")
    return round_


def prediction_datasets(session: Session, project_id: int, dataset_id: int | None) -> list[int]:
    if dataset_id is not None:
        dataset = session.get(Dataset, dataset_id)
        if dataset is None or dataset.project_id != project_id:
            raise NotInProject(f"dataset {dataset_id} is not a dataset of this project")
        return [dataset_id]
    ids = list(
        session.scalars(
            select(Dataset.id).where(
                Dataset.project_id == project_id, Dataset.kind == DatasetKind.target_pool
            )
        )
    )
    if not ids:
        raise NothingToExport("the project has no target pool to predict")
    return ids


def create_job(
    session: Session, storage: Storage, project: Project, request: dict[str, Any]
) -> dict[str, Any]:
    """Resolve what the worker needs (round, datasets) now, so bad requests fail at once."""
    round_ = trained_round(session, project.id, request["round_id"])
    request = {**request, "round_id": round_.id}
    if request["what"] == "predictions":
        request["dataset_ids"] = prediction_datasets(session, project.id, request["dataset_id"])
    job = {
        "id": uuid.uuid4().hex,
        "what": request["what"],
        "format": request["format"] if request["what"] == "predictions" else "torchscript",
        "status": "queued",
        "progress": 0.0,
        "error": None,
        "filename": export_filename(project.id, request["what"], request["format"], round_),
    }
    keys = JobKeys.export(project.id, job["id"])
    storage.put(keys.request, json.dumps(request).encode())
    storage.put(keys.status, json.dumps(job).encode())
    return job


def read_job(storage: Storage, project_id: int, job_id: str) -> dict[str, Any] | None:
    try:
        return json.loads(storage.get(JobKeys.export(project_id, job_id).status))
    except KeyError:
        return None


def export_filename(project_id: int, what: str, fmt: str, round_: Round | None) -> str:
    name = f"project{project_id}-{what}" + (f"-{fmt}" if what != "model" else "")
    return name + (f"-round{round_.number}" if round_ is not None else "") + ".zip"


def temporary_zip() -> Path:
    with tempfile.NamedTemporaryFile(prefix="segloop-export-", suffix=".zip", delete=False) as f:
        return Path(f.name)


def wait_for_prediction(storage: Storage, keys: JobKeys, timeout: float) -> bytes:
    """Poll storage for the worker's answer; clean up whatever happens."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if storage.exists(keys.result):
                return storage.get(keys.result)
            if storage.exists(keys.error):
                raise InvalidInput(json.loads(storage.get(keys.error))["error"])
            time.sleep(POLL_SECONDS)
        raise TimeoutError(f"no worker answered within {timeout:g} s; is a cpu worker running?")
    finally:
        for key in (keys.input, keys.result, keys.error):
            storage.delete(key)
