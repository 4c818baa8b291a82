"""Known-answer tests for LabOR's selection (worker.ml.selection) on small hand-made tensors:
the heads' inconsistency and discrepancy, SPL's segments and PPL's points."""

import math

import pytest
import torch
import torch.nn.functional as F
from skimage.measure import label

from tests.unit.selection_helpers import class_pair, two_class_pair
from worker.ml import selection as sel
from worker.ml.selection import ppl as ppl_module

torch.set_num_threads(1)


# --------------------------------------------------------------------------- maps


def test_inconsistency_mask_is_exactly_argmax_disagreement():
    p1 = torch.tensor([[[0.7, 0.2, 0.55], [0.1, 0.9, 0.3]], [[0.3, 0.8, 0.45], [0.9, 0.1, 0.7]]])
    p2 = torch.tensor([[[0.6, 0.6, 0.4], [0.2, 0.3, 0.8]], [[0.4, 0.4, 0.6], [0.8, 0.7, 0.2]]])
    mask = sel.inconsistency_mask(p1[None], p2[None])
    # argmax p1: [[0,1,0],[1,0,1]]; argmax p2: [[0,0,1],[1,1,0]]
    assert mask.dtype == torch.bool
    assert mask[0].tolist() == [[False, True, True], [False, True, True]]


def test_discrepancy_zero_for_identical_and_hand_value():
    p = torch.rand(2, 5, 4, 3).softmax(1)
    assert torch.equal(sel.discrepancy_map(p, p), torch.zeros(2, 4, 3))
    p1 = torch.tensor([0.6, 0.4, 0.0]).view(1, 3, 1, 1)
    p2 = torch.tensor([0.4, 0.4, 0.2]).view(1, 3, 1, 1)
    assert sel.discrepancy_map(p1, p2).item() == pytest.approx(0.4 / 3)


# --------------------------------------------------------------------------- SPL


def test_spl_under_budget_selects_exactly_the_inconsistent_pixels():
    disc = torch.zeros(8, 8)
    disc[1:3, 1:3] = 0.8
    disc[6, 5] = 0.4
    disc[3, 3] = 0.2  # touches the block only diagonally: a separate 4-connected segment
    p1, p2 = two_class_pair(disc)
    segments = sel.spl_segments(p1, p2, budget_fraction=0.25)[0]
    assert torch.equal(segments > 0, disc > 0)
    assert (segments[1:3, 1:3] == 1).all() and segments[6, 5] == 2  # ranked by discrepancy
    assert segments[3, 3] == 3


def test_spl_over_budget_keeps_best_segments_whole_and_grows_a_connected_remainder():
    disc = torch.zeros(8, 8)
    disc[0:2, 0:2] = 0.9  # A: mean 0.9, 4 px
    disc[0:3, 7] = 0.6  # C: mean 0.6, 3 px
    disc[5, 0:6] = torch.tensor([0.2, 0.7, 0.3, 0.6, 0.5, 0.4])  # B: mean 0.45, 6 px
    p1, p2 = two_class_pair(disc)
    segments = sel.spl_segments(p1, p2, budget_fraction=10 / 64)[0]
    assert (segments > 0).sum() == 10
    assert (segments[0:2, 0:2] == 1).all()  # most discrepant segment, whole
    assert (segments[0:3, 7] == 2).all()
    # 3 px left: grown from B's best pixel (x=1) through neighbours, not the top-3 values
    # (x = 1, 3, 4), which would not be connected.
    assert segments[5].tolist() == [0, 3, 3, 3, 0, 0, 0, 0]


@pytest.mark.parametrize("fraction", [0.0, 0.003, 0.02, 0.1, 0.5])
def test_spl_never_exceeds_budget_and_uses_it(fraction):
    g = torch.Generator().manual_seed(1)
    p1 = torch.randn(2, 4, 24, 20, generator=g).softmax(1)
    p2 = torch.randn(2, 4, 24, 20, generator=g).softmax(1)
    mask = sel.spl_segments(p1, p2, budget_fraction=fraction) > 0
    incons = sel.inconsistency_mask(p1, p2)
    budget = math.floor(fraction * 24 * 20)
    assert not (mask & ~incons).any()
    assert mask.flatten(1).sum(1).tolist() == [
        min(budget, int(n)) for n in incons.flatten(1).sum(1)
    ]


def test_spl_superpixels_split_segments_at_image_edges():
    disc = torch.zeros(8, 16)
    disc[3:5, :] = 0.5
    p1, p2 = two_class_pair(disc)
    image = torch.zeros(1, 3, 8, 16)
    image[..., 8:] = 1.0
    assert sel.spl_segments(p1, p2, 1.0)[0].max() == 1
    segments = sel.spl_segments(p1, p2, 1.0, image=image, n_segments=4)[0]
    assert segments.max() >= 2
    assert torch.equal(segments > 0, disc > 0)
    for s in range(1, int(segments.max()) + 1):
        xs = torch.nonzero(segments == s)[:, 1]
        assert bool((xs < 8).all()) or bool((xs >= 8).all())


def test_spl_skips_excluded_pixels():
    disc = torch.zeros(6, 6)
    disc[2, :] = 0.5
    p1, p2 = two_class_pair(disc)
    exclude = torch.zeros(1, 6, 6, dtype=torch.bool)
    exclude[0, 2, :3] = True
    mask = sel.spl_segments(p1, p2, 1.0, exclude=exclude)[0] > 0
    assert torch.nonzero(mask).tolist() == [[2, 3], [2, 4], [2, 5]]


def test_spl_spread_shares_the_budget_over_classes_and_takes_specks_last():
    cls = torch.full((12, 16), -1)
    cls[0:6, 0:8] = 1  # 48 px
    cls[8:12, 0:4] = 2  # 16 px
    cls[11, 15] = 0  # a 1-px speck
    p1, p2 = class_pair(cls, 3)
    budget = 24 / (12 * 16)
    paper = sel.spl_segments(p1, p2, budget)[0]
    assert (paper > 0).sum() == 24 and (paper[0:6, 0:8] > 0).sum() == 24  # one region only
    spread = sel.spl_segments(p1, p2, budget, spread=True)[0]
    assert (spread > 0).sum() == 24
    # Turns of ceil(24 / SPREAD_PIECES) = 2 px, the larger class first, the speck never.
    assert (spread[0:6, 0:8] > 0).sum() == 12 and (spread[8:12, 0:4] > 0).sum() == 12
    assert spread[11, 15] == 0 and spread[0:6, 0:8].max() == 1
    for s in (1, 2):  # each segment stays one connected piece a person fills with one click
        assert int(label((spread == s).numpy(), connectivity=1).max()) == 1
    wide = sel.spl_segments(p1, p2, 1.0, spread=True)[0]
    assert torch.equal(wide > 0, cls >= 0) and wide[11, 15] == 3


# --------------------------------------------------------------------------- PPL


def test_ppl_picks_the_pixels_nearest_the_prototype():
    cls = torch.tensor([[0, 0, 0, 0, 0, -1]])
    p1, p2 = class_pair(cls, 2)
    features = torch.tensor([0.0, 1.0, 2.0, 10.0, 3.0, 50.0]).view(1, 1, 1, 6)
    # prototype = mean of the 5 inconsistent pixels = 3.2 -> x = 4, then 2, then 1
    assert sel.select_ppl(p1, p2, features, 1, min_distance=0) == [[(4, 0)]]
    assert sel.select_ppl(p1, p2, features, 3, min_distance=0) == [[(4, 0), (2, 0), (1, 0)]]


def test_ppl_per_segment_takes_one_point_from_each_inconsistent_region_first():
    """Two separate regions of one class: the paper's PPL takes both points from the region
    nearest the prototype; per segment, each region gives its best pixel first."""
    cls = torch.full((1, 60), -1)
    cls[0, :30] = 0  # region A, features near the prototype
    cls[0, 40:] = 0  # region B, features farther off
    p1, p2 = class_pair(cls, 2)
    features = torch.zeros(1, 1, 1, 60)
    features[0, 0, 0, :30] = torch.linspace(1.0, 1.2, 30)
    features[0, 0, 0, 40:] = torch.linspace(5.0, 5.5, 20)
    paper = sel.select_ppl(p1, p2, features, 2, min_distance=0)[0]
    assert all(x < 30 for x, _ in paper)
    spread = sel.select_ppl(p1, p2, features, 2, min_distance=0, per_segment=True)[0]
    assert sorted(x < 30 for x, _ in spread) == [False, True]
    # Specks under MIN_SEGMENT pixels wait until the real regions run out of pixels.
    cls[0, 35] = 0
    features[0, 0, 0, 35] = 2.6  # the single pixel nearest the prototype
    p1, p2 = class_pair(cls, 2)
    assert sel.select_ppl(p1, p2, features, 1, min_distance=0)[0] == [(35, 0)]
    speck_last = sel.select_ppl(p1, p2, features, 3, min_distance=0, per_segment=True)[0]
    assert 35 not in [x for x, _ in speck_last]


def test_ppl_uses_the_mean_of_both_heads_for_the_class():
    p1 = torch.tensor([0.6, 0.4]).view(1, 2, 1, 1).repeat(1, 1, 1, 4)  # head 1: all class 0
    p2 = torch.tensor([[0.3, 0.45, 0.45, 0.45], [0.7, 0.55, 0.55, 0.55]]).view(1, 2, 1, 4)
    # mean of heads: x=0 -> class 1; x=1..3 -> class 0 with prototype (5 + 6 + 10) / 3 = 7.
    # (Head 1 alone would give one class, prototype 5.25 and the answer [(1, 0), (2, 0)].)
    features = torch.tensor([0.0, 5.0, 6.0, 10.0]).view(1, 1, 1, 4)
    assert sel.select_ppl(p1, p2, features, 2, min_distance=0) == [[(2, 0), (0, 0)]]


def test_ppl_spreads_points_over_classes_largest_class_first():
    cls = torch.full((3, 30), -1)
    cls[0, :12] = 2
    cls[1, :10] = 0
    cls[2, :8] = 1
    p1, p2 = class_pair(cls, 3)
    features = torch.randn(1, 4, 3, 30, generator=torch.Generator().manual_seed(0))
    for n in (3, 6):
        points = sel.select_ppl(p1, p2, features, n, min_distance=0)[0]
        rows = [y for _, y in points]
        assert rows[0] == 0  # |D(2)| = 12 is the largest class
        assert sorted(rows) == sorted([0, 1, 2] * (n // 3))


def test_ppl_respects_min_distance_without_duplicates():
    g = torch.Generator().manual_seed(3)
    p1 = torch.randn(1, 3, 32, 32, generator=g).softmax(1)
    p2 = torch.randn(1, 3, 32, 32, generator=g).softmax(1)
    features = torch.randn(1, 8, 8, 8, generator=g)
    points = sel.select_ppl(p1, p2, features, 20, min_distance=5)[0]
    assert len(points) == 20 and len(set(points)) == 20
    incons = sel.inconsistency_mask(p1, p2)[0]
    assert all(incons[y, x] for x, y in points)
    for i, (xa, ya) in enumerate(points):
        for xb, yb in points[i + 1 :]:
            assert (xa - xb) ** 2 + (ya - yb) ** 2 >= 25


def test_ppl_returns_fewer_points_when_few_candidates():
    cls = torch.full((5, 5), -1)
    cls[0, 0], cls[2, 3], cls[4, 1] = 0, 1, 0
    p1, p2 = class_pair(cls, 2)
    features = torch.zeros(1, 2, 5, 5)
    # class 0 (2 pixels) first, raster order on ties; then class 1; then class 0 again
    assert sel.select_ppl(p1, p2, features, 40, min_distance=0) == [[(0, 0), (3, 2), (1, 4)]]
    # (1, 4) is sqrt(8) < 3 from (3, 2)
    assert sel.select_ppl(p1, p2, features, 40, min_distance=3) == [[(0, 0), (3, 2)]]
    none = torch.full((5, 5), -1)
    assert sel.select_ppl(*class_pair(none, 2), features, 40) == [[]]


def test_ppl_low_resolution_features_match_bilinear_upsampling():
    g = torch.Generator().manual_seed(5)
    p1 = torch.randn(1, 3, 12, 16, generator=g).softmax(1)
    p2 = torch.randn(1, 3, 12, 16, generator=g).softmax(1)
    low = torch.randn(1, 6, 3, 4, generator=g)
    full = F.interpolate(low, size=(12, 16), mode="bilinear", align_corners=False)
    kwargs = {"n_points": 10, "min_distance": 0}
    assert sel.select_ppl(p1, p2, low, **kwargs) == sel.select_ppl(p1, p2, full, **kwargs)


# --------------------------------------------------------------------------- PPL features


def test_feature_sampling_in_chunks_equals_bilinear_upsampling():
    low = torch.randn(3, 4, 5, generator=torch.Generator().manual_seed(6))
    full = F.interpolate(low[None], size=(9, 13), mode="bilinear", align_corners=False)[0]
    ys, xs = torch.meshgrid(torch.arange(9), torch.arange(13), indexing="ij")
    ys, xs = ys.flatten(), xs.flatten()
    chunks = list(ppl_module._sample_features(low, ys, xs, 9, 13, chunk_elements=30))
    assert len(chunks) == 12  # 117 pixels, 10 per chunk
    sampled = torch.cat([f for _, f in chunks])
    assert torch.allclose(sampled, full[:, ys, xs].T, atol=1e-6)


def test_class_feature_sums_equal_sums_of_upsampled_features():
    g = torch.Generator().manual_seed(7)
    low = torch.randn(5, 3, 4, generator=g)
    full = F.interpolate(low[None], size=(10, 13), mode="bilinear", align_corners=False)[0]
    ys, xs = torch.nonzero(torch.rand(10, 13, generator=g) < 0.5, as_tuple=True)
    inverse = torch.randint(0, 3, (len(ys),), generator=g)
    sums = ppl_module._class_feature_sums(low, ys, xs, inverse, 3, 10, 13)
    expected = torch.stack([full[:, ys[inverse == k], xs[inverse == k]].sum(1) for k in range(3)])
    assert torch.allclose(sums, expected, atol=1e-4)
