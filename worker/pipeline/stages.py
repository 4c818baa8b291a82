"""The stages of a round. Each reads its inputs from the database and storage and writes its
outputs under the round's keys, so running a stage again after a crash resumes or redoes it
without duplicating anything."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sqlalchemy import select

from backend.config import get_settings
from backend.db import session_scope
from backend.images import encode_label_png, encode_mask_png
from backend.models import (
    Annotation,
    AnnotationTask,
    Dataset,
    DatasetKind,
    Image,
    Project,
    Round,
    TaskStatus,
)
from backend.objectives import validate_objective_config
from backend.round_settings import (
    ModelSettings,
    ObjectiveName,
    RoundSettings,
    SelectionMethod,
    SelectorTraining,
)
from backend.services.annotations import merge_label_maps
from backend.storage import Storage, get_storage
from worker.ml import distributed, selection
from worker.ml.adaptation import build_objective
from worker.ml.data import (
    Augment,
    SegmentationDataset,
    decode_image,
    decode_label,
    infinite_batches,
)
from worker.ml.metrics import evaluate as evaluate_model
from worker.ml.models import Segmenter, build_segmenter, build_selector
from worker.ml.training import (
    TrainConfig,
    predict,
    predict_selector,
    train_segmenter,
    train_selector,
)
from worker.pipeline.artifacts import (
    RoundKeys,
    StorageSoftLabelStore,
    load_json,
    load_torch,
    save_json,
    save_torch,
)
from worker.pipeline.torchrun import run_distributed

Report = Callable[..., None]
# B's heads are new (the second one re-drawn) and train for few iterations: at A's rate they
# barely move apart (tests/unit/test_training.py measures the heads' disagreement).
SELECTOR_LR_SCALE = 10.0


class PipelineError(RuntimeError):
    """A problem the admin must fix (missing data, bad settings); shown as the round's error."""


@dataclass
class RoundContext:
    round_id: int
    project_id: int
    number: int
    settings: RoundSettings
    classes: list[dict[str, Any]]
    ignore_index: int
    storage: Storage
    keys: RoundKeys
    device: str

    @property
    def model_settings(self) -> ModelSettings:
        return self.settings.model

    @property
    def image_size(self) -> tuple[int, int]:
        return self.model_settings.image_size

    def train_config(self, iterations: int) -> TrainConfig:
        model = self.model_settings
        return TrainConfig(
            iterations=iterations,
            batch_size=model.batch_size,
            lr=model.lr,
            optimizer=model.optimizer,
            adversarial_weight=model.adversarial_weight,
            selector_heads_only=model.selector_training == SelectorTraining.heads,
            checkpoint_every=model.checkpoint_every,
            device=self.device,
            seed=model.seed + self.number,
        )

    def build_model(self, pretrained: bool = False) -> Segmenter:
        model = self.model_settings
        return build_segmenter(len(self.classes), model.backbone, pretrained, model.output_stride)

    def dataset(self, items: list[tuple[str, str | None]], augment: bool = False):
        return SegmentationDataset(
            items, self.storage.get, size=self.image_size, augment=Augment() if augment else None
        )

    @property
    def batch_seed(self) -> int:
        """Each training process draws its own batches; one process draws as it always did."""
        return self.model_settings.seed + distributed.rank()

    def batches(self, items: list[tuple[str, str | None]], augment: bool = True):
        if not items:
            return None
        dataset = self.dataset(items, augment=augment)
        return infinite_batches(dataset, self.model_settings.batch_size, self.batch_seed)


def load_context(round_id: int) -> RoundContext:
    with session_scope() as session:
        round_ = session.get(Round, round_id)
        project = session.get(Project, round_.project_id)
        return RoundContext(
            round_id=round_.id,
            project_id=project.id,
            number=round_.number,
            settings=RoundSettings.model_validate(round_.settings),
            classes=project.classes,
            ignore_index=project.ignore_index,
            storage=get_storage(),
            keys=RoundKeys(project.id, round_.number),
            device=distributed.device(),
        )


def _items(images: list[Image]) -> list[tuple[str, str | None]]:
    return [(image.image_key, image.label_key) for image in images]


def prepare(ctx: RoundContext, report: Report) -> None:
    """Freeze the round's inputs: datasets and every label submitted so far, merged per image."""
    with session_scope() as session:
        images_by_kind: dict[str, list[Image]] = defaultdict(list)
        rows = session.execute(
            select(Image, Dataset.kind)
            .join(Dataset, Dataset.id == Image.dataset_id)
            .where(Dataset.project_id == ctx.project_id)
            .order_by(Image.id)
        ).all()
        for image, kind in rows:
            images_by_kind[kind].append(image)
        annotations = session.scalars(
            select(Annotation)
            .join(Image, Image.id == Annotation.image_id)
            .join(Dataset, Dataset.id == Image.dataset_id)
            .where(Dataset.project_id == ctx.project_id)
            .order_by(Annotation.created_at, Annotation.id)
        ).all()
        annotations_by_image: dict[int, list[Annotation]] = defaultdict(list)
        for annotation in annotations:
            annotations_by_image[annotation.image_id].append(annotation)
    if not images_by_kind[DatasetKind.source]:
        raise PipelineError("the project has no source dataset: import one before a round")

    pool = images_by_kind[DatasetKind.target_pool]
    labelled_pixels = 0
    pool_entries = []
    for done, image in enumerate(pool, start=1):
        merged_key = None
        if annotations_by_image.get(image.id):
            merged = merge_label_maps(
                ctx.storage,
                annotations_by_image[image.id],
                image.width,
                image.height,
                ctx.ignore_index,
            )
            merged_key = ctx.keys.target_labels(image.id)
            ctx.storage.put(merged_key, encode_label_png(merged))
            labelled_pixels += int((merged != ctx.ignore_index).sum())
        pool_entries.append(
            {
                "id": image.id,
                "image_key": image.image_key,
                "label_key": merged_key,
                "width": image.width,
                "height": image.height,
            }
        )
        report(done, len(pool))
    manifest = {
        "source": _items(images_by_kind[DatasetKind.source]),
        "val": _items(images_by_kind[DatasetKind.target_val]),
        "pool": pool_entries,
        "labelled_pixels": labelled_pixels,
        "pool_pixels": sum(image.width * image.height for image in pool),
    }
    save_json(ctx.storage, ctx.keys.manifest, manifest)


def _previous_model_key(ctx: RoundContext) -> str | None:
    if ctx.number == 0:
        return None
    with session_scope() as session:
        return session.scalar(
            select(Round.checkpoint_key).where(
                Round.project_id == ctx.project_id, Round.number == ctx.number - 1
            )
        )


def _load_model(ctx: RoundContext, key: str) -> Segmenter:
    model = ctx.build_model()
    model.load_state_dict(load_torch(ctx.storage, key, ctx.device))
    return model.to(ctx.device).eval()


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
        ctx.ignore_index,
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
    _set_round(ctx, checkpoint_key=ctx.keys.model)


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
    _set_round(ctx, selector_checkpoint_key=ctx.keys.selector)


def fit_selector(ctx: RoundContext, report: Report) -> None:
    manifest = load_json(ctx.storage, ctx.keys.manifest)
    teacher = _load_model(ctx, ctx.keys.model)
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
    """Target-val mIoU of model A, beside the labelled pixels that bought it."""
    manifest = load_json(ctx.storage, ctx.keys.manifest)
    metrics: dict[str, Any] = {
        "labelled_pixels": manifest["labelled_pixels"],
        "labelled_fraction": manifest["labelled_pixels"] / max(manifest["pool_pixels"], 1),
        "miou": None,
        "per_class_iou": {},
    }
    if manifest["val"]:
        model = _load_model(ctx, ctx.keys.model)
        dataset = ctx.dataset([tuple(item) for item in manifest["val"]])
        result = evaluate_model(model, dataset, len(ctx.classes), device=ctx.device)
        names = [c["name"] for c in sorted(ctx.classes, key=lambda c: c["id"])]
        metrics["miou"] = result["miou"]
        metrics["pixel_accuracy"] = result["pixel_accuracy"]
        metrics["per_class_iou"] = dict(zip(names, result["per_class_iou"], strict=True))
    report(1, 1, force=True)
    _set_round(ctx, metrics=metrics)


def _open_task_images(ctx: RoundContext) -> set[int]:
    """Images whose earlier tasks are still waiting for a person: don't ask twice."""
    with session_scope() as session:
        return set(
            session.scalars(
                select(AnnotationTask.image_id).where(
                    AnnotationTask.project_id == ctx.project_id,
                    AnnotationTask.round_id != ctx.round_id,
                    AnnotationTask.status.in_((TaskStatus.pending, TaskStatus.leased)),
                )
            )
        )


def _image_tensor(ctx: RoundContext, entry: dict[str, Any]) -> torch.Tensor:
    dataset = ctx.dataset([(entry["image_key"], None)])
    return dataset[0]["image"].unsqueeze(0).to(ctx.device)


def _image_score(method: SelectionMethod, prob1: torch.Tensor, prob2: torch.Tensor | None) -> float:
    """Which images to ask about first. LabOR: the share of pixels where the heads disagree,
    ties broken by mean discrepancy (an image where they agree everywhere needs no label);
    single-model baselines: mean prediction entropy."""
    if method.uses_selector and prob2 is not None:
        inconsistent = float(selection.inconsistency_mask(prob1, prob2).float().mean())
        return inconsistent + 1e-3 * float(selection.discrepancy_map(prob1, prob2).mean())
    entropy = -(prob1 * prob1.clamp_min(1e-8).log()).sum(dim=1)
    return float(entropy.mean())


def select_stage(ctx: RoundContext, report: Report) -> None:
    """Rank candidate pool images, then pick pixels at each image's true resolution."""
    manifest = load_json(ctx.storage, ctx.keys.manifest)
    method = ctx.settings.selection_method
    model = _load_model(ctx, ctx.keys.model)
    selector = None
    if method.uses_selector:
        selector = build_selector(model)
        selector.load_state_dict(load_torch(ctx.storage, ctx.keys.selector, ctx.device))
        selector = selector.to(ctx.device).eval()
    busy = _open_task_images(ctx)
    candidates = [entry for entry in manifest["pool"] if entry["id"] not in busy]
    generator = torch.Generator().manual_seed(ctx.model_settings.seed * 1000 + ctx.number)

    scores = []
    for done, entry in enumerate(candidates, start=1):
        x = _image_tensor(ctx, entry)
        if selector is not None:
            prob1, prob2, _ = predict_selector(selector, x)
        else:
            prob1, prob2 = predict(model, x), None
        score = (
            float(torch.rand(1, generator=generator))
            if method.is_random
            else _image_score(method, prob1, prob2)
        )
        scores.append(score)
        report(done, 2 * len(candidates), "scoring images")
    order = sorted(range(len(candidates)), key=lambda i: -scores[i])
    chosen = [candidates[i] for i in order[: ctx.settings.images_per_round]]

    entries = []
    for done, entry in enumerate(chosen, start=1):
        entries.append(_select_in_image(ctx, entry, method, model, selector, generator))
        entries[-1]["priority"] = scores[candidates.index(entry)]
        report(len(candidates) + done, len(candidates) + len(chosen), "selecting pixels")
    save_json(ctx.storage, ctx.keys.selection, entries)


@torch.no_grad()
def _select_in_image(
    ctx: RoundContext,
    entry: dict[str, Any],
    method: SelectionMethod,
    model: Segmenter,
    selector,
    generator: torch.Generator,
) -> dict[str, Any]:
    size = (entry["height"], entry["width"])
    x = _image_tensor(ctx, entry)

    def full_res(t: torch.Tensor) -> torch.Tensor:
        return F.interpolate(t, size=size, mode="bilinear", align_corners=False)

    logits = full_res(model(x))
    features = None
    if selector is not None:
        logits1, logits2, features = selector(x)
        prob1, prob2 = full_res(logits1).softmax(1), full_res(logits2).softmax(1)
    else:
        prob1, prob2 = logits.softmax(1), None
    labelled = np.zeros(size, dtype=bool)
    if entry["label_key"]:
        labelled = decode_label(ctx.storage.get(entry["label_key"])) != ctx.ignore_index
    result = selection.select(
        method,
        prob1=prob1,
        prob2=prob2,
        features=features,
        logits=logits,
        image=torch.from_numpy(decode_image(ctx.storage.get(entry["image_key"])).copy())
        .permute(2, 0, 1)
        .unsqueeze(0),
        n_points=ctx.settings.points_per_image,
        budget_fraction=ctx.settings.pixel_budget,
        generator=generator,
        exclude=torch.from_numpy(labelled).unsqueeze(0).to(prob1.device),
    )
    if result.kind == "points":
        points = [{"x": int(x_), "y": int(y_)} for x_, y_ in result.points[0]]
        mask = (
            selection.inconsistency_mask(prob1, prob2)[0].cpu().numpy()
            if prob2 is not None
            else np.zeros(size, dtype=bool)
        )
        requested = len(points)
    else:
        points = []
        mask = result.mask[0].cpu().numpy()
        requested = int(mask.sum())
    mask_key = ctx.keys.mask(entry["id"])
    ctx.storage.put(mask_key, encode_mask_png(mask))
    prediction_key = ctx.keys.prediction(entry["id"])
    prediction = logits.argmax(1)[0].to(torch.uint8).cpu().numpy()
    ctx.storage.put(prediction_key, encode_label_png(prediction))
    return {
        "image_id": entry["id"],
        "kind": result.kind,
        "points": points,
        "mask_key": mask_key,
        "prediction_key": prediction_key,
        "requested_pixels": requested,
    }


def publish(ctx: RoundContext, report: Report) -> None:
    """Insert the round's tasks once: existing (round, image) rows are never added again."""
    entries = load_json(ctx.storage, ctx.keys.selection)
    with session_scope() as session:
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
                    points=entry["points"],
                    mask_key=entry["mask_key"],
                    prediction_key=entry["prediction_key"],
                    requested_pixels=entry["requested_pixels"],
                    priority=entry["priority"],
                )
            )
        session.commit()
    report(1, 1, force=True)


def _set_round(ctx: RoundContext, **values: Any) -> None:
    with session_scope() as session:
        round_ = session.get(Round, ctx.round_id)
        for name, value in values.items():
            setattr(round_, name, value)
        session.commit()


TRAINING_FUNCTIONS = {fit.__name__: fit for fit in (fit_model, fit_selector)}
STAGE_FUNCTIONS: dict[str, Callable[[RoundContext, Report], None]] = {
    "prepare": prepare,
    "train_model": train_model,
    "train_selector": train_selector_stage,
    "evaluate": evaluate,
    "select": select_stage,
    "publish": publish,
}
