"""Which target pixels to ask a person to label: LabOR (SPL, PPL) and the baselines.

Everything here is a pure function of tensors (torch + numpy; scikit-image only for
connected components and SLIC). Functions work at whatever resolution they are given:
the pipeline upsamples probabilities to the image's true resolution first, so budgets are
counted in true pixels. Conventions:

- probabilities / logits are ``[B, C, H, W]``; masks are bool ``[B, H, W]`` on the input's
  device; points are ``(x, y)`` integer pixel coordinates (x = column), one list per image,
  in selection order (most wanted first);
- ``exclude`` (optional bool ``[B, H, W]``) marks pixels never to select, e.g. the ones
  labelled in earlier rounds, so a round never spends budget on them twice;
- a region budget is ``floor(budget_fraction * H * W)`` pixels per image and is never
  exceeded; point methods return fewer points than asked when too few candidates exist,
  never duplicates.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

Point = tuple[int, int]
Points = list[list[Point]]

POINT_METHODS = frozenset({"ppl", "ppl_spread", "random", "entropy", "margin", "ripu_pixel"})
# Methods that keep their points `min_distance` apart (RIPU pixel blocks windows instead).
SPACED_POINT_METHODS = frozenset({"ppl", "ppl_spread", "random", "entropy", "margin"})
REGION_METHODS = frozenset({"spl", "ripu_region", "random_mask", "random_segments"})
METHODS = POINT_METHODS | REGION_METHODS


# --------------------------------------------------------------------------- LabOR maps


def discrepancy_map(prob1: Tensor, prob2: Tensor) -> Tensor:
    """Mean over classes of ``|prob1 - prob2|`` -> ``[B, H, W]``.

    The discrepancy LabOR's selector maximises on target (MCD-style), so it is high exactly
    where the two heads' disagreement marks an uncertain pixel.
    """
    _check_pair(prob1, prob2)
    return (prob1.detach() - prob2.detach()).abs().mean(dim=1)


def inconsistency_mask(prob1: Tensor, prob2: Tensor) -> Tensor:
    """Bool ``[B, H, W]``: the two heads' argmax classes differ (LabOR's label-request mask)."""
    _check_pair(prob1, prob2)
    return _classes(prob1) != _classes(prob2)


# --------------------------------------------------------------------------- LabOR SPL


def spl_segments(
    prob1: Tensor,
    prob2: Tensor,
    budget_fraction: float = 0.022,
    *,
    image: Tensor | None = None,
    n_segments: int = 300,
    compactness: float = 10.0,
    exclude: Tensor | None = None,
) -> Tensor:
    """LabOR segment-based pixel labelling as segment ids: LongTensor ``[B, H, W]``, 0 = none.

    The selection is ``ids > 0``; each id is a 4-connected segment a person can fill with
    one click, numbered by rank (1 = highest mean discrepancy). LabOR labels the whole
    inconsistency mask, which is about 2.2 % of an image (the default budget); when the mask
    of an image is larger than its budget, the most discrepant pixels are kept as follows:

    1. candidates = inconsistent pixels not in ``exclude``, split into 4-connected
       components, or, when ``image`` (``[B, 1|3, H, W]`` RGB, uint8 or float in [0, 1]) is
       given, into connected pieces of its SLIC superpixels (``n_segments``,
       ``compactness``), so segments follow image edges;
    2. segments are ranked by mean discrepancy and taken whole while they fit;
    3. the remainder is grown inside the next segment from its most discrepant pixel,
       always adding the most discrepant neighbouring pixel (priority flood), so the budget
       is used exactly and the partial piece stays connected, i.e. paintable.
    """
    _check_pair(prob1, prob2)
    _check_fraction(budget_fraction)
    b, _, h, w = prob1.shape
    candidates = _allowed(inconsistency_mask(prob1, prob2), exclude).cpu().numpy()
    discrepancy = discrepancy_map(prob1, prob2).float().cpu().numpy()
    superpixels = None if image is None else _slic(image, (b, h, w), n_segments, compactness)
    budget = _budget(budget_fraction, h, w)
    out = np.zeros((b, h, w), dtype=np.int64)
    for i in range(b):
        out[i] = _spl_one(
            candidates[i], discrepancy[i], budget, None if superpixels is None else superpixels[i]
        )
    return torch.from_numpy(out).to(prob1.device)


def select_spl(
    prob1: Tensor,
    prob2: Tensor,
    budget_fraction: float = 0.022,
    *,
    image: Tensor | None = None,
    n_segments: int = 300,
    compactness: float = 10.0,
    exclude: Tensor | None = None,
) -> Tensor:
    """LabOR SPL label-request mask, bool ``[B, H, W]``; see :func:`spl_segments`."""
    segments = spl_segments(
        prob1,
        prob2,
        budget_fraction,
        image=image,
        n_segments=n_segments,
        compactness=compactness,
        exclude=exclude,
    )
    return segments > 0


def _spl_one(
    candidates: np.ndarray, discrepancy: np.ndarray, budget: int, superpixels: np.ndarray | None
) -> np.ndarray:
    from skimage.measure import label

    key = (
        candidates.astype(np.int64) if superpixels is None else np.where(candidates, superpixels, 0)
    )
    components = label(key, background=0, connectivity=1)
    n = int(components.max())
    out = np.zeros(candidates.shape, dtype=np.int64)
    if n == 0 or budget == 0:
        return out
    flat = components.ravel()
    sizes = np.bincount(flat, minlength=n + 1)[1:]
    means = np.bincount(flat, weights=discrepancy.ravel(), minlength=n + 1)[1:] / sizes
    order = np.argsort(-means, kind="stable")  # component index - 1, best first
    cumulative = np.cumsum(sizes[order])
    n_whole = int(np.searchsorted(cumulative, budget, side="right"))
    rank = np.zeros(n + 1, dtype=np.int64)
    rank[order[:n_whole] + 1] = np.arange(1, n_whole + 1)
    out = rank[components]
    remaining = budget - (int(cumulative[n_whole - 1]) if n_whole else 0)
    if n_whole < n and remaining > 0:
        out[_grow(components == order[n_whole] + 1, discrepancy, remaining)] = n_whole + 1
    return out


def _grow(region: np.ndarray, score: np.ndarray, size: int) -> np.ndarray:
    """Connected ``size``-pixel subset of ``region``: priority flood from its best pixel."""
    h, w = region.shape
    start = int(np.argmax(np.where(region, score, -np.inf)))
    taken = np.zeros_like(region)
    queued = np.zeros_like(region)
    queued.flat[start] = True
    heap = [(-float(score.flat[start]), start)]
    count = 0
    while heap and count < size:
        _, index = heapq.heappop(heap)
        y, x = divmod(index, w)
        taken[y, x] = True
        count += 1
        for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
            if 0 <= ny < h and 0 <= nx < w and region[ny, nx] and not queued[ny, nx]:
                queued[ny, nx] = True
                heapq.heappush(heap, (-float(score[ny, nx]), ny * w + nx))
    return taken


def _slic(
    image: Tensor, shape: tuple[int, int, int], n_segments: int, compactness: float
) -> np.ndarray:
    from skimage.segmentation import slic

    if image.dim() != 4 or (image.shape[0], *image.shape[2:]) != shape:
        raise ValueError(f"image must be [B, 1|3, H, W] matching {shape}, got {tuple(image.shape)}")
    pixels = image.detach().cpu().permute(0, 2, 3, 1)
    pixels = pixels.numpy() if pixels.dtype == torch.uint8 else pixels.float().clamp(0, 1).numpy()
    return np.stack(
        [
            slic(
                p,
                n_segments=n_segments,
                compactness=compactness,
                start_label=1,
                channel_axis=-1,
                # 4 of the default 10 k-means passes: about as many segments, a third of the
                # time (benchmarks/selection_speed.py); SPL only needs their edges roughly.
                max_num_iter=4,
            )
            for p in pixels
        ]
    )


# --------------------------------------------------------------------------- LabOR PPL


def select_ppl(
    prob1: Tensor,
    prob2: Tensor,
    features: Tensor,
    n_points: int = 40,
    *,
    min_distance: float = 8.0,
    exclude: Tensor | None = None,
    per_segment: bool = False,
) -> Points:
    """LabOR point-based pixel labelling: ``n_points`` class-prototypical inconsistent pixels.

    For each class k, D(k) = inconsistent pixels whose class under the mean of the two
    heads is k (the mean treats both heads alike; on an inconsistent pixel either head's
    argmax alone would be an arbitrary pick). The prototype mu(k) is the mean feature of
    D(k); ``features`` ``[B, D, h, w]`` may be coarser than the probabilities and are
    sampled bilinearly at the pixel centres (same values as ``F.interpolate(...,
    mode="bilinear", align_corners=False)``, without materialising the upsampled map).
    Points are dealt round-robin over the classes present, larger D(k) first, each class
    giving its next pixel closest (Euclidean) to mu(k): the paper's "closest to the
    prototype of each class", spread so every present class gets a point when
    ``n_points`` allows and none dominates. Chosen points are at least ``min_distance``
    pixels apart, since neighbours of a chosen pixel carry nearly the same information.

    ``per_segment`` (ours, not the paper's): within a class, every connected segment of D(k)
    gives its pixel closest to mu(k) before any segment gives a second, so one image's points
    cover its different inconsistent regions instead of lining up along the largest one.
    Segments under ``MIN_SEGMENT`` pixels (specks on boundaries) come after the others.
    """
    _check_pair(prob1, prob2)
    b, _, h, w = prob1.shape
    if features.dim() != 4 or features.shape[0] != b:
        raise ValueError(f"features must be [{b}, D, h, w], got {tuple(features.shape)}")
    device = features.device
    candidates = _allowed(inconsistency_mask(prob1, prob2), exclude).to(device)
    predicted = _classes(prob1.detach() + prob2.detach()).to(device)
    result: Points = []
    for i in range(b):
        ys, xs = torch.nonzero(candidates[i], as_tuple=True)
        if not len(ys):
            result.append([])
            continue
        _, inverse, counts = torch.unique(
            predicted[i, ys, xs], return_inverse=True, return_counts=True
        )
        feature = features[i].detach().float()
        prototypes = _class_feature_sums(feature, ys, xs, inverse, len(counts), h, w)
        prototypes /= counts[:, None]
        # Within a class ||f - mu||^2 ranks as ||f||^2 - 2 f.mu (||mu||^2 is constant), which
        # needs no [N, D] gather of prototypes.
        distance = torch.empty(len(ys), device=device)
        for part, f in _sample_features(feature, ys, xs, h, w):
            dot = (f @ prototypes.T).gather(1, inverse[part, None])[:, 0]
            distance[part] = f.square().sum(dim=1) - 2 * dot
        # One queue per class, largest D(k) first, each sorted by distance to its prototype
        # (with `per_segment`, first by the pixel's rank within its segment).
        class_rank = torch.argsort(torch.argsort(-counts, stable=True))[inverse].cpu().numpy()
        keys = [distance.cpu().numpy()]
        if per_segment:
            keys += _segment_ranks(
                ys.cpu().numpy(), xs.cpu().numpy(), inverse.cpu().numpy(), keys[0], h, w
            )
        order = np.lexsort((*keys, class_rank))
        coords = torch.stack([ys, xs], dim=1).cpu().numpy()[order]
        sizes = torch.sort(counts, descending=True, stable=True).values.cpu()
        result.append(_deal(np.split(coords, sizes.cumsum(0)[:-1].numpy()), n_points, min_distance))
    return result


MIN_SEGMENT = 16


def _segment_ranks(
    ys: np.ndarray, xs: np.ndarray, classes: np.ndarray, distance: np.ndarray, h: int, w: int
) -> list[np.ndarray]:
    """Per candidate pixel: its rank by `distance` within its 4-connected same-class segment,
    and whether that segment is a speck (< MIN_SEGMENT pixels); as lexsort keys, least
    significant first."""
    from skimage.measure import label

    class_map = np.zeros((h, w), dtype=np.int64)
    class_map[ys, xs] = classes + 1
    segment = label(class_map, background=0, connectivity=1)[ys, xs]
    sizes = np.bincount(segment)
    by_segment = np.lexsort((distance, segment))
    starts = np.searchsorted(segment[by_segment], segment[by_segment], side="left")
    rank = np.empty(len(ys), dtype=np.int64)
    rank[by_segment] = np.arange(len(ys)) - starts
    return [rank, sizes[segment] < MIN_SEGMENT]


def _class_feature_sums(
    feature: Tensor, ys: Tensor, xs: Tensor, inverse: Tensor, k: int, h: int, w: int
) -> Tensor:
    """Per-class sums ``[k, D]`` of ``feature`` ``[D, fh, fw]`` upsampled bilinearly to
    ``h x w``, over pixels (ys, xs) of class ``inverse``.

    Upsampling is linear, so the sum is a weighted sum of the low-resolution cells: scatter
    each pixel's four bilinear weights (the adjoint of the upsampling), then one matmul.
    """
    fh, fw = feature.shape[1:]
    y0, y1, wy = _bilinear_taps(ys, fh, h)
    x0, x1, wx = _bilinear_taps(xs, fw, w)
    weights = torch.zeros(k * fh * fw, device=feature.device)
    base = inverse * (fh * fw)
    for yy, ay in ((y0, 1 - wy), (y1, wy)):
        for xx, ax in ((x0, 1 - wx), (x1, wx)):
            weights.index_add_(0, base + yy * fw + xx, ay * ax)
    return weights.view(k, fh * fw) @ feature.reshape(-1, fh * fw).T


def _bilinear_taps(coord: Tensor, size_in: int, size_out: int) -> tuple[Tensor, Tensor, Tensor]:
    """Source cells and weight of the upper one for output ``coord``, as ``F.interpolate``
    (bilinear, ``align_corners=False``) computes them."""
    source = ((coord.float() + 0.5) * (size_in / size_out) - 0.5).clamp_min(0)
    low = source.floor().long()
    return low, (low + 1).clamp_max(size_in - 1), source - low


def _sample_features(
    feature: Tensor, ys: Tensor, xs: Tensor, h: int, w: int, chunk_elements: int = 1 << 24
) -> Iterator[tuple[slice, Tensor]]:
    """Yield ``(slice, [n, D])`` chunks of ``feature`` ``[D, fh, fw]``, upsampled bilinearly
    to ``h x w`` and read at ``(ys, xs)``; chunks bound memory at full resolution."""
    step = max(1, chunk_elements // feature.shape[0])
    for start in range(0, len(ys), step):
        part = slice(start, start + step)
        gx = (xs[part].float() + 0.5) / w * 2 - 1
        gy = (ys[part].float() + 0.5) / h * 2 - 1
        grid = torch.stack([gx, gy], dim=-1).view(1, 1, -1, 2)
        sampled = F.grid_sample(
            feature[None], grid, mode="bilinear", padding_mode="border", align_corners=False
        )
        yield part, sampled[0, :, 0].T


def _deal(queues: list[np.ndarray], n_points: int, min_distance: float) -> list[Point]:
    """Round-robin over ``queues`` (``[N, 2]`` (y, x) arrays, best first) with spacing.

    Each turn a queue gives its best pixel at least ``min_distance`` (and at least 1, so
    never a duplicate) from every point chosen so far; queues are scanned lazily from a
    cursor, in vectorised blocks, so full-resolution candidate lists stay cheap.
    """
    if n_points < 0:
        raise ValueError(f"n_points must be >= 0, got {n_points}")
    need = max(min_distance**2, 1)
    chosen = np.empty((0, 2), dtype=np.int64)
    cursors = {j: 0 for j, q in enumerate(queues) if len(q)}
    while cursors and len(chosen) < n_points:
        for j in list(cursors):
            if len(chosen) == n_points:
                break
            cursors[j] = _next_free(queues[j], cursors[j], chosen, need)
            if cursors[j] == len(queues[j]):
                del cursors[j]
                continue
            chosen = np.concatenate([chosen, queues[j][cursors[j]][None]])
            cursors[j] += 1
    return [(int(x), int(y)) for y, x in chosen]


def _next_free(queue: np.ndarray, start: int, chosen: np.ndarray, need: float) -> int:
    """Index of the first ``queue`` row from ``start`` whose squared distance to every
    ``chosen`` point is ``>= need``; ``len(queue)`` if none."""
    begin, block = start, 64  # the next row is usually free: start small, then grow
    while begin < len(queue):
        rows = queue[begin : begin + block]
        d2 = ((rows[:, None, :] - chosen[None, :, :]) ** 2).sum(axis=-1)
        free = np.flatnonzero((d2 >= need).all(axis=1))
        if len(free):
            return begin + int(free[0])
        begin, block = begin + block, min(block * 4, 16384)
    return len(queue)


# --------------------------------------------------------------------------- baselines


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
    b, h, w = _bhw(shape)
    allowed = _allowed(torch.ones(b, h, w, dtype=torch.bool), exclude).cpu()
    result: Points = []
    for i in range(b):
        flat = torch.nonzero(allowed[i].flatten()).squeeze(1)
        flat = flat[torch.randperm(len(flat), generator=generator)]
        result.append(_deal([_flat_to_yx(flat, w)], n_points, min_distance))
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
    _check_fraction(budget_fraction)
    b, h, w = _bhw(shape)
    allowed = _allowed(torch.ones(b, h, w, dtype=torch.bool), exclude).cpu()
    budget = _budget(budget_fraction, h, w)
    mask = torch.zeros(b, h * w, dtype=torch.bool)
    for i in range(b):
        flat = torch.nonzero(allowed[i].flatten()).squeeze(1)
        mask[i, flat[torch.randperm(len(flat), generator=generator)[:budget]]] = True
    mask = mask.view(b, h, w)
    return mask.to(shape.device) if isinstance(shape, Tensor) else mask


def random_segments(
    image: Tensor,
    budget_fraction: float = 0.022,
    *,
    generator: torch.Generator | None = None,
    exclude: Tensor | None = None,
    n_segments: int = 300,
    compactness: float = 10.0,
) -> Tensor:
    """Random SLIC segments up to the region budget, as segment ids like :func:`spl_segments`.

    The random baseline in SPL's own unit: the same superpixels and budget, taken in random
    order instead of by discrepancy (whole while they fit, the remainder grown connected
    from a random pixel), so a comparison with SPL isolates what the selector's choice buys.
    ``image`` is ``[B, 1|3, H, W]`` RGB, uint8 or float in [0, 1].
    """
    _check_fraction(budget_fraction)
    b, h, w = _bhw(image)
    superpixels = _slic(image, (b, h, w), n_segments, compactness)
    allowed = _allowed(torch.ones(b, h, w, dtype=torch.bool), exclude).cpu().numpy()
    budget = _budget(budget_fraction, h, w)
    out = np.zeros((b, h, w), dtype=np.int64)
    for i in range(b):
        segment_order = torch.rand(int(superpixels[i].max()) + 1, generator=generator).numpy()
        # The pixel noise only picks where the remainder starts and how it grows; it is too
        # small to reorder segments.
        pixel_noise = torch.rand(h, w, generator=generator).numpy() * 1e-6
        out[i] = _spl_one(
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
    _check_fraction(top_fraction, "top_fraction")
    b, h, w = uncertainty.shape
    allowed = _allowed(torch.ones(b, h, w, dtype=torch.bool), exclude).cpu()
    score = uncertainty.float().cpu().masked_fill(~allowed, -math.inf).flatten(1)
    k = math.ceil(top_fraction * h * w)
    result: Points = []
    for i in range(b):
        top = score[i].topk(min(k, int(allowed[i].sum()))).indices
        top = top[torch.randperm(len(top), generator=generator)]
        result.append(_deal([_flat_to_yx(top, w)], n_points, min_distance))
    return result


# --------------------------------------------------------------------------- RIPU


def ripu_region_score(
    logits: Tensor, radius: int = 1, *, uncertainty: Literal["window", "pixel"] = "window"
) -> tuple[Tensor, Tensor, Tensor]:
    """RIPU (Xie et al., CVPR 2022) acquisition maps ``(score, impurity, uncertainty)``.

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

    onehot = F.one_hot(_classes(prob), c).permute(0, 3, 1, 2).float()
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
    """RIPU region selection as region ids, LongTensor ``[B, H, W]`` (0 = none, 1 = first).

    Greedy, as the official code: take the best-scoring pixel, label its ``(2K+1)^2``
    region, block the ``(4K+1)^2`` window around it for later centres (so regions never
    overlap), repeat. Unlike the official loop, which takes ``ceil(budget / region size)``
    regions, a region that would overflow the pixel budget is skipped, so the budget is
    never exceeded (a few pixels may stay unspent). Excluded pixels are neither centres
    nor counted in a region.
    """
    _check_fraction(budget_fraction)
    score = ripu_region_score(logits, radius)[0].cpu()
    b, h, w = score.shape
    allowed = _allowed(torch.ones(b, h, w, dtype=torch.bool), exclude).cpu()
    size = 2 * radius + 1
    cost = F.avg_pool2d(allowed[:, None].float(), size, stride=1, padding=radius) * size**2
    cost = cost[:, 0].round().long().numpy()
    score = score.masked_fill(~allowed, -math.inf).numpy()
    budget = _budget(budget_fraction, h, w)
    out = np.zeros((b, h, w), dtype=np.int64)
    for i in range(b):
        for n, (y, x) in enumerate(_greedy(score[i], 2 * radius, cost[i], budget), start=1):
            out[i, max(0, y - radius) : y + radius + 1, max(0, x - radius) : x + radius + 1] = n
    out[~allowed.numpy()] = 0
    return torch.from_numpy(out).to(logits.device)


def select_ripu_regions(
    logits: Tensor,
    budget_fraction: float = 0.022,
    radius: int = 1,
    *,
    exclude: Tensor | None = None,
) -> Tensor:
    """RIPU region label-request mask, bool ``[B, H, W]``; see :func:`ripu_region_segments`."""
    return ripu_region_segments(logits, budget_fraction, radius, exclude=exclude) > 0


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
    allowed = _allowed(torch.ones(b, h, w, dtype=torch.bool), exclude).cpu()
    score = score.masked_fill(~allowed, -math.inf).numpy()
    block = 2 * radius if block_radius is None else block_radius
    ones = np.ones((h, w), dtype=np.int64)
    return [[(x, y) for y, x in _greedy(score[i], block, ones, n_points)] for i in range(b)]


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


# --------------------------------------------------------------------------- dispatch


@dataclass(frozen=True)
class SelectionResult:
    """What a selection method asks people to label.

    ``kind == "points"``: ``points`` holds one list of ``(x, y)`` per image. ``kind ==
    "region"``: ``mask`` is the bool ``[B, H, W]`` label request and, for SPL and RIPU
    regions, ``segments`` its LongTensor ids (0 = none) so the UI can fill a suggested
    segment with one click.
    """

    kind: Literal["points", "region"]
    points: Points | None = None
    mask: Tensor | None = None
    segments: Tensor | None = None


def select(
    method: str,
    *,
    prob1: Tensor | None = None,
    prob2: Tensor | None = None,
    features: Tensor | None = None,
    logits: Tensor | None = None,
    image: Tensor | None = None,
    n_points: int = 40,
    budget_fraction: float = 0.022,
    generator: torch.Generator | None = None,
    exclude: Tensor | None = None,
    **options: Any,
) -> SelectionResult:
    """Run selection ``method`` (one of :data:`METHODS`) with the inputs it needs.

    LabOR methods use ``prob1``/``prob2`` (the selector's two heads; PPL also
    ``features``, SPL optionally ``image``); single-model baselines use ``prob1`` (model
    A's softmax) or, for RIPU, ``logits``. ``options`` go to the method's function as
    keyword arguments (e.g. ``min_distance``, ``radius``, ``top_fraction``). Point methods
    keep their points :func:`point_spacing` apart unless ``min_distance`` is given.
    """

    def need(name: str, value: Tensor | None) -> Tensor:
        if value is None:
            raise ValueError(f"selection method {method!r} needs {name}")
        return value

    shape = _first(prob1, logits, image)
    if method in SPACED_POINT_METHODS and shape is not None and "min_distance" not in options:
        options["min_distance"] = point_spacing(*_bhw(shape)[1:], n_points)

    if method == "spl":
        segments = spl_segments(
            need("prob1", prob1),
            need("prob2", prob2),
            budget_fraction,
            image=image,
            exclude=exclude,
            **options,
        )
        return SelectionResult("region", mask=segments > 0, segments=segments)
    if method == "ripu_region":
        segments = ripu_region_segments(
            need("logits", logits), budget_fraction, exclude=exclude, **options
        )
        return SelectionResult("region", mask=segments > 0, segments=segments)
    if method == "random_segments":
        segments = random_segments(
            need("image", image), budget_fraction, generator=generator, exclude=exclude, **options
        )
        return SelectionResult("region", mask=segments > 0, segments=segments)
    if method == "random_mask":
        shape = need("prob1, logits or image", _first(prob1, logits, image))
        mask = select_random_mask(
            shape, budget_fraction, generator=generator, exclude=exclude, **options
        )
        return SelectionResult("region", mask=mask)
    if method in ("ppl", "ppl_spread"):
        points = select_ppl(
            need("prob1", prob1),
            need("prob2", prob2),
            need("features", features),
            n_points,
            exclude=exclude,
            per_segment=method == "ppl_spread",
            **options,
        )
    elif method == "random":
        shape = need("prob1, logits or image", _first(prob1, logits, image))
        points = select_random(shape, n_points, generator=generator, exclude=exclude, **options)
    elif method in ("entropy", "margin"):
        fn = select_entropy if method == "entropy" else select_margin
        points = fn(need("prob1", prob1), n_points, generator=generator, exclude=exclude, **options)
    elif method == "ripu_pixel":
        points = select_ripu_pixels(need("logits", logits), n_points, exclude=exclude, **options)
    else:
        raise ValueError(
            f"unknown selection method {method!r}; known: {', '.join(sorted(METHODS))}"
        )
    return SelectionResult("points", points=points)


# --------------------------------------------------------------------------- helpers


def _classes(prob: Tensor) -> Tensor:
    """Argmax over the class dim, first index on ties. `max(dim=1)` is the same and on CPU
    about 8x faster than `argmax(dim=1)` on [B, C, H, W] (half of PPL's time went there)."""
    return prob.max(dim=1).indices


def point_spacing(height: int, width: int, n_points: int) -> float:
    """The least distance between one image's points: a third of the side of the square each
    point would own if they tiled the image (12 px for 40 points on 256 x 192). Neighbouring
    pixels carry nearly the same information, and a person labels spread points faster."""
    return round(math.sqrt(height * width / max(n_points, 1)) / 3, 1)


def _check_pair(prob1: Tensor, prob2: Tensor) -> None:
    if prob1.dim() != 4 or prob1.shape != prob2.shape:
        raise ValueError(
            f"expected two [B, C, H, W] tensors of one shape, got "
            f"{tuple(prob1.shape)} and {tuple(prob2.shape)}"
        )


def _check_fraction(value: float, name: str = "budget_fraction") -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")


def _budget(budget_fraction: float, h: int, w: int) -> int:
    # The epsilon keeps float error from losing a pixel: 0.29 * 100 == 28.999999999999996.
    return int(math.floor(budget_fraction * h * w + 1e-9))


def _allowed(mask: Tensor, exclude: Tensor | None) -> Tensor:
    if exclude is None:
        return mask
    if exclude.shape != mask.shape:
        raise ValueError(f"exclude must be {tuple(mask.shape)}, got {tuple(exclude.shape)}")
    return mask & ~exclude.to(device=mask.device, dtype=torch.bool)


def _bhw(shape: Tensor | tuple[int, ...]) -> tuple[int, int, int]:
    dims = tuple(shape.shape) if isinstance(shape, Tensor) else tuple(shape)
    if len(dims) < 3:
        raise ValueError(f"need (B, ..., H, W), got {dims}")
    return int(dims[0]), int(dims[-2]), int(dims[-1])


def _flat_to_yx(flat: Tensor, w: int) -> np.ndarray:
    return torch.stack([flat // w, flat % w], dim=1).numpy()


def _first(*values: Tensor | None) -> Tensor | None:
    return next((v for v in values if v is not None), None)
