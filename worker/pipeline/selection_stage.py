"""The select stage: rank pool images, then pick the pixels to ask about at each image's true
resolution (LabOR or a baseline, worker.ml.selection), and the round's audit points on the
held-out pool images (worker.pipeline.audit)."""

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sqlalchemy import select

from backend.db import open_session
from backend.images import encode_label_png, encode_mask_png
from backend.models import AnnotationTask, Project, TaskPurpose, TaskStatus
from backend.round_settings import SelectionMethod
from backend.services.audit import current_model
from worker.ml import selection
from worker.ml.data import decode_image
from worker.ml.inference import predict_labels, preprocess
from worker.ml.models import DualHeadSelector, Segmenter, build_selector
from worker.ml.training import predict, predict_selector
from worker.pipeline.artifacts import load_json, load_torch, save_json
from worker.pipeline.audit import audit_rng, draw_audit_points, held_out_images, taken_pixels
from worker.pipeline.context import Report, RoundContext, load_context, load_model

# The project's current model and its input size, when it is not the selecting round's.
Prefill = tuple[Segmenter, tuple[int, int]] | None


@dataclass(frozen=True)
class SelectionModels:
    """What a round selects with: its A, B when the method has one, and the pre-fill model."""

    model: Segmenter
    selector: DualHeadSelector | None
    prefill: Prefill


def _open_task_images(ctx: RoundContext) -> set[int]:
    """Images whose earlier tasks are still waiting for a person: don't ask twice."""
    with open_session() as session:
        return set(
            session.scalars(
                select(AnnotationTask.image_id).where(
                    AnnotationTask.project_id == ctx.project_id,
                    AnnotationTask.round_id != ctx.round_id,
                    AnnotationTask.status.in_((TaskStatus.pending, TaskStatus.leased)),
                )
            )
        )


def _image_tensor(ctx: RoundContext, data: bytes) -> torch.Tensor:
    return preprocess(data, ctx.image_size).to(ctx.device)


def _image_score(method: SelectionMethod, prob1: torch.Tensor, prob2: torch.Tensor | None) -> float:
    """Which images to ask about first. LabOR: the share of pixels where the heads disagree,
    ties broken by mean discrepancy (an image where they agree everywhere needs no label);
    single-model baselines: mean prediction entropy."""
    if method.uses_selector and prob2 is not None:
        inconsistent = float(selection.inconsistency_mask(prob1, prob2).float().mean())
        return inconsistent + 1e-3 * float(selection.discrepancy_map(prob1, prob2).mean())
    entropy = -(prob1 * prob1.clamp_min(1e-8).log()).sum(dim=1)
    return float(entropy.mean())


def _image_scores(
    ctx: RoundContext,
    candidates: list[dict[str, Any]],
    method: SelectionMethod,
    models: SelectionModels,
    report: Report,
) -> list[float]:
    """`_image_score` of each candidate, from B's two heads when the method has B, else A's."""
    scores = []
    for done, entry in enumerate(candidates, start=1):
        x = _image_tensor(ctx, ctx.storage.get(entry["image_key"]))
        if models.selector is not None:
            prob1, prob2, _ = predict_selector(models.selector, x)
        else:
            prob1, prob2 = predict(models.model, x), None
        scores.append(_image_score(method, prob1, prob2))
        report(done, 2 * len(candidates), "scoring images")
    return scores


def _prefill_model(ctx: RoundContext) -> Prefill:
    """Tasks' predictions (region pre-fill) come from the project's current model: the pinned
    round or the one chosen on the audit points (backend.services.audit), not always this
    round's A."""
    with open_session() as session:
        current, _ = current_model(session, session.get_one(Project, ctx.project_id))
        if current is None or current.id == ctx.round_id or current.checkpoint_key is None:
            return None
        round_id, key = current.id, current.checkpoint_key
    other = load_context(round_id)
    return load_model(other, key), other.image_size


def select_stage(ctx: RoundContext, report: Report) -> None:
    """Rank candidate pool images, then pick pixels at each image's true resolution."""
    manifest = load_json(ctx.storage, ctx.keys.manifest)
    method = ctx.settings.selection_method
    model = load_model(ctx, ctx.keys.model)
    selector = None
    if method.uses_selector:
        selector = build_selector(model)
        selector.load_state_dict(load_torch(ctx.storage, ctx.keys.selector, ctx.device))
        selector = selector.to(ctx.device).eval()
    busy = _open_task_images(ctx)
    held_out = held_out_images(ctx.settings, manifest["pool"])
    free = [entry for entry in manifest["pool"] if entry["id"] not in busy]
    candidates = [entry for entry in free if entry["id"] not in held_out]
    generator = torch.Generator().manual_seed(ctx.model_settings.seed * 1000 + ctx.number)
    models = SelectionModels(model, selector, _prefill_model(ctx))

    if method.is_random:
        # A random order needs no model: scoring would cost a forward pass per image.
        scores = torch.rand(len(candidates), generator=generator).tolist()
    else:
        scores = _image_scores(ctx, candidates, method, models, report)
    chosen = sorted(range(len(candidates)), key=lambda i: -scores[i])[
        : ctx.settings.images_per_round
    ]
    rng = audit_rng(ctx)
    audits = draw_audit_points(
        ctx, [entry for entry in free if entry["id"] in held_out], ctx.settings.audit_points, rng
    )

    entries = []
    total = len(candidates) + len(chosen) + len(audits)
    for done, i in enumerate(chosen, start=1):  # indices into candidates, best first
        entries.append(_select_in_image(ctx, candidates[i], method, models, generator))
        entries[-1]["priority"] = scores[i]
        report(len(candidates) + done, total, "selecting pixels")
    train_priorities = [entry["priority"] for entry in entries] or [0.0]
    for done, (entry, points) in enumerate(audits, start=1):
        # A priority drawn from the training tasks': audit tasks are served among them.
        priority = float(rng.choice(train_priorities))
        entries.append(_audit_task(ctx, entry, points, models, priority))
        report(len(candidates) + len(chosen) + done, total, "audit points")
    save_json(ctx.storage, ctx.keys.selection, entries)


def _forward(ctx: RoundContext, entry: dict[str, Any], data: bytes, models: SelectionModels):
    """Model A's logits and the heads' probabilities (B's, or A's alone) at full resolution."""
    size = (entry["height"], entry["width"])
    x = _image_tensor(ctx, data)

    def full_res(t: torch.Tensor) -> torch.Tensor:
        return F.interpolate(t, size=size, mode="bilinear", align_corners=False)

    logits = full_res(models.model(x))
    features = None
    if models.selector is not None:
        logits1, logits2, features = models.selector(x)
        prob1, prob2 = full_res(logits1).softmax(1), full_res(logits2).softmax(1)
    else:
        prob1, prob2 = logits.softmax(1), None
    return logits, prob1, prob2, features


def _point_mask(prob1: torch.Tensor, prob2: torch.Tensor | None, size) -> np.ndarray:
    """What a points task shows: where B's heads disagree (nothing for one-model methods)."""
    if prob2 is None:
        return np.zeros(size, dtype=bool)
    return selection.inconsistency_mask(prob1, prob2)[0].cpu().numpy()


def _task_files(
    ctx: RoundContext,
    entry: dict[str, Any],
    data: bytes,
    mask: np.ndarray,
    logits: torch.Tensor,
    prefill: Prefill,
) -> dict[str, str]:
    mask_key = ctx.keys.mask(entry["id"])
    ctx.storage.put(mask_key, encode_mask_png(mask))
    prediction_key = ctx.keys.prediction(entry["id"])
    if prefill is None:
        prediction = logits.argmax(1)[0].to(torch.uint8).cpu().numpy()
    else:
        prediction = predict_labels(prefill[0], data, prefill[1])
    ctx.storage.put(prediction_key, encode_label_png(prediction))
    return {"mask_key": mask_key, "prediction_key": prediction_key}


@torch.no_grad()
def _audit_task(
    ctx: RoundContext,
    entry: dict[str, Any],
    points: list[dict[str, int]],
    models: SelectionModels,
    priority: float,
) -> dict[str, Any]:
    """An audit task looks like any points task (its mask and prediction made alike), so
    nobody labelling it can tell."""
    data = ctx.storage.get(entry["image_key"])
    logits, prob1, prob2, _ = _forward(ctx, entry, data, models)
    mask = _point_mask(prob1, prob2, (entry["height"], entry["width"]))
    return {
        "image_id": entry["id"],
        "kind": "points",
        "purpose": TaskPurpose.audit,
        "points": points,
        **_task_files(ctx, entry, data, mask, logits, models.prefill),
        "requested_pixels": len(points),
        "priority": priority,
    }


@torch.no_grad()
def _select_in_image(
    ctx: RoundContext,
    entry: dict[str, Any],
    method: SelectionMethod,
    models: SelectionModels,
    generator: torch.Generator,
) -> dict[str, Any]:
    """A training task: the method's pixels (points or a region) on a chosen image."""
    size = (entry["height"], entry["width"])
    data = ctx.storage.get(entry["image_key"])
    logits, prob1, prob2, features = _forward(ctx, entry, data, models)
    # Never ask again for a labelled pixel, nor for training labels at an audit point.
    taken = taken_pixels(ctx, entry)
    result = selection.select(
        method,
        prob1=prob1,
        prob2=prob2,
        features=features,
        logits=logits,
        image=torch.from_numpy(decode_image(data).copy()).permute(2, 0, 1).unsqueeze(0),
        n_points=ctx.settings.points_per_image,
        budget_fraction=ctx.settings.pixel_budget,
        generator=generator,
        exclude=torch.from_numpy(taken).unsqueeze(0).to(prob1.device),
    )
    if result.kind == "points":
        assert result.points is not None  # a points result holds its points
        points = [{"x": int(x_), "y": int(y_)} for x_, y_ in result.points[0]]
        mask = _point_mask(prob1, prob2, size)
        requested = len(points)
    else:
        assert result.mask is not None  # and a region result its mask
        points = []
        mask = result.mask[0].cpu().numpy()
        requested = int(mask.sum())
    return {
        "image_id": entry["id"],
        "kind": result.kind,
        "purpose": TaskPurpose.train,
        "points": points,
        **_task_files(ctx, entry, data, mask, logits, models.prefill),
        "requested_pixels": requested,
    }
