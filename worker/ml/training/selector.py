"""Training LabOR's pixel selector B, the two-headed model whose disagreement picks pixels."""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor

from worker.ml import distributed
from worker.ml.models import DualHeadSelector, Segmenter

from .config import CheckpointFn, ProgressFn, TrainConfig
from .loop import (
    Loop,
    joint_apply,
    joint_forward,
    model_to_device,
    next_batch,
    restore_rng,
    to_device,
    train_mode,
)
from .losses import head_discrepancy, masked_cross_entropy, mean_abs_difference
from .optim import make_optimizer, schedule_lr
from .prediction import confident_labels, pseudo_labels


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
) -> dict[str, float]:
    """Train LabOR's B: both heads fit source, A's confident pseudo-labels and human labels on
    the target, while the heads are pushed apart on the target so their disagreement marks the
    pixels A is unsure of.

    With `cfg.selector_heads_only` (the default) B's encoder is A's, frozen: only the heads
    learn, the encoder runs once per batch without gradients, and A's pseudo-labels come from
    A's head on that same encoding instead of a second forward pass."""
    loop = Loop(cfg, on_progress, on_checkpoint)
    device = loop.device
    heads_only = cfg.selector_heads_only
    model_to_device(selector, device)
    selector.encoder.requires_grad_(not heads_only)
    train_mode(selector, cfg.frozen_norm)
    if heads_only:
        selector.encoder.eval()
    net = distributed.wrap(selector)
    model_to_device(teacher, device)
    optimizer = make_optimizer(selector, cfg)
    scaler = loop.scaler()
    start = 0
    if resume is not None:
        selector.load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        if resume["scaler"]:
            scaler.load_state_dict(resume["scaler"])
        restore_rng(resume["rng"])
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
    for iteration in range(start, cfg.iterations):
        schedule_lr(optimizer, cfg, iteration)
        src = to_device(next(source), device)
        labelled = next_batch(target_labelled, device)
        tgt = to_device(next(target_unlabelled), device)
        batches = [b for b in (src, tgt, labelled) if b is not None]
        images = [b["image"] for b in batches]
        with loop.autocast():
            if heads_only:
                with torch.no_grad():
                    encoded = joint_apply(selector.encode, images)
                    teacher.head.eval()
                    a_logits = F.interpolate(
                        teacher.head(encoded[1])[0],
                        size=tgt["image"].shape[-2:],
                        mode="bilinear",
                        align_corners=False,
                    )
                pseudo = confident_labels(
                    a_logits.float().softmax(1), tgt["label"], cfg.pseudo_label_threshold
                )
                outputs = [net(x, encoded=e) for x, e in zip(images, encoded, strict=True)]
            else:
                pseudo = pseudo_labels(
                    teacher, tgt["image"], tgt["label"], cfg.pseudo_label_threshold
                )
                outputs = joint_forward(net, images)
            s1, s2 = outputs[0][0], outputs[0][1]
            loss = both_heads_ce(s1, s2, src["label"])
            losses = {"source_ce": loss.item()}
            t1, t2, features = outputs[1]
            pseudo_ce = both_heads_ce(t1, t2, pseudo)
            loss = loss + pseudo_ce
            losses["pseudo_ce"] = pseudo_ce.item()
            if labelled is not None:
                l1, l2 = outputs[2][0], outputs[2][1]
                target_ce = both_heads_ce(l1, l2, labelled["label"])
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
