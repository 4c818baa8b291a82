"""RIPU (Xie et al., CVPR 2022): region impurity times prediction uncertainty, as regions
or as points."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .common import Points, argmax_classes, check_fraction, pixel_budget, remove_excluded


def ripu_region_score(
    logits: Tensor, radius: int = 1, *, uncertainty: Literal["window", "pixel"] = "window"
) -> tuple[Tensor, Tensor, Tensor]:
    """RIPU acquisition maps ``(score, impurity, uncertainty)``.

    Each is ``[B, H, W]``; the region of a pixel is the ``(2K+1)^2`` window around it
    (K = ``radius``), cut at the image border (only in-image pixels count, as the official
    zero-padded convolution divided by the pixel count does).

    - impurity = entropy of the proportions of the predicted classes in the window;
    - uncertainty = prediction entropy, averaged over the window (``"window"``, the
      official region selection) or of the pixel alone (``"pixel"``, the official pixel
      selection);
    - score = impurity * uncertainty.

    Entropies use the natural log divided by ln C (as the official code does with C = 19),
    so both factors lie in [0, 1]; a window of one predicted class has impurity exactly 0.
    Window sums use ``avg_pool2d`` on one-hot predictions (a box convolution).
    """
    if logits.dim() != 4:
        raise ValueError(f"logits must be [B, C, H, W], got {tuple(logits.shape)}")
    if radius < 0:
        raise ValueError(f"radius must be >= 0, got {radius}")
    if uncertainty not in ("window", "pixel"):
        raise ValueError(f"uncertainty must be 'window' or 'pixel', got {uncertainty!r}")
    c = logits.shape[1]
    prob = logits.detach().float().softmax(dim=1)
    norm = math.log(max(c, 2))
    entropy = -torch.special.xlogy(prob, prob).sum(dim=1, keepdim=True) / norm
    size = 2 * radius + 1

    def window_mean(x: Tensor) -> Tensor:
        return F.avg_pool2d(x, size, stride=1, padding=radius, count_include_pad=False)

    onehot = F.one_hot(argmax_classes(prob), c).permute(0, 3, 1, 2).float()
    share = window_mean(onehot)
    impurity = -torch.special.xlogy(share, share).sum(dim=1) / norm
    unc = (window_mean(entropy) if uncertainty == "window" else entropy)[:, 0]
    return impurity * unc, impurity, unc


def ripu_region_segments(
    logits: Tensor,
    budget_fraction: float = 0.022,
    radius: int = 1,
    *,
    exclude: Tensor | None = None,
) -> Tensor:
    """RIPU region selection as region ids, LongTensor ``[B, H, W]`` (0 = none, 1 = first);
    the label-request mask is ``ids > 0``.

    Greedy, as the official code: take the best-scoring pixel, label its ``(2K+1)^2``
    region, block the ``(4K+1)^2`` window around it for later centres (so regions never
    overlap), repeat. Unlike the official loop, which takes ``ceil(budget / region size)``
    regions, a region that would overflow the pixel budget is skipped, so the budget is
    never exceeded (a few pixels may stay unspent). Excluded pixels are neither centres
    nor counted in a region.
    """
    check_fraction(budget_fraction)
    score = ripu_region_score(logits, radius)[0].cpu()
    b, h, w = score.shape
    allowed = remove_excluded(torch.ones(b, h, w, dtype=torch.bool), exclude).cpu()
    size = 2 * radius + 1
    cost = F.avg_pool2d(allowed[:, None].float(), size, stride=1, padding=radius) * size**2
    costs = cost[:, 0].round().long().numpy()
    scores = score.masked_fill(~allowed, -math.inf).numpy()
    budget = pixel_budget(budget_fraction, h, w)
    out = np.zeros((b, h, w), dtype=np.int64)
    for i in range(b):
        for n, (y, x) in enumerate(_greedy(scores[i], 2 * radius, costs[i], budget), start=1):
            out[i, max(0, y - radius) : y + radius + 1, max(0, x - radius) : x + radius + 1] = n
    out[~allowed.numpy()] = 0
    return torch.from_numpy(out).to(logits.device)


def select_ripu_pixels(
    logits: Tensor,
    n_points: int,
    radius: int = 1,
    *,
    block_radius: int | None = None,
    exclude: Tensor | None = None,
) -> Points:
    """RIPU's pixel-based variant: best-scoring pixels, one point each, with blocking.

    Score = region impurity * the pixel's own entropy (the official pixel selection).
    Each pick blocks the window of ``block_radius`` (default 2K, the region variant's
    ``(4K+1)^2`` blocking) for later picks; the official pixel code blocks only
    ``(2K+1)^2``, i.e. ``block_radius=radius``.
    """
    if n_points < 0:
        raise ValueError(f"n_points must be >= 0, got {n_points}")
    score = ripu_region_score(logits, radius, uncertainty="pixel")[0].cpu()
    b, h, w = score.shape
    allowed = remove_excluded(torch.ones(b, h, w, dtype=torch.bool), exclude).cpu()
    scores = score.masked_fill(~allowed, -math.inf).numpy()
    block = 2 * radius if block_radius is None else block_radius
    ones = np.ones((h, w), dtype=np.int64)
    return [[(x, y) for y, x in _greedy(scores[i], block, ones, n_points)] for i in range(b)]


def _greedy(score: np.ndarray, block: int, cost: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """Centres ``(y, x)`` by descending score, skipping blocked ones and ones over budget.

    Equivalent to repeated argmax with blocking, but one sort plus a scan instead of a
    full-image argmax per pick.
    """
    w = score.shape[1]
    order = np.argsort(-score, axis=None, kind="stable")[: int(np.isfinite(score).sum())]
    blocked = np.zeros(score.shape, dtype=bool)
    min_cost = int(cost.min(initial=budget + 1, where=np.isfinite(score)))
    centres: list[tuple[int, int]] = []
    left = budget
    for index in order:
        if left < min_cost:
            break
        y, x = divmod(int(index), w)
        if blocked[y, x] or cost[y, x] > left:
            continue
        centres.append((y, x))
        left -= int(cost[y, x])
        blocked[max(0, y - block) : y + block + 1, max(0, x - block) : x + block + 1] = True
    return centres
