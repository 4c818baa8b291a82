"""Known-answer tests for the baselines of worker.ml.selection on small hand-made tensors:
random points, pixels and segments, entropy and margin, and RIPU's regions and pixels."""

import math

import pytest
import torch
import torch.nn.functional as F

from worker.ml import selection as sel

torch.set_num_threads(1)


def labels_to_logits(labels: torch.Tensor, c: int, scale: float = 100.0) -> torch.Tensor:
    return F.one_hot(labels, c).permute(2, 0, 1)[None].float() * scale


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
