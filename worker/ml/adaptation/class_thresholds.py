"""Class-balanced pseudo-label thresholds (CBST, Zou et al., ECCV 2018).

A global threshold lets a class the model predicts often and confidently take most of the
pseudo-labels. CBST keeps, for each class, the most confident `portion` of the pixels predicted
as that class: its threshold is that quantile of their confidence, taken once per round from
the round's starting model over a sample of the target pool.
"""

from __future__ import annotations

from collections.abc import Sized
from typing import cast

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader, Dataset, Subset

SAMPLE_IMAGES = 64
SAMPLE_BATCH_SIZE = 8


@torch.no_grad()
def class_thresholds(
    model: nn.Module,
    pool: Dataset,
    num_classes: int,
    device: torch.device,
    portion: float,
    fallback: float,
) -> Tensor:
    """Per-class confidence thresholds [C]; `fallback` for a class the model never predicts."""
    size = len(cast(Sized, pool))  # torch's Dataset declares no __len__
    if size == 0:
        raise ValueError("class-balanced thresholds need a non-empty target pool")
    step = max(1, size // SAMPLE_IMAGES)
    sample = Subset(pool, range(0, size, step)[:SAMPLE_IMAGES])
    was_training = model.training
    model.eval()
    confidences, classes = [], []
    try:
        for batch in DataLoader(sample, batch_size=SAMPLE_BATCH_SIZE):
            confidence, predicted = model(batch["image"].to(device)).softmax(dim=1).max(dim=1)
            confidences.append(confidence.flatten())
            classes.append(predicted.flatten())
    finally:
        model.train(was_training)
    confidence, predicted = torch.cat(confidences), torch.cat(classes)
    thresholds = torch.full((num_classes,), fallback, device=device)
    for c in range(num_classes):
        of_class = confidence[predicted == c]
        if len(of_class):
            thresholds[c] = torch.quantile(of_class.float(), 1.0 - portion)
    return thresholds
