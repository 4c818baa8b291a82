"""Settings of the training loops and the callbacks they report through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# (iterations done, iterations in all, the last iteration's losses); an exception raised here
# ends the run: the pipeline's progress reporter raises one when the round is cancelled.
ProgressFn = Callable[[int, int, dict[str, float]], None]
# A detached CPU copy of the loop's state, every `checkpoint_every` iterations.
CheckpointFn = Callable[[dict], None]


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
