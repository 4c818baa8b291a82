"""SPL plus random pixels (worker.ml.selection.mixed): SPL spread's segments on part of the
budget, random pixels (uniform or class-balanced) on the rest."""

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


def _with_a_small_class() -> tuple[torch.Tensor, torch.Tensor]:
    """`_pair`'s heads on a 48 x 64 image whose bottom 3 rows (1/16 of it) both call class 2."""
    cls = torch.full((48, 64), -1)
    cls[0:6, 0:8] = 1
    p1, p2 = class_pair(cls, 3)
    for p in (p1, p2):
        p[0, :, 45:] = torch.tensor([0.05, 0.05, 0.9])[:, None, None]
    return p1, p2


def test_class_balance_weights_give_each_class_draws_by_the_root_of_its_area():
    classes = torch.zeros(1, 4, 4, dtype=torch.long)
    classes[0, 0, :] = 2  # a quarter of the image
    weights = sel.class_balance_weights(classes)
    assert torch.allclose(weights[0, 0], torch.full((4,), 0.25**-0.5))
    assert torch.allclose(weights[0, 1:], torch.full((3, 4), 0.75**-0.5))
    total = [float(weights[classes == k].sum()) for k in (0, 2)]
    assert total[0] / total[1] == pytest.approx((0.75 / 0.25) ** 0.5)


def test_class_balanced_random_pixels_reach_a_small_class_more_often_than_uniform_ones():
    p1, p2 = _with_a_small_class()
    rare = torch.zeros(1, 48, 64, dtype=torch.bool)
    rare[0, 45:] = True
    on_rare = {}
    for balanced in (False, True):
        hits = 0
        for seed in range(20):
            segments, mask = sel.spl_plus_random(
                p1,
                p2,
                0.125,
                class_balanced=balanced,
                generator=torch.Generator().manual_seed(seed),
            )
            assert int(mask.sum()) == 384 and int((segments > 0).sum()) == 48
            hits += int((mask & rare).sum())
        on_rare[balanced] = hits / (20 * 336)  # the 336 scattered pixels of each draw
    # Class 2 holds 1/16 of the image: uniform pixels land there about as often; weighted by
    # the root of the areas it gets about 0.25 / (0.25 + 0.97) of them.
    assert on_rare[False] == pytest.approx(1 / 16, abs=0.02)
    assert on_rare[True] == pytest.approx(0.25 / (0.25 + (15 / 16) ** 0.5), abs=0.04)


@pytest.mark.parametrize(
    ("method", "balanced"), [("spl_plus_random", False), ("spl_plus_balanced", True)]
)
def test_select_dispatches_each_variant_as_a_region_method_with_its_segments(method, balanced):
    p1, p2 = _with_a_small_class()
    result = sel.select(
        method,
        prob1=p1,
        prob2=p2,
        budget_fraction=0.125,
        generator=torch.Generator().manual_seed(0),
    )
    segments, mask = sel.spl_plus_random(
        p1, p2, 0.125, class_balanced=balanced, generator=torch.Generator().manual_seed(0)
    )
    assert method in sel.REGION_METHODS and result.kind == "region"
    assert torch.equal(result.segments, segments) and torch.equal(result.mask, mask)
