"""LabOR's per-pixel maps of where the selector's two heads disagree."""

from __future__ import annotations

from torch import Tensor

from .common import argmax_classes, check_pair


def discrepancy_map(prob1: Tensor, prob2: Tensor) -> Tensor:
    """Mean over classes of ``|prob1 - prob2|`` -> ``[B, H, W]``.

    The discrepancy LabOR's selector maximises on target (MCD-style), so it is high exactly
    where the two heads' disagreement marks an uncertain pixel.
    """
    check_pair(prob1, prob2)
    return (prob1.detach() - prob2.detach()).abs().mean(dim=1)


def inconsistency_mask(prob1: Tensor, prob2: Tensor) -> Tensor:
    """Bool ``[B, H, W]``: the two heads' argmax classes differ (LabOR's label-request mask)."""
    check_pair(prob1, prob2)
    return argmax_classes(prob1) != argmax_classes(prob2)
