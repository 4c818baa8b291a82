"""Audit points: drawn by the select stage, turned into estimates by the evaluate stage and,
between rounds, each time audit labels come in (refresh_estimates).

An audit point is a pixel labelled like any point and never trained on (the prepare stage
keeps its label out of every training map), so a model's accuracy on audit points estimates
its accuracy on the pool without target labels (worker.ml.audit).

They are drawn on held-out images: a uniform sample of the pool, fixed per project and never
offered for training. Drawing them from whatever the round left over was biased twice
(benchmarks/README.md, issue 17): a model scores better on images earlier rounds trained on,
and LabOR leaves the easy images to the audit. Draws are stratified over the held-out images:
images uniformly without replacement, then at most ceil(n / images) pixels each, since the
points of one image say much the same.
"""

import hashlib
import math
from collections import defaultdict
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from backend.audit_schemas import AUDIT_LEVEL, MIN_AUDIT_POINTS, Interval, RoundAudit
from backend.db import open_session
from backend.images import IGNORE_INDEX, encode_label_png
from backend.models import (
    ACTIVE,
    Annotation,
    AnnotationTask,
    Dataset,
    DatasetKind,
    Image,
    Round,
    TaskPurpose,
)
from backend.round_settings import RoundSettings
from backend.services.annotations import merge_label_maps
from backend.storage import Storage
from worker.ml import audit
from worker.ml.data import decode_label
from worker.ml.inference import predict_labels
from worker.pipeline.artifacts import RoundKeys
from worker.pipeline.context import Report, RoundContext, load_context, load_model

# A seed stream of its own: drawing audit points never shifts the training selection's draws.
AUDIT_STREAM = 0xA0D17
# Held out: the audit share of the pool, but at least this many images, since the interval
# resamples images and a handful of them says little; yet at most a quarter of a small pool
# (holding out half of the demo's 30 images cost its round 1 all of its gain).
MIN_HELD_OUT_IMAGES = 20
MAX_HELD_OUT_SHARE = 0.25


def audit_rng(ctx: RoundContext) -> np.random.Generator:
    """Seeded from the round like the rest of selection: a redelivered stage draws the same."""
    return np.random.default_rng([AUDIT_STREAM, ctx.model_settings.seed % 2**32, ctx.number])


def _draw_order(seed: int, entry: dict[str, Any]) -> bytes:
    """A per-image key, uniform and stable: a new image never reorders the others. From the
    image's name, so the same data holds out the same images in every project of one seed
    (the benchmark's rows compare on one audit set); manifests from before names were in
    them fall back to the id."""
    name = entry.get("name") or f"#{entry['id']}"
    return hashlib.blake2b(f"{AUDIT_STREAM}:{seed}:{name}".encode(), digest_size=8).digest()


def held_out_images(settings: RoundSettings, pool: list[dict[str, Any]]) -> set[int]:
    """Pool images kept for audit points, chosen without looking at any model: images already
    audited stay held out, the rest are filled up in a seeded uniform order. An image with
    training labels is never held out (projects that audited before hold-outs existed)."""
    if settings.audit_points <= 0:
        return set()
    wanted = max(math.ceil(settings.audit_share * len(pool)), MIN_HELD_OUT_IMAGES)
    wanted = min(wanted, int(MAX_HELD_OUT_SHARE * len(pool)))
    untrained = [entry for entry in pool if not entry["label_key"]]
    held = {entry["id"] for entry in untrained if entry.get("audit_points")}
    for entry in sorted(untrained, key=lambda e: _draw_order(settings.model.seed, e)):
        if len(held) >= wanted:
            break
        held.add(entry["id"])
    return held


def taken_pixels(ctx: RoundContext, entry: dict[str, Any]) -> np.ndarray:
    """H x W: pixels with a training label or already asked as audit points."""
    taken = np.zeros((entry["height"], entry["width"]), dtype=bool)
    if entry["label_key"]:
        taken |= decode_label(ctx.storage.get(entry["label_key"])) != IGNORE_INDEX
    for x, y in entry.get("audit_points", []):
        taken[y, x] = True
    return taken


def draw_audit_points(
    ctx: RoundContext, candidates: list[dict[str, Any]], n: int, rng: np.random.Generator
) -> list[tuple[dict[str, Any], list[dict[str, int]]]]:
    """n audit pixels over `candidates` (held-out images free this round): as many images as
    points allow, at most ceil(n / images) untaken pixels each, at the true resolution."""
    if n <= 0 or not candidates:
        return []
    images = min(len(candidates), n)
    cap = math.ceil(n / images)
    drawn = []
    for rank, index in enumerate(rng.choice(len(candidates), size=images, replace=False)):
        entry = candidates[int(index)]
        wanted = min(cap, n // images + (rank < n % images))
        free = np.flatnonzero(~taken_pixels(ctx, entry).ravel())
        pixels = np.sort(rng.choice(free, size=min(wanted, len(free)), replace=False))
        points = [{"x": int(p % entry["width"]), "y": int(p // entry["width"])} for p in pixels]
        if points:
            drawn.append((entry, points))
    return drawn


def _predicted(
    ctx: RoundContext,
    trained: tuple[int, int, str],
    labels: list[dict[str, int]],
    image_keys: dict[int, str],
) -> np.ndarray:
    """A round's model A (id, number, checkpoint key) at each audit point. Its map of each
    audit image is kept, so later rounds only predict the images audited since."""
    round_id, number, key = trained
    keys = RoundKeys(ctx.project_id, number)
    at_image: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        at_image[label["image_id"]].append(index)
    predicted = np.zeros(len(labels), dtype=np.int64)
    model = other = None
    for image_id, indices in at_image.items():
        cached = keys.audit_prediction(image_id)
        if ctx.storage.exists(cached):
            classes = decode_label(ctx.storage.get(cached))
        else:
            if model is None:
                other = load_context(round_id)  # its own architecture and input size
                model = load_model(other, key)
            assert other is not None
            data = ctx.storage.get(image_keys[image_id])
            classes = predict_labels(model, data, other.image_size)
            ctx.storage.put(cached, encode_label_png(classes))
        predicted[indices] = [classes[labels[i]["y"], labels[i]["x"]] for i in indices]
    return predicted


def _result(estimate: audit.AuditEstimate, names: dict[int, str]) -> dict[str, Any]:
    return {
        "pixel_accuracy": estimate.pixel_accuracy,
        "pixel_accuracy_interval": Interval(**vars(estimate.pixel_accuracy_interval)),
        "miou": estimate.miou,
        "miou_interval": Interval(**vars(estimate.miou_interval)),
        "per_class_iou": {names[k]: v for k, v in estimate.per_class_iou.items()},
    }


def _estimates(
    ctx: RoundContext, predicted: dict[int, np.ndarray], labels: list[dict[str, int]]
) -> dict[int, dict[str, Any]]:
    """Each round's estimate and, for all but the latest (the last in `predicted`), its
    paired difference from the latest, on one set of bootstrap draws."""
    truth = np.array([label["class_id"] for label in labels])
    images = np.array([label["image_id"] for label in labels])
    classes, seed = len(ctx.classes), ctx.model_settings.seed % 2**32
    names = {c["id"]: c["name"] for c in ctx.classes}
    results: dict[int, dict[str, Any]] = {}
    if not predicted:
        return results
    latest = list(predicted.values())[-1]
    for round_id, prediction in predicted.items():
        estimate = audit.estimate(prediction, truth, images, classes, level=AUDIT_LEVEL, seed=seed)
        versus = None
        if prediction is not latest:
            gain = audit.compare(
                prediction, latest, truth, images, classes, level=AUDIT_LEVEL, seed=seed
            )
            versus = Interval(**vars(gain))
        results[round_id] = {**_result(estimate, names), "versus_latest": versus}
    return results


def read_audit_labels(storage: Storage, project_id: int) -> list[dict[str, int]]:
    """(image id, x, y, class id) of every labelled audit point: each audit task's latest
    answer at the pixels it asked for; points left unlabelled (255) are no label."""
    with open_session() as session:
        tasks = session.scalars(
            select(AnnotationTask)
            .options(joinedload(AnnotationTask.image))
            .where(
                AnnotationTask.project_id == project_id,
                AnnotationTask.purpose == TaskPurpose.audit,
            )
            .order_by(AnnotationTask.id)
        ).all()
        answers: dict[int, list[Annotation]] = defaultdict(list)
        for annotation in session.scalars(
            select(Annotation)
            .where(Annotation.task_id.in_([task.id for task in tasks]))
            .order_by(Annotation.created_at, Annotation.id)
        ):
            answers[annotation.task_id].append(annotation)
    labels = []
    for task in tasks:
        if not answers[task.id]:
            continue
        image = task.image
        merged = merge_label_maps(storage, answers[task.id], image.width, image.height)
        for point in task.points:
            class_id = int(merged[point["y"], point["x"]])
            if class_id != IGNORE_INDEX:
                labels.append({"image_id": image.id, **point, "class_id": class_id})
    return labels


def estimate_rounds(
    ctx: RoundContext,
    labels: list[dict[str, int]],
    image_keys: dict[int, str],
    report: Report,
) -> None:
    """Estimate this round's model and every earlier one on all audit labels so far (labels
    gathered later count for earlier models too), so the rounds compare on one set.
    `image_keys`: the pool's images; labels on images no longer in it are left out."""
    with open_session() as session:
        trained = session.execute(
            select(Round.id, Round.number, Round.checkpoint_key)
            .where(
                Round.project_id == ctx.project_id,
                Round.number <= ctx.number,
                Round.checkpoint_key.is_not(None),
            )
            .order_by(Round.number)
        ).all()
    labels = [label for label in labels if label["image_id"] in image_keys]
    base = {
        "points": len(labels),
        "images": len({label["image_id"] for label in labels}),
        "labels_as_of_round": ctx.number,
    }
    if len(labels) < MIN_AUDIT_POINTS:
        reason = (
            f"{len(labels)} audit points labelled so far; an estimate needs at least "
            f"{MIN_AUDIT_POINTS}"
        )
        results = {round_id: RoundAudit(**base, reason=reason) for round_id, *_ in trained}
    else:
        predicted = {}
        for done, (round_id, number, key) in enumerate(trained, start=1):
            assert key is not None, "only rounds with a model are estimated"
            predicted[round_id] = _predicted(ctx, (round_id, number, key), labels, image_keys)
            report(done, len(trained), f"audit predictions of round {number}")
        results = {
            round_id: RoundAudit(**base, **result)
            for round_id, result in _estimates(ctx, predicted, labels).items()
        }
    with open_session() as session:
        for round_id, result in results.items():
            session.get_one(Round, round_id).audit = result.model_dump(mode="json")
        session.commit()


def refresh_estimates(project_id: int) -> str:
    """Re-estimate every trained round on the audit labels known now. A round's own audit
    points are labelled after it evaluated, so without this its estimate, and the choice of
    the model the project serves, would wait for the next round. Returns what it did: "busy"
    while a round is active (its evaluate stage estimates), "current" when no audit label
    came since the last estimate, "no model" before any round trained, else "estimated"."""
    with open_session() as session:
        if session.scalar(
            select(Round.id)
            .where(Round.project_id == project_id, Round.status.in_(ACTIVE))
            .limit(1)
        ):
            return "busy"
        latest = session.execute(
            select(Round.id, Round.audit)
            .where(Round.project_id == project_id, Round.checkpoint_key.is_not(None))
            .order_by(Round.number.desc())
            .limit(1)
        ).first()
        image_keys: dict[int, str] = dict(
            session.execute(
                select(Image.id, Image.image_key)
                .join(Dataset, Dataset.id == Image.dataset_id)
                .where(Dataset.project_id == project_id, Dataset.kind == DatasetKind.target_pool)
            ).all()
        )
    if latest is None:
        return "no model"
    ctx = load_context(latest.id)
    labels = read_audit_labels(ctx.storage, project_id)
    known = sum(label["image_id"] in image_keys for label in labels)
    if (latest.audit or {}).get("points") == known:
        return "current"
    estimate_rounds(ctx, labels, image_keys, lambda *_, **__: None)
    return "estimated"
