"""Which target pixels to ask a person to label: LabOR (SPL, PPL) and the baselines.

Everything here is a pure function of tensors (torch + numpy; scikit-image only for
connected components and SLIC). Functions work at whatever resolution they are given:
the pipeline upsamples probabilities to the image's true resolution first, so budgets are
counted in true pixels. Conventions:

- probabilities / logits are ``[B, C, H, W]``; masks are bool ``[B, H, W]`` on the input's
  device; points are ``(x, y)`` integer pixel coordinates (x = column), one list per image,
  in selection order (most wanted first); region methods give segment ids, LongTensor
  ``[B, H, W]`` (0 = not selected), whose ``> 0`` is the label-request mask;
- ``exclude`` (optional bool ``[B, H, W]``) marks pixels never to select, e.g. the ones
  labelled in earlier rounds, so a round never spends budget on them twice;
- a region budget is ``floor(budget_fraction * H * W)`` pixels per image and is never
  exceeded; point methods return fewer points than asked when too few candidates exist,
  never duplicates.

Modules: ``maps`` (LabOR's discrepancy and inconsistency), ``spl`` and ``ppl`` (LabOR),
``mixed`` (SPL plus random pixels, ours), ``baselines`` (random, entropy, margin), ``ripu``
(RIPU), ``points`` (spacing points), ``dispatch`` (:func:`select` and the method names),
``common`` (types and input checks).
"""

from .baselines import (
    random_segments,
    select_entropy,
    select_margin,
    select_random,
    select_random_mask,
)
from .common import Point, Points
from .dispatch import (
    METHODS,
    POINT_METHODS,
    REGION_METHODS,
    SPACED_POINT_METHODS,
    SelectionResult,
    select,
)
from .maps import discrepancy_map, inconsistency_mask
from .mixed import class_balance_weights, spl_plus_random
from .points import point_spacing
from .ppl import MIN_SEGMENT, select_ppl
from .ripu import ripu_region_score, ripu_region_segments, select_ripu_pixels
from .spl import spl_segments

__all__ = [
    "METHODS",
    "MIN_SEGMENT",
    "POINT_METHODS",
    "REGION_METHODS",
    "SPACED_POINT_METHODS",
    "Point",
    "class_balance_weights",
    "Points",
    "SelectionResult",
    "discrepancy_map",
    "inconsistency_mask",
    "point_spacing",
    "random_segments",
    "ripu_region_score",
    "ripu_region_segments",
    "select",
    "select_entropy",
    "select_margin",
    "select_ppl",
    "select_random",
    "select_random_mask",
    "select_ripu_pixels",
    "spl_plus_random",
    "spl_segments",
]
