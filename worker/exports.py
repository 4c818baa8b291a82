"""Worker side of exports and prediction (`cpu` queue): dense predictions in any label format,
the model as checkpoint + TorchScript + a JSON of its classes and preprocessing, and
single-image prediction. Requests, statuses and results travel through storage
(`backend.services.exports.JobKeys`)."""

import io
import json
import logging
import time
import zipfile
from functools import lru_cache
from typing import Any

import torch
from sqlalchemy import select

from backend.db import session_scope
from backend.formats.base import indexed_png
from backend.images import InvalidInput
from backend.models import Image, Project, Round
from backend.services.exports import (
    JobKeys,
    export_filename,
    export_item,
    read_job,
    temporary_zip,
    unique_names,
    write_options,
    write_zip,
)
from backend.services.queue import EXPORT, PREDICT
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
    with session_scope() as session:
        round_ = session.get(Round, round_id)
        classes = session.get(Project, round_.project_id).classes
        settings = round_.settings["model"]
        number = round_.number
    state = load_torch(get_storage(), checkpoint_key, _device())
    model = load_segmenter(
        state, len(classes), settings["backbone"], _device(), settings.get("output_stride", 16)
    )
    height, width = settings["image_size"]
    return model, (height, width), classes, number


def _model_for(round_id: int):
    with session_scope() as session:
        key = session.scalar(select(Round.checkpoint_key).where(Round.id == round_id))
    if key is None:
        raise InvalidInput(f"round {round_id} has no trained model")
    return _round_model(round_id, key)


class _Job:
    def __init__(self, storage: Storage, project_id: int, job_id: str) -> None:
        self.storage = storage
        self.keys = JobKeys.export(project_id, job_id)
        self.state = read_job(storage, project_id, job_id)
        self.last = 0.0

    def update(self, **values: Any) -> None:
        self.state.update(values)
        self.storage.put(self.keys.status, json.dumps(self.state).encode())

    def progress(self, done: int, total: int) -> None:
        if time.monotonic() - self.last >= PROGRESS_EVERY_SECONDS:
            self.last = time.monotonic()
            self.update(progress=done / max(total, 1))


@celery_app.task(name=EXPORT)
def export(project_id: int, job_id: str) -> str:
    """Run an export job once; a redelivered message for a finished job does nothing."""
    storage = get_storage()
    job = _Job(storage, project_id, job_id)
    if job.state is None or job.state["status"] in ("done", "failed"):
        return "nothing to do"
    request = json.loads(storage.get(job.keys.request))
    job.update(status="running")
    try:
        if request["what"] == "model":
            data = _model_zip(storage, request["round_id"])
        else:
            data = _predictions_zip(storage, project_id, request, job)
        storage.put(job.keys.result, data)
        job.update(status="done", progress=1.0)
    except Exception as exc:
        if not isinstance(exc, InvalidInput):
            log.exception("export %s of project %s failed", job_id, project_id)
        job.update(status="failed", error=str(exc) or repr(exc))
        return "failed"
    return "done"


def _predictions_zip(
    storage: Storage, project_id: int, request: dict[str, Any], job: _Job
) -> bytes:
    model, size, classes, number = _model_for(request["round_id"])
    with session_scope() as session:
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
            job.progress(done, len(images))

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
    with session_scope() as session:
        round_ = session.get(Round, round_id)
        checkpoint = storage.get(round_.checkpoint_key)
        description = {
            "name": export_filename(round_.project_id, "model", "", round_).removesuffix(".zip"),
            "round": number,
            "backbone": round_.settings["model"]["backbone"],
            "num_classes": len(classes),
            "classes": classes,
            "ignore_index": 255,
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
def predict(project_id: int, round_id: int, request_id: str) -> str:
    """Answer one POST /predict: an indexed PNG, or the error, beside the request's input."""
    storage = get_storage()
    keys = JobKeys.predict(project_id, request_id)
    try:
        data = storage.get(keys.input)
    except KeyError:
        return "the caller stopped waiting"
    try:
        model, size, classes, _ = _model_for(round_id)
        storage.put(keys.result, indexed_png(predict_labels(model, data, size), classes))
    except Exception as exc:
        log.exception("prediction %s failed", request_id)
        storage.put(keys.error, json.dumps({"error": str(exc) or repr(exc)}).encode())
        return "failed"
    return "done"
