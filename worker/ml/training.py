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

    The default recipe fine-tunes a pretrained backbone with AdamW, a linear warm-up over the
    first `warmup_fraction` of the iterations, then poly decay (power 0.9); backbone and new
    layers learn at one rate (`backbone_lr_scale` None: 1.0 for AdamW, where a tenth cost 6
    mIoU points in 300 iterations, see benchmarks/README.md; 0.1 for SGD, DeepLab's 10x rate
    for new layers). `optimizer="sgd"` is DeepLab's (momentum 0.9, weight decay 5e-4), the
    paper's setting. `frozen_norm` keeps every batch norm on its running statistics (neither
    updated nor replaced by the batch's), an option for fine-tuning on few labels.
    `selector_heads_only` trains only B's two heads, on A's frozen encoder (see
    `train_selector`). benchmarks/recipe.py measures what each of them buys.
    """

    iterations: int = 200
    batch_size: int = 8
    lr: float = 1e-3
    optimizer: str = "adamw"
    backbone_lr_scale: float | None = None
    warmup_fraction: float = 0.05
    frozen_norm: bool = False
    target_weight: float = 1.0
    adversarial_weight: float = 0.001
    discrepancy_weight: float = 0.1
    pseudo_label_threshold: float = 0.9
    selector_heads_only: bool = True
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
    p1 = F.interpolate(selector.head1(features)[0], size=size, mode="bilinear", align_corners=False)
    p2 = F.interpolate(selector.head2(features)[0], size=size, mode="bilinear", align_corners=False)
    return mean_abs_difference(p1, p2)


def mean_abs_difference(logits1: Tensor, logits2: Tensor) -> Tensor:
    return (logits1.float().softmax(1) - logits2.float().softmax(1)).abs().mean()


def _make_optimizer(model: Segmenter | DualHeadSelector, cfg: TrainConfig) -> torch.optim.Optimizer:
    """Pretrained backbone weights at `backbone_lr_scale` times the rate of everything new."""
    pretrained = {id(p) for p in model.backbone_parameters()}
    trainable = [p for p in model.parameters() if p.requires_grad]
    scale = cfg.backbone_lr_scale
    if scale is None:
        scale = 0.1 if cfg.optimizer == "sgd" else 1.0
    groups = [
        {"params": [p for p in trainable if id(p) in pretrained], "scale": scale},
        {"params": [p for p in trainable if id(p) not in pretrained], "scale": 1.0},
    ]
    groups = [g for g in groups if g["params"]]
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=cfg.lr, momentum=0.9, weight_decay=5e-4)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=1e-4)
    raise ValueError(f"unknown optimizer {cfg.optimizer!r}; choose adamw or sgd")


def _schedule_lr(optimizer: torch.optim.Optimizer, cfg: TrainConfig, iteration: int) -> None:
    """Linear warm-up, then poly decay to zero at `cfg.iterations`."""
    warmup = int(cfg.warmup_fraction * cfg.iterations)
    if iteration < warmup:
        factor = (iteration + 1) / (warmup + 1)
    else:
        factor = (1 - (iteration - warmup) / max(1, cfg.iterations - warmup)) ** 0.9
    for group in optimizer.param_groups:
        group["lr"] = cfg.lr * group["scale"] * factor


def _to_device(batch: dict, device: torch.device) -> dict:
    """On `device`; images channels-last, which the convolutions run faster on (about a fifth
    less time per training step on CPU)."""
    out = {
        k: v.to(device, non_blocking=True) if isinstance(v, Tensor) else v for k, v in batch.items()
    }
    out["image"] = out["image"].contiguous(memory_format=torch.channels_last)
    return out


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
    model.to(device, memory_format=torch.channels_last)
    _train_mode(model, cfg.frozen_norm)
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
        _schedule_lr(optimizer, cfg, iteration)
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
    pixels A is unsure of.

    With `cfg.selector_heads_only` (the default) B's encoder is A's, frozen: only the heads
    learn, the encoder runs once per batch without gradients, and A's pseudo-labels come from
    A's head on that same encoding instead of a second forward pass."""
    loop = _Loop(cfg, on_progress, on_checkpoint, should_stop)
    device = loop.device
    heads_only = cfg.selector_heads_only
    selector.to(device, memory_format=torch.channels_last)
    selector.encoder.requires_grad_(not heads_only)
    _train_mode(selector, cfg.frozen_norm)
    if heads_only:
        selector.encoder.eval()
    net = distributed.wrap(selector)
    teacher.to(device, memory_format=torch.channels_last)
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
        _schedule_lr(optimizer, cfg, iteration)
        src = _to_device(next(source), device)
        labelled = _next(target_labelled, device)
        tgt = _to_device(next(target_unlabelled), device)
        batches = [b for b in (src, tgt, labelled) if b is not None]
        images = [b["image"] for b in batches]
        with loop.autocast():
            if heads_only:
                with torch.no_grad():
                    encoded = _joint(selector.encode, images)
                    teacher.head.eval()
                    a_logits = F.interpolate(
                        teacher.head(encoded[1])[0],
                        size=tgt["image"].shape[-2:],
                        mode="bilinear",
                        align_corners=False,
                    )
                pseudo = _confident_labels(
                    a_logits.float().softmax(1), tgt["label"], cfg.pseudo_label_threshold
                )
                outputs = [net(x, encoded=e) for x, e in zip(images, encoded, strict=True)]
            else:
                pseudo = pseudo_labels(
                    teacher, tgt["image"], tgt["label"], cfg.pseudo_label_threshold
                )
                outputs = _joint_forward(net, images)
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
            discrepancy = (  # a frozen encoder already keeps the gradient on the heads
                mean_abs_difference(t1, t2)
                if heads_only
                else head_discrepancy(selector, features, tgt["image"].shape[-2:])
            )
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
    return _confident_labels(predict(teacher, images), labels, threshold)


def _confident_labels(prob: Tensor, labels: Tensor, threshold: float) -> Tensor:
    confidence, pseudo = prob.max(1)
    pseudo[confidence < threshold] = IGNORE_INDEX
    human = labels != IGNORE_INDEX
    pseudo[human] = labels[human]
    return pseudo


def _joint(fn: Callable[[Tensor], Tensor], images: list[Tensor]) -> list[Tensor]:
    """`fn` over all images in one batch when they share a size (see `_joint_forward`)."""
    if any(x.shape[1:] != images[0].shape[1:] for x in images):
        return [fn(x) for x in images]
    return list(fn(torch.cat(images)).split([len(x) for x in images]))


def _train_mode(model: nn.Module, frozen_norm: bool) -> None:
    model.train()
    if frozen_norm:
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.eval()


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
