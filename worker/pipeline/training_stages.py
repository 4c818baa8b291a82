"""The training stages: model A (round 0 from the source, later rounds fine-tuned with every
label so far), selector B, and the evaluation on target/val. Checkpoints make a redelivered
stage resume instead of starting over."""

from collections.abc import Callable
from typing import Any

import torch
from sqlalchemy import select

from backend.config import get_settings
from backend.db import open_session
from backend.images import IGNORE_INDEX
from backend.models import Round
from backend.objectives import validate_objective_config
from backend.round_settings import ObjectiveName
from backend.schemas import RoundMetrics
from worker.ml import distributed
from worker.ml.adaptation import build_objective
from worker.ml.data import infinite_batches
from worker.ml.metrics import evaluate as evaluate_model
from worker.ml.models import build_selector
from worker.ml.training import train_segmenter, train_selector
from worker.pipeline.artifacts import StorageSoftLabelStore, load_json, load_torch, save_torch
from worker.pipeline.audit import estimate_rounds
from worker.pipeline.context import Report, RoundContext, load_model, set_round
from worker.pipeline.torchrun import run_distributed

# B's heads are new (the second one re-drawn) and train for few iterations: at A's rate they
# barely move apart (tests/unit/test_training.py measures the heads' disagreement).
SELECTOR_LR_SCALE = 10.0


def _previous_model_key(ctx: RoundContext) -> str | None:
    if ctx.number == 0:
        return None
    with open_session() as session:
        return session.scalar(
            select(Round.checkpoint_key).where(
                Round.project_id == ctx.project_id, Round.number == ctx.number - 1
            )
        )


def _training_inputs(ctx: RoundContext, manifest: dict[str, Any]):
    """Source batches, labelled-target batches, and the whole pool with its sparse labels.

    The pool is not geometrically augmented: objectives look up per-image state (ProDA's
    soft labels) by pool index, and their own strong augmentation is photometric."""
    pool = manifest["pool"]
    labelled = [(p["image_key"], p["label_key"]) for p in pool if p["label_key"]]
    pool_dataset = ctx.dataset([(p["image_key"], p["label_key"]) for p in pool])
    unlabelled = (
        infinite_batches(pool_dataset, ctx.model_settings.batch_size, ctx.batch_seed)
        if pool
        else None
    )
    return (
        ctx.batches([tuple(item) for item in manifest["source"]]),
        ctx.batches(labelled),
        unlabelled,
        pool_dataset,
    )


def _progress_callback(report: Report, offset: int, total: int):
    def on_progress(iteration: int, _: int, losses: dict[str, float]) -> None:
        detail = " ".join(f"{name}={value:.3f}" for name, value in sorted(losses.items()))
        report(offset + iteration, total, detail)

    return on_progress


def _build_objective(ctx: RoundContext):
    objective = ctx.settings.objective
    if objective == ObjectiveName.none:
        return None
    return build_objective(
        objective,
        # Settings snapshotted before a setting existed get its default.
        validate_objective_config(objective, ctx.settings.objective_config),
        len(ctx.classes),
        IGNORE_INDEX,
        soft_label_store=StorageSoftLabelStore(ctx.storage, ctx.keys.soft_labels),
    )


def _seed_init(ctx: RoundContext) -> None:
    """New weights come from torch's global generator: seed it, or a round's model would
    depend on whatever this worker process ran before (training seeds only its own loop)."""
    torch.manual_seed(ctx.model_settings.seed + ctx.number)


def _load_if_exists(ctx: RoundContext, key: str) -> dict | None:
    return load_torch(ctx.storage, key, ctx.device) if ctx.storage.exists(key) else None


def _save_model(ctx: RoundContext, key: str, model: torch.nn.Module) -> None:
    if distributed.is_main():
        save_torch(ctx.storage, key, model.state_dict())


def _train(ctx: RoundContext, report: Report, fit: Callable[[RoundContext, Report], None]) -> None:
    """Run `fit` here, or on `train_processes` processes started by torchrun (one per GPU)."""
    processes = get_settings().train_processes
    if processes > 1 and not distributed.launched_by_torchrun():
        run_distributed(ctx.round_id, fit.__name__, processes)
    else:
        fit(ctx, report)


def train_model(ctx: RoundContext, report: Report) -> None:
    """Model A: round 0 trains from scratch, later rounds fine-tune with all labels so far."""
    if not ctx.storage.exists(ctx.keys.model):
        _train(ctx, report, fit_model)
    set_round(ctx, checkpoint_key=ctx.keys.model)


def fit_model(ctx: RoundContext, report: Report) -> None:
    """Self-training needs a warm-up model to trust: later rounds start from the previous
    round's model; round 0 first trains half its iterations without the objective."""
    manifest = load_json(ctx.storage, ctx.keys.manifest)
    _seed_init(ctx)
    model = ctx.build_model(ctx.model_settings.pretrained).to(ctx.device)
    previous = _previous_model_key(ctx)
    if previous is not None:
        model.load_state_dict(load_torch(ctx.storage, previous, ctx.device))
        iterations = ctx.model_settings.finetune_iterations
    else:
        iterations = ctx.model_settings.iterations
    objective = _build_objective(ctx)
    warmup = iterations // 2 if objective is not None and previous is None else 0
    source, target_labelled, target_pool, pool_dataset = _training_inputs(ctx, manifest)
    if warmup and ctx.storage.exists(ctx.keys.warmup_model):
        model.load_state_dict(load_torch(ctx.storage, ctx.keys.warmup_model, ctx.device))
    elif warmup:
        train_segmenter(
            model,
            ctx.train_config(warmup),
            source,
            target_labelled,
            target_pool,
            resume=_load_if_exists(ctx, ctx.keys.warmup_checkpoint),
            on_progress=_progress_callback(report, 0, iterations),
            on_checkpoint=lambda s: save_torch(ctx.storage, ctx.keys.warmup_checkpoint, s),
        )
        _save_model(ctx, ctx.keys.warmup_model, model)
    resume = _load_if_exists(ctx, ctx.keys.model_checkpoint)
    if objective is not None:
        if resume is not None and resume.get("objective") is not None:
            objective.load_state_dict(resume["objective"])
        objective.prepare(model, pool_dataset, ctx.device)
    train_segmenter(
        model,
        ctx.train_config(iterations - warmup),
        source,
        target_labelled,
        target_pool,
        objective=objective,
        resume=resume,
        on_progress=_progress_callback(report, warmup, iterations),
        on_checkpoint=lambda s: save_torch(ctx.storage, ctx.keys.model_checkpoint, s),
    )
    _save_model(ctx, ctx.keys.model, model)


def train_selector_stage(ctx: RoundContext, report: Report) -> None:
    """Selector B (LabOR): two heads pushed to disagree where the target is ambiguous."""
    if not ctx.settings.selection_method.uses_selector:
        report(1, 1, "not needed by this selection method", force=True)
        return
    if not ctx.storage.exists(ctx.keys.selector):
        _train(ctx, report, fit_selector)
    set_round(ctx, selector_checkpoint_key=ctx.keys.selector)


def fit_selector(ctx: RoundContext, report: Report) -> None:
    manifest = load_json(ctx.storage, ctx.keys.manifest)
    teacher = load_model(ctx, ctx.keys.model)
    _seed_init(ctx)
    selector = build_selector(teacher).to(ctx.device)
    resume = _load_if_exists(ctx, ctx.keys.selector_checkpoint)
    source, target_labelled, target_pool, _ = _training_inputs(ctx, manifest)
    iterations = ctx.model_settings.selector_iterations
    cfg = ctx.train_config(iterations)
    cfg.lr *= SELECTOR_LR_SCALE
    train_selector(
        selector,
        teacher,
        cfg,
        source,
        target_labelled,
        target_pool,
        resume=resume,
        on_progress=_progress_callback(report, 0, iterations),
        on_checkpoint=lambda state: save_torch(ctx.storage, ctx.keys.selector_checkpoint, state),
    )
    _save_model(ctx, ctx.keys.selector, selector)


def evaluate(ctx: RoundContext, report: Report) -> None:
    """Target-val mIoU of model A, beside the labelled pixels that bought it; then the audit
    estimates of this round's model and every earlier one, which need no target labels."""
    manifest = load_json(ctx.storage, ctx.keys.manifest)
    metrics = RoundMetrics(
        labelled_pixels=manifest["labelled_pixels"],
        labelled_fraction=manifest["labelled_pixels"] / max(manifest["pool_pixels"], 1),
        miou=None,
        per_class_iou={},
    )
    if manifest["val"]:
        model = load_model(ctx, ctx.keys.model)
        dataset = ctx.dataset([tuple(item) for item in manifest["val"]])
        result = evaluate_model(model, dataset, len(ctx.classes), device=ctx.device)
        names = [c["name"] for c in sorted(ctx.classes, key=lambda c: c["id"])]
        metrics.miou = result["miou"]
        metrics.pixel_accuracy = result["pixel_accuracy"]
        metrics.per_class_iou = dict(zip(names, result["per_class_iou"], strict=True))
    set_round(ctx, metrics=metrics.model_dump())
    image_keys = {entry["id"]: entry["image_key"] for entry in manifest["pool"]}
    estimate_rounds(ctx, manifest["audit"], image_keys, report)
    report(1, 1, force=True)


TRAINING_FUNCTIONS = {fit.__name__: fit for fit in (fit_model, fit_selector)}
