"""Getting labels and models out.

Labels people submitted are merged and zipped here, synchronously and without torch. Dense
predictions, model export and single-image prediction need the model, so they run on the worker
as jobs (`backend.services.jobs`): a database row the worker updates, and the result's bytes in
storage. What the worker needs is resolved here, when the job is created, so bad requests fail
at once.
"""

import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.formats import writer
from backend.formats.base import ExportItem, WriteOptions
from backend.models import (
    Annotation,
    AnnotationTask,
    Dataset,
    DatasetKind,
    Image,
    Job,
    JobKind,
    Project,
    Round,
)
from backend.services.annotations import merge_label_maps
from backend.services.audit import current_model
from backend.services.jobs import input_key, new_job
from backend.storage import Storage


class NothingToExport(Exception):
    """The selection holds nothing yet: no labels, or no trained model."""


class NotInProject(LookupError):
    """A round or dataset id that belongs to another project (or to none)."""


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
            merge_label_maps(storage, by_image[image.id], image.width, image.height),
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
    """The round whose model to use: the one asked for, or the project's current model
    (pinned, else chosen on the audit points: backend.services.audit)."""
    if round_id is not None:
        round_ = session.get(Round, round_id)
        if round_ is None or round_.project_id != project_id:
            raise NotInProject(f"round {round_id} is not a round of this project")
        if round_.checkpoint_key is None:
            raise NothingToExport(f"round {round_.number} has no trained model yet")
        return round_
    round_, _ = current_model(session, session.get_one(Project, project_id))
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


def create_export(
    session: Session, settings: Settings, project: Project, request: dict[str, Any], user_id: int
) -> Job:
    """A queued export job with its round (and datasets) resolved; the caller commits."""
    round_ = trained_round(session, project.id, request["round_id"])
    options = {
        **request,
        "round_id": round_.id,
        "format": request["format"] if request["what"] == "predictions" else "torchscript",
        "filename": export_filename(project.id, request["what"], request["format"], round_),
    }
    if request["what"] == "predictions":
        options["dataset_ids"] = prediction_datasets(session, project.id, request["dataset_id"])
    return new_job(session, settings, JobKind.export, project.id, user_id, options)


def create_prediction(
    session: Session,
    settings: Settings,
    storage: Storage,
    project: Project,
    round_: Round,
    image: bytes,
    user_id: int,
) -> Job:
    """A queued prediction job with its image in storage; the caller commits."""
    options = {"round_id": round_.id, "round": round_.number}
    job = new_job(session, settings, JobKind.predict, project.id, user_id, options)
    storage.put(input_key(job), image)
    return job


def export_filename(project_id: int, what: str, fmt: str, round_: Round | None) -> str:
    name = f"project{project_id}-{what}" + (f"-{fmt}" if what != "model" else "")
    return name + (f"-round{round_.number}" if round_ is not None else "") + ".zip"


def temporary_zip() -> Path:
    with tempfile.NamedTemporaryFile(prefix="segloop-export-", suffix=".zip", delete=False) as f:
        return Path(f.name)
