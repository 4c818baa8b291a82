"""SPL plus random pixels (worker.ml.selection.mixed): SPL spread's segments on part of the
budget, uniformly random pixels on the rest."""

import pytest
import torch

from tests.unit.selection_helpers import class_pair
from worker.ml import selection as sel

torch.set_num_threads(1)


def _pair() -> tuple[torch.Tensor, torch.Tensor]:
    """Heads that disagree only in the top-left 6 x 8 block of a 24 x 32 image."""
    cls = torch.full((24, 32), -1)
    cls[0:6, 0:8] = 1
    return class_pair(cls, 3)


def test_half_the_budget_goes_to_spl_segments_and_half_scatters_at_random():
    p1, p2 = _pair()
    budget = 96  # 12.5 % of 24 * 32 pixels
    segments, mask = sel.spl_plus_random(p1, p2, 0.125, generator=torch.Generator().manual_seed(0))
    assert int(mask.sum()) == budget
    assert torch.equal(segments, sel.spl_segments(p1, p2, 0.0625, spread=True))
    assert int((segments > 0).sum()) == budget // 2 and bool(mask[segments > 0].all())
    scattered = mask & (segments == 0)
    # The random half lands where the heads agree too: the selector alone would never ask.
    assert int(scattered[0, 6:, :].sum()) + int(scattered[0, :6, 8:].sum()) > 30


def test_the_random_part_takes_what_the_inconsistent_pixels_cannot_fill():
    p1, p2 = _pair()  # 48 inconsistent pixels, fewer than half of a 50 % budget
    segments, mask = sel.spl_plus_random(p1, p2, 0.5, generator=torch.Generator().manual_seed(1))
    assert int((segments > 0).sum()) == 48 and int(mask.sum()) == 384


def test_excluded_pixels_are_never_asked_for_again():
    p1, p2 = _pair()
    exclude = torch.zeros(1, 24, 32, dtype=torch.bool)
    exclude[0, :, :16] = True
    _, mask = sel.spl_plus_random(
        p1, p2, 0.125, exclude=exclude, generator=torch.Generator().manual_seed(2)
    )
    assert int(mask.sum()) == 96 and not bool((mask & exclude).any())


def test_random_share_zero_is_spl_spread_and_one_is_random_pixels():
    p1, p2 = _pair()
    spread = sel.spl_segments(p1, p2, 0.0625, spread=True)  # all 48 inconsistent pixels
    segments, mask = sel.spl_plus_random(p1, p2, 0.0625, random_share=0.0)
    assert torch.equal(segments, spread) and torch.equal(mask, spread > 0)
    segments, mask = sel.spl_plus_random(
        p1, p2, 0.125, random_share=1.0, generator=torch.Generator().manual_seed(3)
    )
    random = sel.select_random_mask(p1, 0.125, generator=torch.Generator().manual_seed(3))
    assert not bool(segments.any()) and torch.equal(mask, random)


def test_a_share_outside_zero_to_one_is_refused():
    p1, p2 = _pair()
    with pytest.raises(ValueError, match="random_share"):
        sel.spl_plus_random(p1, p2, 0.125, random_share=1.5)


def test_select_dispatches_it_as_a_region_method_with_its_segments():
    p1, p2 = _pair()
    result = sel.select(
        "spl_plus_random",
        prob1=p1,
        prob2=p2,
        budget_fraction=0.125,
        generator=torch.Generator().manual_seed(0),
    )
    assert "spl_plus_random" in sel.REGION_METHODS
    assert result.kind == "region" and int(result.mask.sum()) == 96
    assert int((result.segments > 0).sum()) == 48
