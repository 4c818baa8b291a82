"""Models A and B in evaluation mode: class probabilities, features and A's pseudo-labels."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import Tensor, nn

from worker.ml.models import DualHeadSelector, Segmenter

from .losses import IGNORE_INDEX


@torch.no_grad()
def pseudo_labels(teacher: Segmenter, images: Tensor, labels: Tensor, threshold: float) -> Tensor:
    """A's confident predictions (others ignored), with human labels taking precedence."""
    return confident_labels(predict(teacher, images), labels, threshold)


def confident_labels(prob: Tensor, labels: Tensor, threshold: float) -> Tensor:
    """Classes of ``prob`` where it is at least ``threshold`` sure, human labels where given."""
    confidence, pseudo = prob.max(1)
    pseudo[confidence < threshold] = IGNORE_INDEX
    human = labels != IGNORE_INDEX
    pseudo[human] = labels[human]
    return pseudo


@contextlib.contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def autocast_on(device: torch.device) -> contextlib.AbstractContextManager:
    """Mixed precision (float16) on CUDA; a no-op elsewhere."""
    return torch.autocast(device.type, dtype=torch.float16, enabled=device.type == "cuda")


@torch.no_grad()
def predict(model: Segmenter, images: Tensor) -> Tensor:
    """Class probabilities [B,C,H,W] in float32, on the model's device."""
    device = next(model.parameters()).device
    with _eval_mode(model), autocast_on(device):
        return model(images.to(device)).float().softmax(1)


@torch.no_grad()
def predict_selector(selector: DualHeadSelector, images: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Both heads' probabilities [B,C,H,W] and the backbone features [B,D,h,w]."""
    device = next(selector.parameters()).device
    with _eval_mode(selector), autocast_on(device):
        logits1, logits2, features = selector(images.to(device))
    return logits1.float().softmax(1), logits2.float().softmax(1), features.float()
