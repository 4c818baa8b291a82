"""LabOR's point-based pixel labelling (PPL): class-prototypical inconsistent pixels."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .common import Points, argmax_classes, check_pair, rank_within, remove_excluded
from .maps import inconsistency_mask
from .points import deal

# Segments of D(k) under this many pixels (specks on boundaries) give points last.
MIN_SEGMENT = 16


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
    check_pair(prob1, prob2)
    b, _, h, w = prob1.shape
    if features.dim() != 4 or features.shape[0] != b:
        raise ValueError(f"features must be [{b}, D, h, w], got {tuple(features.shape)}")
    device = features.device
    candidates = remove_excluded(inconsistency_mask(prob1, prob2), exclude).to(device)
    predicted = argmax_classes(prob1.detach() + prob2.detach()).to(device)
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
        result.append(deal(np.split(coords, sizes.cumsum(0)[:-1].numpy()), n_points, min_distance))
    return result


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
    return [rank_within(segment, distance), sizes[segment] < MIN_SEGMENT]


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
