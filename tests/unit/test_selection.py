"""Known-answer tests for worker.ml.selection on small hand-made tensors."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from worker.ml import selection as sel
from worker.ml.selection import ppl as ppl_module

torch.set_num_threads(1)


def two_class_pair(disc: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Two-class head outputs ``[1, 2, H, W]``: inconsistent with discrepancy ``disc`` where
    ``disc > 0``, identical (class 0) elsewhere. Discrepancy = |u - v| for p = (u, 1 - u)."""
    u = torch.where(disc > 0, 0.5 + disc / 2, torch.full_like(disc, 0.9))
    v = torch.where(disc > 0, 0.5 - disc / 2, torch.full_like(disc, 0.9))
    p1 = torch.stack([u, 1 - u])[None]
    p2 = torch.stack([v, 1 - v])[None]
    return p1, p2


def class_pair(cls: torch.Tensor, c: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Heads ``[1, C, H, W]`` whose mean predicts ``cls`` where the heads disagree
    (``cls >= 0``) and that agree on class 0 where ``cls == -1``."""
    h, w = cls.shape
    p1 = torch.full((1, c, h, w), 0.1 / (c - 1))
    p1[0, 0] = 0.9
    p2 = p1.clone()
    for y, x in torch.nonzero(cls >= 0).tolist():
        k, j = int(cls[y, x]), (int(cls[y, x]) + 1) % c
        p1[0, :, y, x] = 0.0
        p2[0, :, y, x] = 0.0
        p1[0, k, y, x], p1[0, j, y, x] = 0.6, 0.4
        p2[0, k, y, x], p2[0, j, y, x] = 0.45, 0.55
    return p1, p2


def labels_to_logits(labels: torch.Tensor, c: int, scale: float = 100.0) -> torch.Tensor:
    return F.one_hot(labels, c).permute(2, 0, 1)[None].float() * scale


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


# --------------------------------------------------------------------------- baselines


def test_random_is_reproducible_spaced_and_respects_exclude():
    def pick(seed, **kw):
        return sel.select_random(
            (2, 20, 30), 15, generator=torch.Generator().manual_seed(seed), **kw
        )

    assert pick(0) == pick(0)
    assert pick(0) != pick(1)
    for points in pick(2, min_distance=4):
        assert len(set(points)) == 15
        assert all(0 <= x < 30 and 0 <= y < 20 for x, y in points)
        for i, (xa, ya) in enumerate(points):
            assert all((xa - xb) ** 2 + (ya - yb) ** 2 >= 16 for xb, yb in points[i + 1 :])
    exclude = torch.ones(2, 20, 30, dtype=torch.bool)
    exclude[:, 5, 7] = False
    assert pick(0, exclude=exclude) == [[(7, 5)], [(7, 5)]]


def test_random_mask_fills_the_budget_reproducibly():
    def mask(seed):
        g = torch.Generator().manual_seed(seed)
        return sel.select_random_mask(torch.zeros(2, 3, 1, 100), 0.29, generator=g)

    assert mask(0).flatten(1).sum(1).tolist() == [29, 29]  # 0.29 * 100 = 28.999... in floats
    assert torch.equal(mask(0), mask(0)) and not torch.equal(mask(0), mask(1))


def test_random_segments_take_whole_superpixels_in_seeded_order_within_the_budget():
    image = torch.zeros(2, 3, 8, 16)
    image[..., 8:] = 1.0  # two flat halves: SLIC gives at least one segment per half

    def segments(seed, budget=0.5, exclude=None):
        g = torch.Generator().manual_seed(seed)
        return sel.random_segments(image, budget, generator=g, exclude=exclude, n_segments=2)

    first = segments(0)
    assert (first > 0).flatten(1).sum(1).tolist() == [64, 64]
    for s in range(1, int(first[0].max()) + 1):  # each segment lies within one half
        xs = torch.nonzero(first[0] == s)[:, 1]
        assert bool((xs < 8).all()) or bool((xs >= 8).all())
    assert torch.equal(first, segments(0))
    picks = {tuple(segments(seed)[0, 0, [0, 15]].gt(0).tolist()) for seed in range(8)}
    assert picks == {(True, False), (False, True)}  # either half can come first
    exclude = torch.zeros(2, 8, 16, dtype=torch.bool)
    exclude[:, :, :8] = True
    assert torch.equal(segments(0, 1.0, exclude) > 0, ~exclude)


def _uncertain_prob(uncertain: list[tuple[int, int]]) -> torch.Tensor:
    prob = torch.tensor([0.97, 0.01, 0.01, 0.01]).view(1, 4, 1, 1).repeat(1, 1, 10, 10)
    for y, x in uncertain:
        prob[0, :, y, x] = torch.tensor([0.3, 0.3, 0.2, 0.2])
    return prob


@pytest.mark.parametrize("fn", [sel.select_entropy, sel.select_margin])
def test_uncertainty_baselines_sample_only_the_top_set(fn):
    top = [(0, 0), (2, 5), (4, 4), (7, 1), (9, 9)]  # (y, x): 5 % of 100 pixels
    prob = _uncertain_prob(top)
    expected = {(x, y) for y, x in top}
    seen = set()
    for seed in range(5):
        points = fn(prob, 3, generator=torch.Generator().manual_seed(seed))[0]
        assert len(points) == 3 and set(points) <= expected
        seen |= set(points)
    assert len(seen) > 3  # sampled from the set, not its top 3
    exclude = torch.zeros(1, 10, 10, dtype=torch.bool)
    exclude[0, 0, 0] = True  # e.g. labelled last round: the next-best pixel joins the set
    assert (0, 0) not in fn(prob, 40, exclude=exclude)[0]
    assert set(fn(prob, 40)[0]) == expected  # fewer when the top set is smaller


# --------------------------------------------------------------------------- RIPU


def test_ripu_impurity_of_a_uniform_window_is_zero():
    _, impurity, _ = sel.ripu_region_score(labels_to_logits(torch.zeros(5, 6, dtype=torch.long), 3))
    assert torch.equal(impurity, torch.zeros(1, 5, 6))


def test_ripu_impurity_hand_values():
    labels = torch.tensor([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    _, impurity, _ = sel.ripu_region_score(labels_to_logits(labels, 3))
    # corner: 2x2 in-image window, 2 of class 0 and 2 of class 1 -> ln 2 / ln 3
    assert impurity[0, 0, 0].item() == pytest.approx(math.log(2) / math.log(3), abs=1e-6)
    # centre: 5 of class 0 and 4 of class 1 in the 3x3 window
    h = -(5 / 9 * math.log(5 / 9) + 4 / 9 * math.log(4 / 9)) / math.log(3)
    assert impurity[0, 1, 1].item() == pytest.approx(h, abs=1e-6)


def test_ripu_uncertainty_window_mean_and_pixel():
    logits = labels_to_logits(torch.zeros(3, 3, dtype=torch.long), 4)
    logits[0, :, 1, 1] = 0.0  # uniform -> normalised entropy 1; elsewhere ~0
    score, impurity, window = sel.ripu_region_score(logits)
    _, _, pixel = sel.ripu_region_score(logits, uncertainty="pixel")
    assert window[0, 1, 1].item() == pytest.approx(1 / 9, abs=1e-6)
    assert window[0, 0, 0].item() == pytest.approx(1 / 4, abs=1e-6)
    assert pixel[0, 1, 1].item() == pytest.approx(1.0, abs=1e-6)
    assert pixel[0, 0, 0].item() == pytest.approx(0.0, abs=1e-6)
    assert torch.equal(score, impurity * window)


def _reference_greedy(score, block, cost, budget):
    """The official loop: repeated argmax, blocking, skipping what no longer fits."""
    score = score.clone()
    picks, left = [], budget
    while True:
        s = score.masked_fill(cost > left, -math.inf)
        if s.max() == -math.inf:
            return picks
        y, x = divmod(int(s.argmax()), score.shape[1])
        picks.append((y, x))
        left -= int(cost[y, x])
        score[max(0, y - block) : y + block + 1, max(0, x - block) : x + block + 1] = -math.inf


@pytest.mark.parametrize("budget", [4, 13, 34, 50, 71])
def test_ripu_regions_match_official_greedy_and_never_overlap_or_overflow(budget):
    logits = torch.randn(1, 4, 20, 17, generator=torch.Generator().manual_seed(0)) * 3
    score = sel.ripu_region_score(logits)[0][0]
    k, fraction = 1, budget / (20 * 17)
    cost = F.avg_pool2d(torch.ones(1, 1, 20, 17), 3, 1, 1) * 9
    centres = _reference_greedy(score, 2 * k, cost[0, 0].round(), budget)
    segments = sel.ripu_region_segments(logits, fraction, radius=k)[0]
    assert (segments > 0).sum() <= budget
    assert int(segments.max()) == len(centres)
    for n, (y, x) in enumerate(centres, start=1):
        expected = torch.zeros(20, 17, dtype=torch.bool)
        expected[max(0, y - k) : y + k + 1, max(0, x - k) : x + k + 1] = True
        assert torch.equal(segments == n, expected)
    for i, (ya, xa) in enumerate(centres):
        for yb, xb in centres[i + 1 :]:
            assert max(abs(ya - yb), abs(xa - xb)) > 2 * k  # outside the (4K+1)^2 block


def test_ripu_regions_skip_excluded_pixels_and_count_only_new_ones():
    logits = torch.randn(1, 4, 12, 12, generator=torch.Generator().manual_seed(4)) * 3
    exclude = torch.zeros(1, 12, 12, dtype=torch.bool)
    exclude[0, :, 4:6] = True
    segments = sel.ripu_region_segments(logits, 0.25, exclude=exclude)
    assert not (segments.bool() & exclude).any()
    assert (segments > 0).sum() <= 36
    full = sel.ripu_region_segments(logits, 0.25)
    assert (full.bool() & exclude).any()  # so the exclusion did change the answer


def test_ripu_regions_budget_smaller_than_a_region_selects_nothing():
    logits = torch.randn(1, 3, 10, 10, generator=torch.Generator().manual_seed(1))
    assert not sel.ripu_region_segments(logits, 0.03).any()  # 3 px < the smallest region (4)


def test_ripu_pixels_follow_the_score_with_blocking():
    logits = torch.randn(1, 4, 16, 16, generator=torch.Generator().manual_seed(2)) * 3
    score = sel.ripu_region_score(logits, uncertainty="pixel")[0][0]
    ones = torch.ones(16, 16)
    for block in (None, 1):
        points = sel.select_ripu_pixels(logits, 12, block_radius=block)[0]
        ref = _reference_greedy(score, 2 if block is None else block, ones, 12)
        assert points == [(x, y) for y, x in ref]
        assert len(points) == 12


# --------------------------------------------------------------------------- dispatch


def test_select_dispatches_and_rejects_unknown_or_missing_inputs():
    disc = torch.zeros(8, 8)
    disc[2:4, 2:4] = 0.5
    p1, p2 = two_class_pair(disc)
    result = sel.select("spl", prob1=p1, prob2=p2, budget_fraction=0.5)
    assert result.kind == "region" and torch.equal(result.mask[0], disc > 0)
    assert torch.equal(result.segments > 0, result.mask)
    ppl = sel.select("ppl", prob1=p1, prob2=p2, features=torch.zeros(1, 2, 4, 4), n_points=2)
    assert ppl.kind == "points" and ppl.mask is None and len(ppl.points[0]) == 1
    points = sel.select("random", prob1=p1, n_points=5, min_distance=2)
    assert points.kind == "points" and len(points.points[0]) == 5
    ripu = sel.select("ripu_region", logits=p1.log(), budget_fraction=0.5)
    assert ripu.kind == "region" and torch.equal(ripu.segments > 0, ripu.mask)
    assert sel.METHODS == sel.POINT_METHODS | sel.REGION_METHODS
    with pytest.raises(ValueError, match="known: .*ppl"):
        sel.select("coreset", prob1=p1)
    with pytest.raises(ValueError, match="features"):
        sel.select("ppl", prob1=p1, prob2=p2)


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


@pytest.mark.parametrize("method", ["ppl", "random", "entropy", "margin"])
def test_point_methods_spread_their_points_by_default(method):
    """A third of the side of each point's share of the image: 12 px for 40 points here."""
    torch.manual_seed(0)
    p1 = torch.rand(1, 3, 192, 256).softmax(1)
    p2 = torch.rand(1, 3, 192, 256).softmax(1)
    result = sel.select(
        method,
        prob1=p1,
        prob2=p2,
        features=torch.rand(1, 8, 48, 64),
        n_points=40,
        generator=torch.Generator().manual_seed(0),
    )
    points = np.array(result.points[0], dtype=float)
    assert len(points) == 40
    gaps = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1))
    assert gaps[~np.eye(40, dtype=bool)].min() >= sel.point_spacing(192, 256, 40) == 11.7
