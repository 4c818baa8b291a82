"""SPL plus random pixels (ours, not the paper's): a share of the region budget scattered at
random over the image, uniformly or class-balanced, the rest to LabOR's SPL spread segments."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .baselines import draw_pixels
from .common import argmax_classes, check_fraction, pixel_budget, remove_excluded
from .spl import spl_segments

# Both fixed before they were measured (benchmarks/README.md, "SPL plus random pixels" and
# "SPL with DACS, and a class-balanced random half"), not tuned.
RANDOM_SHARE = 0.5
# Class-balanced draws: a pixel's weight is its predicted class's share of the image to this
# power, so each class gets draws in proportion to the square root of its area.
BALANCE_POWER = -0.5


def spl_plus_random(
    prob1: Tensor,
    prob2: Tensor,
    budget_fraction: float = 0.022,
    *,
    random_share: float = RANDOM_SHARE,
    class_balanced: bool = False,
    generator: torch.Generator | None = None,
    exclude: Tensor | None = None,
    **spl_options: Any,
) -> tuple[Tensor, Tensor]:
    """SPL spread segments and random pixels: ``(segments, mask)``, both ``[B, H, W]``.

    ``segments`` are :func:`~worker.ml.selection.spl.spl_segments` ids (``spread=True``) on
    ``1 - random_share`` of the budget; ``mask`` adds uniformly random pixels outside them
    (and outside ``exclude``) until the image's whole budget is used, so the random part
    also takes whatever the inconsistent pixels could not fill. Why: on camvid2idd, random
    pixels at SPL's 2.2 % beat SPL spread on four seeds of five (benchmarks/README.md),
    because scattered pixels reach every object of every image while SPL stays in the thin
    bands where the selector's heads disagree; this keeps part of each.

    ``class_balanced``: the random pixels are drawn in proportion to
    :func:`class_balance_weights` of the class under the mean of the two heads, because
    uniform pixels follow the area, and the small classes (non-drivable, living things,
    roadside objects on camvid2idd) got the fewest labels and the lowest IoU. On two seeds
    it ended level with the uniform draw (-0.1 and +0.1 mIoU).
    """
    check_fraction(budget_fraction)
    check_fraction(random_share, "random_share")
    b, _, h, w = prob1.shape
    segments = spl_segments(
        prob1,
        prob2,
        budget_fraction * (1.0 - random_share),
        exclude=exclude,
        spread=True,
        **spl_options,
    )
    in_segments = segments > 0
    budget = pixel_budget(budget_fraction, h, w)
    counts = [budget - int(n) for n in in_segments.flatten(1).sum(1)]
    weights = (
        class_balance_weights(argmax_classes(prob1.detach() + prob2.detach()))
        if class_balanced
        else None
    )
    allowed = remove_excluded(~in_segments, exclude)
    scattered = draw_pixels(allowed, counts, generator, weights)
    return segments, in_segments | scattered.to(in_segments.device)


def class_balance_weights(classes: Tensor, power: float = BALANCE_POWER) -> Tensor:
    """Per-pixel weights ``[B, H, W]``: the share of its image held by the pixel's class
    (``classes`` ``[B, H, W]``), to ``power``."""
    b = classes.shape[0]
    flat = classes.reshape(b, -1).long()
    counts = torch.zeros(b, int(flat.max()) + 1, device=flat.device)
    counts.scatter_add_(1, flat, torch.ones_like(flat, dtype=counts.dtype))
    share = counts.gather(1, flat) / flat.shape[1]
    return share.pow(power).view_as(classes)
