"""The method names and :func:`select`, which runs one method with the inputs it needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import Tensor

from .baselines import (
    random_segments,
    select_entropy,
    select_margin,
    select_random,
    select_random_mask,
)
from .common import Points, batch_height_width
from .mixed import spl_plus_random
from .points import point_spacing
from .ppl import select_ppl
from .ripu import ripu_region_segments, select_ripu_pixels
from .spl import spl_segments

POINT_METHODS = frozenset({"ppl", "ppl_spread", "random", "entropy", "margin", "ripu_pixel"})
# Methods that keep their points `min_distance` apart (RIPU pixel blocks windows instead).
SPACED_POINT_METHODS = frozenset({"ppl", "ppl_spread", "random", "entropy", "margin"})
REGION_METHODS = frozenset(
    {
        "spl",
        "spl_spread",
        "spl_plus_random",
        "spl_plus_balanced",
        "ripu_region",
        "random_mask",
        "random_segments",
    }
)
METHODS = POINT_METHODS | REGION_METHODS


@dataclass(frozen=True)
class SelectionResult:
    """What a selection method asks people to label.

    ``kind == "points"``: ``points`` holds one list of ``(x, y)`` per image. ``kind ==
    "region"``: ``mask`` is the bool ``[B, H, W]`` label request and, for SPL, RIPU regions
    and random segments, ``segments`` its LongTensor ids (0 = none) so the UI can fill a
    suggested segment with one click (SPL plus random pixels: of its segment part only).
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
        options["min_distance"] = point_spacing(*batch_height_width(shape)[1:], n_points)

    if method in ("spl", "spl_spread"):
        segments = spl_segments(
            need("prob1", prob1),
            need("prob2", prob2),
            budget_fraction,
            image=image,
            exclude=exclude,
            spread=method == "spl_spread",
            **options,
        )
        return SelectionResult("region", mask=segments > 0, segments=segments)
    if method in ("spl_plus_random", "spl_plus_balanced"):
        segments, mask = spl_plus_random(
            need("prob1", prob1),
            need("prob2", prob2),
            budget_fraction,
            class_balanced=method == "spl_plus_balanced",
            image=image,
            generator=generator,
            exclude=exclude,
            **options,
        )
        return SelectionResult("region", mask=mask, segments=segments)
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


def _first(*values: Tensor | None) -> Tensor | None:
    return next((v for v in values if v is not None), None)
