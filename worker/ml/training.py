"""Training loops for model A (segmenter) and LabOR's pixel selector B.

Plain iteration-based loops in the style of torchvision's reference scripts: one optimiser
step per iteration, poly learning-rate decay, checkpoints as plain dicts so a stage killed
mid-way resumes where its last checkpoint left off.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from worker.ml import distributed
from worker.ml.models import DualHeadSelector, Segmenter

IGNORE_INDEX = 255
SOURCE_DOMAIN, TARGET_DOMAIN = 0.0, 1.0

ProgressFn = Callable[[int, int, dict[str, float]], None]
CheckpointFn = Callable[[dict], None]
StopFn = Callable[[], bool]


class TrainingCancelled(Exception):
    """Raised between iterations when `should_stop()` says the round was cancelled."""

    def __init__(self, iteration: int) -> None:
        super().__init__(f"training cancelled at iteration {iteration}")
        self.iteration = iteration


@dataclass
class TrainConfig:
    """Settings shared by both loops.

    DeepLab's optimiser: SGD, momentum 0.9, weight decay 5e-4, poly decay (power 0.9). Adam
    gained only 0.03-0.05 target mIoU in 200-iteration runs from scratch on the demo data: too
    little to leave the paper's recipe, which also suits fine-tuning from ImageNet weights.
    """

    iterations: int = 200
    batch_size: int = 4
    lr: float = 0.01
    target_weight: float = 1.0
    adversarial_weight: float = 0.001
    discrepancy_weight: float = 0.1
    pseudo_label_threshold: float = 0.9
    checkpoint_every: int = 50
    device: str = "cpu"
    seed: int = 0


class Discriminator(nn.Module):
    """AdaptSegNet's fully convolutional discriminator on softmax maps.

    `width` 64 is the paper's; at input resolution that costs more than a MobileNet segmenter,
    so CPU runs use a narrower one.
    """

    def __init__(self, num_classes: int, width: int = 64) -> None:
        super().__init__()
        channels = [num_classes, width, width * 2, width * 4, width * 8]
        layers: list[nn.Module] = []
        for c_in, c_out in itertools.pairwise(channels):
            layers += [nn.Conv2d(c_in, c_out, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        layers.append(nn.Conv2d(channels[-1], 1, 4, stride=2, padding=1))
        self.net = nn.Sequential(*layers)

    def forward(self, prob: Tensor) -> Tensor:
        return self.net(prob)


def masked_cross_entropy(logits: Tensor, labels: Tensor) -> Tensor:
    """Mean CE over labelled pixels; zero (not NaN) when a batch has none."""
    loss = F.cross_entropy(logits.float(), labels, ignore_index=IGNORE_INDEX, reduction="sum")
    return loss / (labels != IGNORE_INDEX).sum().clamp(min=1)


def head_discrepancy(selector: DualHeadSelector, features: Tensor, size: torch.Size) -> Tensor:
    """MCD's mean |p1 - p2| on detached features: maximising it moves the heads only."""
    features = features.detach()
    p1 = F.interpolate(selector.head1(features), size=size, mode="bilinear", align_corners=False)
    p2 = F.interpolate(selector.head2(features), size=size, mode="bilinear", align_corners=False)
    return (p1.float().softmax(1) - p2.float().softmax(1)).abs().mean()


def _make_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    return torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9, weight_decay=5e-4)


def _poly_lr(optimizer: torch.optim.Optimizer, base_lr: float, iteration: int, total: int) -> None:
    for group in optimizer.param_groups:
        group["lr"] = base_lr * (1 - iteration / total) ** 0.9


def _to_device(batch: dict, device: torch.device) -> dict:
    return {
        k: v.to(device, non_blocking=True) if isinstance(v, Tensor) else v for k, v in batch.items()
    }


def _next(batches: Iterator[dict] | None, device: torch.device) -> dict | None:
    return None if batches is None else _to_device(next(batches), device)


def _joint_forward(model: nn.Module, images: list[Tensor]) -> list[Any]:
    """One pass over all domains' images when they share a size.

    Batch-norm statistics then match the mixed running statistics used at evaluation (on the
    demo data, target mIoU with 400 labelled target pixels rose from 0.34 to 0.57), and one
    larger batch runs faster on CPU than several small ones.
    """
    if any(x.shape[1:] != images[0].shape[1:] for x in images):
        return [model(x) for x in images]
    sizes = [len(x) for x in images]
    out = model(torch.cat(images))
    if isinstance(out, Tensor):
        return list(out.split(sizes))
    return list(zip(*(o.split(sizes) for o in out), strict=True))


def _cpu_copy(value: Any) -> Any:
    """Detached CPU copies, so a checkpoint handed to a callback never changes under it."""
    if isinstance(value, Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        return {k: _cpu_copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_cpu_copy(v) for v in value)
    return value


class _Loop:
    """What both training loops share: device, mixed precision, seeding, checkpoint, stop.

    Under torchrun every process runs the loop on its own batches; only the first reports
    progress and writes checkpoints (its cancel check stops the whole group)."""

    def __init__(
        self,
        cfg: TrainConfig,
        on_progress: ProgressFn | None,
        on_checkpoint: CheckpointFn | None,
        should_stop: StopFn | None,
    ) -> None:
        self.cfg = cfg
        self.device = torch.device(cfg.device)
        self.amp = self.device.type == "cuda"
        main = distributed.is_main()
        self.on_progress = on_progress if main else None
        self.on_checkpoint = on_checkpoint if main else None
        self.should_stop = should_stop
        torch.manual_seed(cfg.seed + distributed.rank())

    def autocast(self) -> contextlib.AbstractContextManager:
        return _autocast_on(self.device)

    def scaler(self) -> torch.amp.GradScaler:
        return torch.amp.GradScaler(self.device.type, enabled=self.amp)

    def iterations(self, start: int) -> Iterator[int]:
        for iteration in range(start, self.cfg.iterations):
            if self.should_stop is not None and self.should_stop():
                raise TrainingCancelled(iteration)
            yield iteration

    def finish_iteration(
        self, done: int, losses: dict[str, float], state: Callable[[], dict]
    ) -> None:
        if self.on_progress is not None:
            self.on_progress(done, self.cfg.iterations, losses)
        if self.on_checkpoint is not None and done % self.cfg.checkpoint_every == 0:
            self.on_checkpoint(_cpu_copy({"iteration": done, **state(), "rng": _rng_state()}))


def _rng_state() -> dict[str, Any]:
    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _restore_rng(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def train_segmenter(
    model: Segmenter,
    cfg: TrainConfig,
    source: Iterator[dict],
    target_labelled: Iterator[dict] | None = None,
    target_unlabelled: Iterator[dict] | None = None,
    *,
    objective: Any = None,
    resume: dict | None = None,
    on_progress: ProgressFn | None = None,
    on_checkpoint: CheckpointFn | None = None,
    should_stop: StopFn | None = None,
) -> dict[str, float]:
    """Train A: CE(source) + CE(labelled target) + AdaptSeg adversarial + self-training objective.

    `objective.loss` receives the unlabelled target batch (whose "label" carries any sparse
    human labels); returns the last iteration's losses.
    """
    loop = _Loop(cfg, on_progress, on_checkpoint, should_stop)
    device = loop.device
    model.to(device).train()
    net = distributed.wrap(model)
    optimizer = _make_optimizer(model, cfg)
    scaler = loop.scaler()
    discriminator = None
    if cfg.adversarial_weight > 0 and target_unlabelled is not None:
        width = 64 if device.type == "cuda" else 16
        discriminator = Discriminator(model.num_classes, width).to(device).train()
        d_net = distributed.wrap(discriminator)
        d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=1e-4, betas=(0.9, 0.99))
        d_scaler = loop.scaler()

    start = 0
    if resume is not None:
        model.load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        if resume["scaler"]:  # empty when saved without mixed precision
            scaler.load_state_dict(resume["scaler"])
        if discriminator is not None and resume.get("discriminator") is not None:
            discriminator.load_state_dict(resume["discriminator"])
            d_optimizer.load_state_dict(resume["discriminator_optimizer"])
            if resume["discriminator_scaler"]:
                d_scaler.load_state_dict(resume["discriminator_scaler"])
        _restore_rng(resume["rng"])
        start = resume["iteration"]

    def state() -> dict:
        has_d = discriminator is not None
        return {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scaler": scaler.state_dict(),
            "discriminator": discriminator.state_dict() if has_d else None,
            "discriminator_optimizer": d_optimizer.state_dict() if has_d else None,
            "discriminator_scaler": d_scaler.state_dict() if has_d else None,
            "objective": objective.state_dict() if hasattr(objective, "state_dict") else None,
        }

    losses: dict[str, float] = {}
    for iteration in loop.iterations(start):
        _poly_lr(optimizer, cfg.lr, iteration, cfg.iterations)
        src = _to_device(next(source), device)
        labelled = _next(target_labelled, device)
        unlabelled = _next(target_unlabelled, device)

        batches = [b for b in (src, labelled, unlabelled if discriminator else None) if b]
        with loop.autocast():
            logits = _joint_forward(net, [b["image"] for b in batches])
            src_logits = logits[0]
            loss = masked_cross_entropy(src_logits, src["label"])
            losses = {"source_ce": loss.item()}
            if labelled is not None:
                target_ce = masked_cross_entropy(logits[1], labelled["label"])
                loss = loss + cfg.target_weight * target_ce
                losses["target_ce"] = target_ce.item()
            if discriminator is not None:
                discriminator.requires_grad_(False)
                tgt_logits = logits[-1]
                d_out = discriminator(tgt_logits.softmax(1))
                adversarial = F.binary_cross_entropy_with_logits(
                    d_out.float(), torch.full_like(d_out.float(), SOURCE_DOMAIN)
                )
                loss = loss + cfg.adversarial_weight * adversarial
                losses["adversarial"] = adversarial.item()
            if objective is not None:
                with _frozen_norm_statistics(model):
                    objective_loss, objective_losses = objective.loss(
                        model, src, unlabelled, iteration
                    )
                loss = loss + objective_loss
                losses.update(objective_losses)

        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

        if discriminator is not None:
            discriminator.requires_grad_(True)
            with loop.autocast():
                d_src, d_tgt = (
                    d.float()
                    for d in _joint_forward(
                        d_net, [src_logits.detach().softmax(1), tgt_logits.detach().softmax(1)]
                    )
                )
                d_loss = 0.5 * (
                    F.binary_cross_entropy_with_logits(d_src, torch.full_like(d_src, SOURCE_DOMAIN))
                    + F.binary_cross_entropy_with_logits(
                        d_tgt, torch.full_like(d_tgt, TARGET_DOMAIN)
                    )
                )
            d_optimizer.zero_grad(set_to_none=True)
            d_scaler.scale(d_loss).backward()
            d_scaler.step(d_optimizer)
            d_scaler.update()
            losses["discriminator"] = d_loss.item()

        if objective is not None:
            objective.after_step(model, iteration)
        losses["total"] = loss.item()
        loop.finish_iteration(iteration + 1, losses, state)
    return losses


def train_selector(
    selector: DualHeadSelector,
    teacher: Segmenter,
    cfg: TrainConfig,
    source: Iterator[dict],
    target_labelled: Iterator[dict] | None,
    target_unlabelled: Iterator[dict],
    *,
    resume: dict | None = None,
    on_progress: ProgressFn | None = None,
    on_checkpoint: CheckpointFn | None = None,
    should_stop: StopFn | None = None,
) -> dict[str, float]:
    """Train LabOR's B: both heads fit source, A's confident pseudo-labels and human labels on
    the target, while the heads are pushed apart on the target so their disagreement marks the
    pixels A is unsure of."""
    loop = _Loop(cfg, on_progress, on_checkpoint, should_stop)
    device = loop.device
    selector.to(device).train()
    net = distributed.wrap(selector)
    teacher.to(device)
    optimizer = _make_optimizer(selector, cfg)
    scaler = loop.scaler()
    start = 0
    if resume is not None:
        selector.load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        if resume["scaler"]:
            scaler.load_state_dict(resume["scaler"])
        _restore_rng(resume["rng"])
        start = resume["iteration"]

    def state() -> dict:
        return {
            "model": selector.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scaler": scaler.state_dict(),
        }

    def both_heads_ce(logits1: Tensor, logits2: Tensor, labels: Tensor) -> Tensor:
        return masked_cross_entropy(logits1, labels) + masked_cross_entropy(logits2, labels)

    losses: dict[str, float] = {}
    for iteration in loop.iterations(start):
        _poly_lr(optimizer, cfg.lr, iteration, cfg.iterations)
        src = _to_device(next(source), device)
        labelled = _next(target_labelled, device)
        tgt = _to_device(next(target_unlabelled), device)
        pseudo = pseudo_labels(teacher, tgt["image"], tgt["label"], cfg.pseudo_label_threshold)

        batches = [b for b in (src, tgt, labelled) if b is not None]
        with loop.autocast():
            outputs = _joint_forward(net, [b["image"] for b in batches])
            loss = both_heads_ce(*outputs[0][:2], src["label"])
            losses = {"source_ce": loss.item()}
            t1, t2, features = outputs[1]
            pseudo_ce = both_heads_ce(t1, t2, pseudo)
            loss = loss + pseudo_ce
            losses["pseudo_ce"] = pseudo_ce.item()
            if labelled is not None:
                target_ce = both_heads_ce(*outputs[2][:2], labelled["label"])
                loss = loss + cfg.target_weight * target_ce
                losses["target_ce"] = target_ce.item()
            discrepancy = head_discrepancy(selector, features, tgt["image"].shape[-2:])
            loss = loss - cfg.discrepancy_weight * discrepancy
            losses["discrepancy"] = discrepancy.item()

        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        losses["total"] = loss.item()
        loop.finish_iteration(iteration + 1, losses, state)
    return losses


@torch.no_grad()
def pseudo_labels(teacher: Segmenter, images: Tensor, labels: Tensor, threshold: float) -> Tensor:
    """A's confident predictions (others ignored), with human labels taking precedence."""
    confidence, pseudo = predict(teacher, images).max(1)
    pseudo[confidence < threshold] = IGNORE_INDEX
    human = labels != IGNORE_INDEX
    pseudo[human] = labels[human]
    return pseudo


@contextlib.contextmanager
def _frozen_norm_statistics(model: nn.Module) -> Iterator[None]:
    """Batch norm still normalises with the batch but leaves its running statistics alone.

    Evaluation normalises with those statistics, so they should describe the images the model
    is asked about: the plain mixture of domains of the main forward pass, not the objectives'
    class-mixed, colour-jittered and blurred views."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in norms]
    for m in norms:
        m.momentum = 0.0
    try:
        yield
    finally:
        for m, momentum in zip(norms, saved, strict=True):
            m.momentum = momentum


@contextlib.contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def _autocast_on(device: torch.device) -> contextlib.AbstractContextManager:
    return torch.autocast(device.type, dtype=torch.float16, enabled=device.type == "cuda")


@torch.no_grad()
def predict(model: Segmenter, images: Tensor) -> Tensor:
    """Class probabilities [B,C,H,W] in float32, on the model's device."""
    device = next(model.parameters()).device
    with _eval_mode(model), _autocast_on(device):
        return model(images.to(device)).float().softmax(1)


@torch.no_grad()
def predict_selector(selector: DualHeadSelector, images: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Both heads' probabilities [B,C,H,W] and the backbone features [B,D,h,w]."""
    device = next(selector.parameters()).device
    with _eval_mode(selector), _autocast_on(device):
        logits1, logits2, features = selector(images.to(device))
    return logits1.float().softmax(1), logits2.float().softmax(1), features.float()
