"""Losses of the training loops, and AdaptSegNet's discriminator."""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from worker.ml.models import DualHeadSelector

IGNORE_INDEX = 255
SOURCE_DOMAIN, TARGET_DOMAIN = 0.0, 1.0


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
