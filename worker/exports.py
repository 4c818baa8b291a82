"""Worker side of exports and prediction (`cpu` queue): dense predictions in any label format,
the model as checkpoint + TorchScript + a JSON of its classes and preprocessing, and
single-image prediction. Each runs a job row (`backend.services.jobs`): the worker claims it,
reports progress and the outcome on it, and writes only the result's bytes to storage."""

import io
import json
import logging
import time
import zipfile
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import torch
from sqlalchemy import select

from backend.config import get_settings
from backend.db import open_session
from backend.formats.base import indexed_png
from backend.images import IGNORE_INDEX, InvalidInput
from backend.models import Image, Job, JobKind, Project, Round
from backend.round_settings import ModelSettings
from backend.services import jobs
from backend.services.exports import (
    export_filename,
    export_item,
    temporary_zip,
    unique_names,
    write_options,
    write_zip,
)
from backend.services.queue import EXPIRE_JOBS, EXPORT, PREDICT
from backend.storage import Storage, get_storage
from worker.celery_app import celery_app
from worker.ml.inference import load_segmenter, predict_labels, preprocessing, torchscript
from worker.pipeline.artifacts import load_torch

log = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 1.0


def _device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


@lru_cache(maxsize=2)
def _round_model(round_id: int, checkpoint_key: str) -> tuple[Any, tuple[int, int], list, int]:
    """(model, input size, classes, round number); cached, as predict calls come in bursts."""
    with open_session() as session:
        round_ = session.get_one(Round, round_id)
        classes = session.get_one(Project, round_.project_id).classes
        settings = ModelSettings.model_validate(round_.settings["model"])
        number = round_.number
    state = load_torch(get_storage(), checkpoint_key, _device())
    model = load_segmenter(
        state, len(classes), settings.backbone, _device(), settings.output_stride
    )
    return model, settings.image_size, classes, number


def _model_for(round_id: int):
    with open_session() as session:
        key = session.scalar(select(Round.checkpoint_key).where(Round.id == round_id))
    if key is None:
        raise InvalidInput(f"round {round_id} has no trained model")
    return _round_model(round_id, key)


class _Progress:
    """Writes progress to the job's row at most once a second: enough to watch, few writes."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if time.monotonic() - self.last >= PROGRESS_EVERY_SECONDS:
            self.last = time.monotonic()
            with open_session() as session:
                jobs.report_progress(session, self.job_id, done / max(total, 1))


def _run(job: Job, storage: Storage, name: str, work: Callable[[], bytes]) -> str:
    """Put the result's bytes in storage, then finish the row (or fail it with the reason)."""
    settings = get_settings()
    try:
        key = jobs.storage_key(job, name)
        storage.put(key, work())
    except Exception as exc:
        if not isinstance(exc, InvalidInput):
            log.exception("%s job %s of project %s failed", job.kind, job.id, job.project_id)
        with open_session() as session:
            jobs.fail(session, settings, job.id, str(exc) or repr(exc))
        return "failed"
    with open_session() as session:
        finished = jobs.finish(session, settings, job.id, key)
    if not finished:
        storage.delete(key)
        return "the job is gone"
    return "done"


@celery_app.task(name=EXPORT)
def export(project_id: int, job_id: str) -> str:
    """Run an export job once; a redelivered message for a finished job does nothing."""
    with open_session() as session:
        job = jobs.claim(session, job_id, JobKind.export)
    if job is None:
        return "nothing to do"
    storage = get_storage()
    request = job.options
    if request["what"] == "model":
        return _run(job, storage, "model.zip", lambda: _model_zip(storage, request["round_id"]))
    progress = _Progress(job.id)
    return _run(
        job, storage, "predictions.zip", lambda: _predictions_zip(storage, request, progress)
    )


def _predictions_zip(
    storage: Storage, request: dict[str, Any], progress: Callable[[int, int], None]
) -> bytes:
    model, size, classes, number = _model_for(request["round_id"])
    with open_session() as session:
        images = list(
            session.scalars(
                select(Image).where(Image.dataset_id.in_(request["dataset_ids"])).order_by(Image.id)
            )
        )
        session.expunge_all()
    names = unique_names(images)

    def items():
        for done, image in enumerate(images, start=1):
            labels = predict_labels(model, storage.get(image.image_key), size)
            yield export_item(storage, image, names[image.id], labels)
            progress(done, len(images))

    path = temporary_zip()
    try:
        options = write_options(request, model_version=f"round-{number}")
        write_zip(path, request["format"], classes, items(), options)
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def _model_zip(storage: Storage, round_id: int) -> bytes:
    """Checkpoint (state dict), TorchScript, and model.json: enough to serve without segloop."""
    model, size, classes, number = _model_for(round_id)
    with open_session() as session:
        round_ = session.get_one(Round, round_id)
        assert round_.checkpoint_key is not None, "an exported round has its model (_model_for)"
        checkpoint = storage.get(round_.checkpoint_key)
        settings = ModelSettings.model_validate(round_.settings["model"])
        description = {
            "name": export_filename(round_.project_id, "model", "", round_).removesuffix(".zip"),
            "round": number,
            "backbone": settings.backbone,
            "output_stride": settings.output_stride,
            "num_classes": len(classes),
            "classes": classes,
            "ignore_index": IGNORE_INDEX,
            "metrics": round_.metrics,
            "preprocessing": preprocessing(size),
            "files": {
                "model.torchscript.pt": "torch.jit.load(path) -> logits; no segloop needed",
                "model.pt": "state dict of worker.ml.models.build_segmenter(num_classes, backbone, "
                "output_stride=...)",
            },
        }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model.json", json.dumps(description, indent=2))
        zf.writestr("model.pt", checkpoint)
        zf.writestr("model.torchscript.pt", torchscript(model, size))
    return buffer.getvalue()


@celery_app.task(name=PREDICT)
def predict(project_id: int, round_id: int, job_id: str) -> str:
    """Answer one POST /predict job (`job_id` is its id): the indexed PNG in storage, the
    status or the error on its row. The uploaded image is deleted either way."""
    with open_session() as session:
        job = jobs.claim(session, job_id, JobKind.predict)
    if job is None:
        return "nothing to do: the job finished, expired or was given up"
    storage = get_storage()

    def label_png() -> bytes:
        data = storage.get(jobs.input_key(job))
        model, size, classes, _ = _model_for(round_id)
        return indexed_png(predict_labels(model, data, size), classes)

    try:
        return _run(job, storage, "result.png", label_png)
    finally:
        storage.delete(jobs.input_key(job))


@celery_app.task(name=EXPIRE_JOBS)
def expire_jobs() -> int:
    """Beat's cleanup: results past their expiry go, bytes first, then rows."""
    with open_session() as session:
        return jobs.remove_expired(session, get_storage(), get_settings())
