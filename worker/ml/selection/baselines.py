"""Baselines every selection method must beat: random points, pixels and segments, and
PixelPick-style entropy and margin points."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from .common import (
    Points,
    batch_height_width,
    check_fraction,
    flat_to_yx,
    pixel_budget,
    remove_excluded,
)
from .points import deal
from .spl import slic_superpixels, take_segments


def select_random(
    shape: Tensor | tuple[int, ...],
    n_points: int,
    *,
    generator: torch.Generator | None = None,
    min_distance: float = 0.0,
    exclude: Tensor | None = None,
) -> Points:
    """Uniformly random pixels, the floor every selection method must beat.

    ``shape`` is ``(B, H, W)`` or any tensor whose first and last two dims are B, H, W
    (e.g. the ``[B, C, H, W]`` probabilities). Seed ``generator`` (a CPU generator) for
    reproducible picks.
    """
    b, h, w = batch_height_width(shape)
    allowed = remove_excluded(torch.ones(b, h, w, dtype=torch.bool), exclude).cpu()
    result: Points = []
    for i in range(b):
        flat = torch.nonzero(allowed[i].flatten()).squeeze(1)
        flat = flat[torch.randperm(len(flat), generator=generator)]
        result.append(deal([flat_to_yx(flat, w)], n_points, min_distance))
    return result


def select_random_mask(
    shape: Tensor | tuple[int, ...],
    budget_fraction: float = 0.022,
    *,
    generator: torch.Generator | None = None,
    exclude: Tensor | None = None,
) -> Tensor:
    """Bool ``[B, H, W]`` of ``floor(budget_fraction * H * W)`` uniformly random pixels.

    The random baseline at a region budget, to compare SPL and RIPU regions against at the
    same number of labelled pixels.
    """
    check_fraction(budget_fraction)
    b, h, w = batch_height_width(shape)
    allowed = remove_excluded(torch.ones(b, h, w, dtype=torch.bool), exclude)
    mask = draw_pixels(allowed, [pixel_budget(budget_fraction, h, w)] * b, generator)
    return mask.to(shape.device) if isinstance(shape, Tensor) else mask


def draw_pixels(
    allowed: Tensor,
    counts: list[int],
    generator: torch.Generator | None = None,
    weights: Tensor | None = None,
) -> Tensor:
    """Bool CPU ``[B, H, W]`` of ``counts[i]`` random pixels of ``allowed[i]`` (all of them
    when it holds fewer): uniformly, or without replacement in proportion to ``weights``
    (positive, ``[B, H, W]``)."""
    b, h, w = allowed.shape
    allowed = allowed.cpu()
    flat_weights = None if weights is None else weights.cpu().reshape(b, -1).double()
    mask = torch.zeros(b, h * w, dtype=torch.bool)
    for i in range(b):
        flat = torch.nonzero(allowed[i].flatten()).squeeze(1)
        n = min(counts[i], len(flat))
        if n == 0:
            continue
        if flat_weights is None:
            order = torch.randperm(len(flat), generator=generator)[:n]
        else:
            order = torch.multinomial(flat_weights[i, flat], n, generator=generator)
        mask[i, flat[order]] = True
    return mask.view(b, h, w)


def random_segments(
    image: Tensor,
    budget_fraction: float = 0.022,
    *,
    generator: torch.Generator | None = None,
    exclude: Tensor | None = None,
    n_segments: int = 300,
    compactness: float = 10.0,
) -> Tensor:
    """Random SLIC segments up to the region budget, as segment ids like
    :func:`~worker.ml.selection.spl.spl_segments`.

    The random baseline in SPL's own unit: the same superpixels and budget, taken in random
    order instead of by discrepancy (whole while they fit, the remainder grown connected
    from a random pixel), so a comparison with SPL isolates what the selector's choice buys.
    ``image`` is ``[B, 1|3, H, W]`` RGB, uint8 or float in [0, 1].
    """
    check_fraction(budget_fraction)
    b, h, w = batch_height_width(image)
    superpixels = slic_superpixels(image, (b, h, w), n_segments, compactness)
    allowed = remove_excluded(torch.ones(b, h, w, dtype=torch.bool), exclude).cpu().numpy()
    budget = pixel_budget(budget_fraction, h, w)
    out = np.zeros((b, h, w), dtype=np.int64)
    for i in range(b):
        segment_order = torch.rand(int(superpixels[i].max()) + 1, generator=generator).numpy()
        # The pixel noise only picks where the remainder starts and how it grows; it is too
        # small to reorder segments.
        pixel_noise = torch.rand(h, w, generator=generator).numpy() * 1e-6
        out[i] = take_segments(
            allowed[i], segment_order[superpixels[i]] + pixel_noise, budget, superpixels[i]
        )
    return torch.from_numpy(out).to(image.device)


def select_entropy(
    prob: Tensor,
    n_points: int,
    *,
    top_fraction: float = 0.05,
    generator: torch.Generator | None = None,
    min_distance: float = 0.0,
    exclude: Tensor | None = None,
) -> Points:
    """PixelPick-style entropy: sample ``n_points`` uniformly from the most uncertain pixels.

    PixelPick (Shin et al., 2021) samples from the top 5 % (``top_fraction``) by
    uncertainty rather than taking the very top, which would cluster on a few blobs.
    Entropy uses the natural log.
    """
    uncertainty = -torch.special.xlogy(prob.detach(), prob.detach()).sum(dim=1)
    return _sample_top(uncertainty, n_points, top_fraction, generator, min_distance, exclude)


def select_margin(
    prob: Tensor,
    n_points: int,
    *,
    top_fraction: float = 0.05,
    generator: torch.Generator | None = None,
    min_distance: float = 0.0,
    exclude: Tensor | None = None,
) -> Points:
    """PixelPick-style margin: like :func:`select_entropy`, uncertainty = -(top1 - top2)."""
    if prob.dim() != 4 or prob.shape[1] < 2:
        raise ValueError(f"prob must be [B, C>=2, H, W], got {tuple(prob.shape)}")
    top2 = prob.detach().topk(2, dim=1).values
    uncertainty = top2[:, 1] - top2[:, 0]
    return _sample_top(uncertainty, n_points, top_fraction, generator, min_distance, exclude)


def _sample_top(
    uncertainty: Tensor,
    n_points: int,
    top_fraction: float,
    generator: torch.Generator | None,
    min_distance: float,
    exclude: Tensor | None,
) -> Points:
    check_fraction(top_fraction, "top_fraction")
    b, h, w = uncertainty.shape
    allowed = remove_excluded(torch.ones(b, h, w, dtype=torch.bool), exclude).cpu()
    score = uncertainty.float().cpu().masked_fill(~allowed, -math.inf).flatten(1)
    k = math.ceil(top_fraction * h * w)
    result: Points = []
    for i in range(b):
        top = score[i].topk(min(k, int(allowed[i].sum()))).indices
        top = top[torch.randperm(len(top), generator=generator)]
        result.append(deal([flat_to_yx(top, w)], n_points, min_distance))
    return result
