"""Audit points: drawn by the select stage, turned into estimates by the evaluate stage.

An audit point is a pixel drawn uniformly at random over the target pool, labelled like any
point and never trained on (the prepare stage keeps its label out of every training map), so
a model's accuracy on audit points estimates its accuracy on the pool without target labels
(worker.ml.audit). Draws are stratified over images: images uniformly without replacement,
then at most ceil(n / images) pixels each, since the points of one image say much the same.
"""

import math
from collections import defaultdict
from typing import Any

import numpy as np
from sqlalchemy import select

from backend.audit_schemas import AUDIT_LEVEL, MIN_AUDIT_POINTS, Interval, RoundAudit
from backend.db import open_session
from backend.images import IGNORE_INDEX, encode_label_png
from backend.models import Round
from worker.ml import audit
from worker.ml.data import decode_label
from worker.ml.inference import predict_labels
from worker.pipeline.artifacts import RoundKeys
from worker.pipeline.context import Report, RoundContext, load_context, load_model

# A seed stream of its own: drawing audit points never shifts the training selection's draws.
AUDIT_STREAM = 0xA0D17


def audit_rng(ctx: RoundContext) -> np.random.Generator:
    """Seeded from the round like the rest of selection: a redelivered stage draws the same."""
    return np.random.default_rng([AUDIT_STREAM, ctx.model_settings.seed % 2**32, ctx.number])


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
    """n audit pixels over `candidates` (pool entries free this round): as many images as
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


def estimate_rounds(ctx: RoundContext, manifest: dict[str, Any], report: Report) -> None:
    """Estimate this round's model and every earlier one on all audit labels so far (labels
    gathered later count for earlier models too), so the rounds compare on one set."""
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
    image_keys = {entry["id"]: entry["image_key"] for entry in manifest["pool"]}
    labels = [label for label in manifest.get("audit", []) if label["image_id"] in image_keys]
    base = {
        "points": len(labels),
        "images": len({label["image_id"] for label in labels}),
        "labels_as_of_round": ctx.number,
    }
    names = {c["id"]: c["name"] for c in ctx.classes}
    results = {}
    for done, (round_id, number, key) in enumerate(trained, start=1):
        assert key is not None, "only rounds with a model are estimated"
        if len(labels) < MIN_AUDIT_POINTS:
            reason = (
                f"{len(labels)} audit points labelled so far; an estimate needs at least "
                f"{MIN_AUDIT_POINTS}"
            )
            results[round_id] = RoundAudit(**base, reason=reason)
            continue
        estimate = audit.estimate(
            _predicted(ctx, (round_id, number, key), labels, image_keys),
            np.array([label["class_id"] for label in labels]),
            np.array([label["image_id"] for label in labels]),
            len(ctx.classes),
            level=AUDIT_LEVEL,
            seed=ctx.model_settings.seed % 2**32,
        )
        results[round_id] = RoundAudit(**base, **_result(estimate, names))
        report(done, len(trained), f"audit estimate of round {number}")
    with open_session() as session:
        for round_id, result in results.items():
            session.get_one(Round, round_id).audit = result.model_dump(mode="json")
        session.commit()
