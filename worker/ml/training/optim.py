"""Optimisers and the learning-rate schedule of the training loops."""

from __future__ import annotations

import torch

from worker.ml.models import DualHeadSelector, Segmenter

from .config import TrainConfig


def make_optimizer(model: Segmenter | DualHeadSelector, cfg: TrainConfig) -> torch.optim.Optimizer:
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


def schedule_lr(optimizer: torch.optim.Optimizer, cfg: TrainConfig, iteration: int) -> None:
    """Linear warm-up, then poly decay to zero at `cfg.iterations`."""
    warmup = int(cfg.warmup_fraction * cfg.iterations)
    if iteration < warmup:
        factor = (iteration + 1) / (warmup + 1)
    else:
        factor = (1 - (iteration - warmup) / max(1, cfg.iterations - warmup)) ** 0.9
    for group in optimizer.param_groups:
        group["lr"] = cfg.lr * group["scale"] * factor
