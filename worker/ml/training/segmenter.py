"""Training model A, the segmenter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
import torch.nn.functional as F

from worker.ml import distributed
from worker.ml.models import Segmenter

from .config import CheckpointFn, ProgressFn, TrainConfig
from .loop import (
    Loop,
    frozen_norm_statistics,
    joint_forward,
    model_to_device,
    next_batch,
    restore_rng,
    train_mode,
)
from .losses import SOURCE_DOMAIN, TARGET_DOMAIN, Discriminator, masked_cross_entropy
from .optim import make_optimizer, schedule_lr


def train_segmenter(
    model: Segmenter,
    cfg: TrainConfig,
    source: Iterator[dict] | None,
    target_labelled: Iterator[dict] | None = None,
    target_unlabelled: Iterator[dict] | None = None,
    *,
    objective: Any = None,
    resume: dict | None = None,
    on_progress: ProgressFn | None = None,
    on_checkpoint: CheckpointFn | None = None,
) -> dict[str, float]:
    """Train A: CE(source) + CE(labelled target) + AdaptSeg adversarial + self-training objective.

    `objective.loss` receives the unlabelled target batch (whose "label" carries any sparse
    human labels); returns the last iteration's losses. `source` None: labelled target only
    (objectives and the adversarial loss compare or mix source images, so they need it).
    """
    if source is None and target_labelled is None:
        raise ValueError("training without source batches needs labelled target batches")
    if source is None and objective is not None:
        raise ValueError("self-training objectives mix source images in: pass source batches")
    if source is None and target_unlabelled is not None and cfg.adversarial_weight > 0:
        raise ValueError("the adversarial loss compares source with target: pass source batches")
    loop = Loop(cfg, on_progress, on_checkpoint)
    device = loop.device
    model_to_device(model, device)
    train_mode(model, cfg.frozen_norm)
    net = distributed.wrap(model)
    optimizer = make_optimizer(model, cfg)
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
        restore_rng(resume["rng"])
        start = resume["iteration"]

    def state() -> dict:
        has_d = discriminator is not None
        return {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scaler": scaler.state_dict(),
            "discriminator": discriminator.state_dict() if discriminator is not None else None,
            "discriminator_optimizer": d_optimizer.state_dict() if has_d else None,
            "discriminator_scaler": d_scaler.state_dict() if has_d else None,
            "objective": objective.state_dict() if hasattr(objective, "state_dict") else None,
        }

    # Only the adversarial loss and the objectives read unlabelled target images; without
    # them the batch was decoded for nothing (4 images at 256x192: about 12 ms an iteration).
    if discriminator is None and objective is None:
        target_unlabelled = None
    losses: dict[str, float] = {}
    for iteration in range(start, cfg.iterations):
        schedule_lr(optimizer, cfg, iteration)
        src = next_batch(source, device)
        labelled = next_batch(target_labelled, device)
        unlabelled = next_batch(target_unlabelled, device)

        batches = [b for b in (src, labelled, unlabelled if discriminator else None) if b]
        with loop.autocast():
            logits = joint_forward(net, [b["image"] for b in batches])
            loss = torch.zeros((), device=device)
            losses = {}
            if src is not None:
                src_logits = logits[0]
                loss = masked_cross_entropy(src_logits, src["label"])
                losses["source_ce"] = loss.item()
            if labelled is not None:
                target_ce = masked_cross_entropy(logits[int(src is not None)], labelled["label"])
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
                with frozen_norm_statistics(model):
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
                    for d in joint_forward(
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
