"""Training loops for model A (segmenter) and LabOR's pixel selector B.

Plain iteration-based loops in the style of torchvision's reference scripts: one optimiser
step per iteration, poly learning-rate decay, checkpoints as plain dicts so a stage killed
mid-way resumes where its last checkpoint left off.

Modules: ``config`` (:class:`TrainConfig`, callback types), ``segmenter`` and ``selector``
(the two loops), ``loop`` (what they share), ``losses``, ``optim`` (optimisers and the
learning-rate schedule), ``prediction`` (models in evaluation mode, pseudo-labels).
"""

from .config import CheckpointFn, ProgressFn, TrainConfig
from .losses import (
    IGNORE_INDEX,
    SOURCE_DOMAIN,
    TARGET_DOMAIN,
    Discriminator,
    head_discrepancy,
    masked_cross_entropy,
    mean_abs_difference,
)
from .prediction import predict, predict_selector, pseudo_labels
from .segmenter import train_segmenter
from .selector import train_selector

__all__ = [
    "IGNORE_INDEX",
    "SOURCE_DOMAIN",
    "TARGET_DOMAIN",
    "CheckpointFn",
    "Discriminator",
    "ProgressFn",
    "TrainConfig",
    "head_discrepancy",
    "masked_cross_entropy",
    "mean_abs_difference",
    "predict",
    "predict_selector",
    "pseudo_labels",
    "train_segmenter",
    "train_selector",
]
