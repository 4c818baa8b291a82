"""The stages of a round. Each reads its inputs from the database and storage and writes its
outputs under the round's keys, so running a stage again after a crash resumes or redoes it
without duplicating anything."""

from collections import defaultdict
from collections.abc import Callable

import numpy as np
from sqlalchemy import select

from backend.db import open_session
from backend.images import IGNORE_INDEX, encode_label_png
from backend.models import Annotation, AnnotationTask, Dataset, DatasetKind, Image, TaskPurpose
from backend.services.annotations import merge_label_maps
from backend.storage import Storage
from worker.pipeline.artifacts import load_json, save_json
from worker.pipeline.audit import read_audit_labels
from worker.pipeline.context import PipelineError, Report, RoundContext
from worker.pipeline.selection_stage import select_stage
from worker.pipeline.training_stages import evaluate, train_model, train_selector_stage


def _items(images: list[Image]) -> list[tuple[str, str | None]]:
    return [(image.image_key, image.label_key) for image in images]


def training_labels(
    storage: Storage, annotations: list[Annotation], image: Image, audit_pixels: list[list[int]]
) -> np.ndarray:
    """An image's training label map: its training answers merged (a later one wins), blank at
    every audit pixel, whatever an answer says there, so no audit label can ever be learnt."""
    merged = merge_label_maps(storage, annotations, image.width, image.height)
    for x, y in audit_pixels:
        merged[y, x] = IGNORE_INDEX
    return merged


def prepare(ctx: RoundContext, report: Report) -> None:
    """Freeze the round's inputs: datasets, every training label so far merged per image, and
    the audit labels, kept apart: an audit pixel is never in a training label map."""
    with open_session() as session:
        images_by_kind: dict[str, list[Image]] = defaultdict(list)
        rows = session.execute(
            select(Image, Dataset.kind)
            .join(Dataset, Dataset.id == Image.dataset_id)
            .where(Dataset.project_id == ctx.project_id)
            .order_by(Image.id)
        ).all()
        for image, kind in rows:
            images_by_kind[kind].append(image)
        # Training answers only: read_audit_labels reads the audit ones.
        train_by_image: dict[int, list[Annotation]] = defaultdict(list)
        for annotation in session.scalars(
            select(Annotation)
            .join(AnnotationTask, AnnotationTask.id == Annotation.task_id)
            .where(
                AnnotationTask.project_id == ctx.project_id,
                AnnotationTask.purpose != TaskPurpose.audit,
            )
            .order_by(Annotation.created_at, Annotation.id)
        ):
            train_by_image[annotation.image_id].append(annotation)
        audit_tasks = session.execute(
            select(AnnotationTask.image_id, AnnotationTask.points).where(
                AnnotationTask.project_id == ctx.project_id,
                AnnotationTask.purpose == TaskPurpose.audit,
            )
        ).all()
    if not images_by_kind[DatasetKind.source]:
        raise PipelineError("the project has no source dataset: import one before a round")

    # Every pixel an audit task asks for, labelled or not: training never sees it.
    audit_pixels: dict[int, list[list[int]]] = defaultdict(list)
    for image_id, points in audit_tasks:
        audit_pixels[image_id] += [[p["x"], p["y"]] for p in points]
    pool = images_by_kind[DatasetKind.target_pool]
    labelled_pixels = 0
    pool_entries = []
    for done, image in enumerate(pool, start=1):
        merged_key = None
        if train_by_image.get(image.id):
            merged = training_labels(
                ctx.storage, train_by_image[image.id], image, audit_pixels.get(image.id, [])
            )
            merged_key = ctx.keys.target_labels(image.id)
            ctx.storage.put(merged_key, encode_label_png(merged))
            labelled_pixels += int((merged != IGNORE_INDEX).sum())
        pool_entries.append(
            {
                "id": image.id,
                "name": image.name,
                "image_key": image.image_key,
                "label_key": merged_key,
                "width": image.width,
                "height": image.height,
                "audit_points": audit_pixels.get(image.id, []),
            }
        )
        report(done, len(pool))
    manifest = {
        "source": _items(images_by_kind[DatasetKind.source]),
        "val": _items(images_by_kind[DatasetKind.target_val]),
        "pool": pool_entries,
        "labelled_pixels": labelled_pixels,
        "pool_pixels": sum(image.width * image.height for image in pool),
        "audit": read_audit_labels(ctx.storage, ctx.project_id),
    }
    save_json(ctx.storage, ctx.keys.manifest, manifest)


def publish(ctx: RoundContext, report: Report) -> None:
    """Insert the round's tasks once: existing (round, image) rows are never added again."""
    entries = load_json(ctx.storage, ctx.keys.selection)
    with open_session() as session:
        existing = set(
            session.scalars(
                select(AnnotationTask.image_id).where(AnnotationTask.round_id == ctx.round_id)
            )
        )
        for entry in entries:
            if entry["image_id"] in existing or (entry["kind"] == "points" and not entry["points"]):
                continue
            session.add(
                AnnotationTask(
                    project_id=ctx.project_id,
                    round_id=ctx.round_id,
                    image_id=entry["image_id"],
                    kind=entry["kind"],
                    purpose=entry.get("purpose", TaskPurpose.train),
                    points=entry["points"],
                    mask_key=entry["mask_key"],
                    prediction_key=entry["prediction_key"],
                    requested_pixels=entry["requested_pixels"],
                    priority=entry["priority"],
                )
            )
        session.commit()
    report(1, 1, force=True)


STAGE_FUNCTIONS: dict[str, Callable[[RoundContext, Report], None]] = {
    "prepare": prepare,
    "train_model": train_model,
    "train_selector": train_selector_stage,
    "evaluate": evaluate,
    "select": select_stage,
    "publish": publish,
}
