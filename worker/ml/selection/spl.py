"""LabOR's segment-based pixel labelling (SPL), and the segment taking it shares with the
random-segments baseline."""

from __future__ import annotations

import heapq

import numpy as np
import torch
from torch import Tensor

from .common import (
    argmax_classes,
    check_fraction,
    check_pair,
    pixel_budget,
    rank_within,
    remove_excluded,
)
from .maps import discrepancy_map, inconsistency_mask
from .ppl import MIN_SEGMENT

# `spread`: an image's budget goes to at least this many pieces when its candidates allow.
SPREAD_PIECES = 12


def spl_segments(
    prob1: Tensor,
    prob2: Tensor,
    budget_fraction: float = 0.022,
    *,
    image: Tensor | None = None,
    n_segments: int = 300,
    compactness: float = 10.0,
    exclude: Tensor | None = None,
    spread: bool = False,
) -> Tensor:
    """LabOR segment-based pixel labelling as segment ids: LongTensor ``[B, H, W]``, 0 = none.

    The selection (label-request mask) is ``ids > 0``; each id is a 4-connected segment a
    person can fill with one click, numbered by rank (1 = highest mean discrepancy). LabOR
    labels the whole inconsistency mask, which is about 2.2 % of an image (the default
    budget); when the mask of an image is larger than its budget, the most discrepant pixels
    are kept as follows:

    1. candidates = inconsistent pixels not in ``exclude``, split into 4-connected
       components, or, when ``image`` (``[B, 1|3, H, W]`` RGB, uint8 or float in [0, 1]) is
       given, into connected pieces of its SLIC superpixels (``n_segments``,
       ``compactness``), so segments follow image edges;
    2. segments are ranked by mean discrepancy and taken whole while they fit;
    3. the remainder is grown inside the next segment from its most discrepant pixel,
       always adding the most discrepant neighbouring pixel (priority flood), so the budget
       is used exactly and the partial piece stays connected, i.e. paintable.

    ``spread`` (ours, not the paper's): the budget is shared out over many pieces and over
    the classes, as PPL's points are. Segments are also cut where the class under the mean
    of the two heads changes; the classes take turns, largest candidate area first, each
    offering its next segment by mean discrepancy; every segment gives at most
    ``budget / SPREAD_PIECES`` pixels (grown as in 3.) per turn, until the budget is used.
    Segments under ``MIN_SEGMENT`` pixels (specks on boundaries) get turns only once all
    others are taken, as in PPL spread. Ranked segments alone spend an image's budget on its
    few most discrepant areas.
    """
    check_pair(prob1, prob2)
    check_fraction(budget_fraction)
    b, _, h, w = prob1.shape
    candidates = remove_excluded(inconsistency_mask(prob1, prob2), exclude).cpu().numpy()
    discrepancy = discrepancy_map(prob1, prob2).float().cpu().numpy()
    superpixels = (
        None if image is None else slic_superpixels(image, (b, h, w), n_segments, compactness)
    )
    classes = argmax_classes(prob1.detach() + prob2.detach()).cpu().numpy() if spread else None
    budget = pixel_budget(budget_fraction, h, w)
    out = np.zeros((b, h, w), dtype=np.int64)
    for i in range(b):
        pieces = None if superpixels is None else superpixels[i]
        if classes is None:
            out[i] = take_segments(candidates[i], discrepancy[i], budget, pieces)
        else:
            out[i] = spread_segments(candidates[i], discrepancy[i], budget, classes[i], pieces)
    return torch.from_numpy(out).to(prob1.device)


def take_segments(
    candidates: np.ndarray, score: np.ndarray, budget: int, superpixels: np.ndarray | None
) -> np.ndarray:
    """Segment ids ``[H, W]`` (0 = none, 1 = best) of one image's ``budget`` pixels.

    Segments are the 4-connected components of ``candidates`` (bool), cut along
    ``superpixels`` when given; they are taken whole by descending mean ``score`` while they
    fit, and the rest of the budget is grown connected inside the next one.
    """
    key = (
        candidates.astype(np.int64) if superpixels is None else np.where(candidates, superpixels, 0)
    )
    components, sizes, means = _pieces(key, score)
    n = len(sizes)
    out = np.zeros(candidates.shape, dtype=np.int64)
    if n == 0 or budget == 0:
        return out
    order = np.argsort(-means, kind="stable")  # component index - 1, best first
    cumulative = np.cumsum(sizes[order])
    n_whole = int(np.searchsorted(cumulative, budget, side="right"))
    rank = np.zeros(n + 1, dtype=np.int64)
    rank[order[:n_whole] + 1] = np.arange(1, n_whole + 1)
    out = rank[components]
    remaining = budget - (int(cumulative[n_whole - 1]) if n_whole else 0)
    if n_whole < n and remaining > 0:
        out[_grow(components == order[n_whole] + 1, score, remaining)] = n_whole + 1
    return out


def spread_segments(
    candidates: np.ndarray,
    score: np.ndarray,
    budget: int,
    classes: np.ndarray,
    superpixels: np.ndarray | None,
) -> np.ndarray:
    """Segment ids ``[H, W]`` (0 = none, 1 = first taken) of one image's ``budget`` pixels,
    spread over segments and ``classes`` (``[H, W]`` class per pixel): ``spread`` in
    :func:`spl_segments`."""
    from scipy.ndimage import find_objects

    key = np.where(candidates, classes + 1, 0)
    if superpixels is not None:
        key = np.where(candidates, superpixels.astype(np.int64) * (int(key.max()) + 1) + key, 0)
    components, sizes, means = _pieces(key, score)
    n = len(sizes)
    if n == 0 or budget == 0:
        return np.zeros(candidates.shape, dtype=np.int64)
    inside = components.ravel() > 0
    segment_class = np.zeros(n, dtype=np.int64)
    segment_class[components.ravel()[inside] - 1] = classes.ravel()[inside]
    class_area = np.bincount(segment_class, weights=sizes)
    class_rank = np.argsort(np.argsort(-class_area, kind="stable"), kind="stable")
    # Turn order: specks last, then a segment's rank within its class, then its class's rank.
    speck = (sizes < MIN_SEGMENT).astype(np.int64)
    rank_in_class = rank_within(speck * len(class_area) + segment_class, -means)
    order = np.lexsort((class_rank[segment_class], rank_in_class, speck))
    quota = np.zeros(n, dtype=np.int64)
    cap, remaining = max(1, -(-budget // SPREAD_PIECES)), budget
    for turns in (order[speck[order] == 0], order[speck[order] == 1]):
        while remaining > 0 and (quota[turns] < sizes[turns]).any():
            for segment in turns:
                give = min(cap, int(sizes[segment] - quota[segment]), remaining)
                quota[segment] += give
                remaining -= give
    # Ids by first turn; whole pieces by lookup, partial ones grown inside their bounding box.
    taken = order[quota[order] > 0]
    partial = taken[quota[taken] < sizes[taken]]
    position = np.zeros(n + 1, dtype=np.int64)
    position[taken + 1] = np.arange(1, len(taken) + 1)
    whole = position.copy()
    whole[partial + 1] = 0
    out = whole[components]
    boxes = find_objects(components)
    for segment in partial:
        box = boxes[segment]
        grown = _grow(components[box] == segment + 1, score[box], int(quota[segment]))
        out[box][grown] = position[segment + 1]
    return out


def _pieces(key: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 4-connected pieces of equal non-zero ``key``: their ids ``[H, W]`` (0 = none, then
    1, 2, ...), and per piece (id - 1) its size and mean ``score``."""
    from skimage.measure import label

    components = label(key, background=0, connectivity=1)
    flat = components.ravel()
    n = int(components.max())
    sizes = np.bincount(flat, minlength=n + 1)[1:]
    means = np.bincount(flat, weights=score.ravel(), minlength=n + 1)[1:] / sizes
    return components, sizes, means


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


def slic_superpixels(
    image: Tensor, shape: tuple[int, int, int], n_segments: int, compactness: float
) -> np.ndarray:
    """SLIC superpixel ids ``[B, H, W]`` (from 1) of ``image`` ``[B, 1|3, H, W]``."""
    from skimage.segmentation import slic

    if image.dim() != 4 or (image.shape[0], *image.shape[2:]) != shape:
        raise ValueError(f"image must be [B, 1|3, H, W] matching {shape}, got {tuple(image.shape)}")
    hwc = image.detach().cpu().permute(0, 2, 3, 1)
    pixels = hwc.numpy() if hwc.dtype == torch.uint8 else hwc.float().clamp(0, 1).numpy()
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
