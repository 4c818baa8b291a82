"""Audit estimates: their intervals cover the pool's true value as often as they claim."""

import numpy as np
import pytest

from worker.ml import audit

CLASSES = 4


def _pool(rng: np.random.Generator, images: int = 200, side: int = 32):
    """Label maps of striped scenes and predictions that err more on some images than others,
    so errors cluster by image as a real model's do."""
    truth = np.zeros((images, side, side), dtype=np.int64)
    for i in range(images):
        cuts = np.sort(rng.integers(0, side, CLASSES - 1))
        truth[i] = np.searchsorted(cuts, np.arange(side), side="right")[:, None]
    error_rate = rng.uniform(0.05, 0.5, images)[:, None, None]
    wrong = rng.random(truth.shape) < error_rate
    predicted = np.where(wrong, rng.integers(0, CLASSES, truth.shape), truth)
    return predicted, truth


def _audit_sample(rng, predicted, truth, images: int, per_image: int):
    chosen = rng.choice(len(truth), images, replace=False)
    side = truth.shape[1]
    ids = np.repeat(chosen, per_image)
    ys, xs = rng.integers(0, side, len(ids)), rng.integers(0, side, len(ids))
    return predicted[ids, ys, xs], truth[ids, ys, xs], ids


def _coverage(seed: int, images: int, per_image: int, trials: int, resamples: int):
    """How often the 90 % intervals of pixel accuracy and of mIoU hold the pool's values."""
    rng = np.random.default_rng(seed)
    predicted, truth = _pool(rng)
    true_accuracy, true_miou = float((predicted == truth).mean()), _pool_miou(predicted, truth)
    accuracy = miou = 0
    for trial in range(trials):
        p, t, ids = _audit_sample(rng, predicted, truth, images=images, per_image=per_image)
        result = audit.estimate(p, t, ids, CLASSES, resamples=resamples, seed=trial)
        acc, iou = result.pixel_accuracy_interval, result.miou_interval
        accuracy += acc.low <= true_accuracy <= acc.high
        miou += iou.low <= true_miou <= iou.high
    return accuracy / trials, miou / trials


def test_the_90_percent_intervals_cover_the_pool_value_about_90_percent_of_the_time():
    accuracy, miou = _coverage(0, images=60, per_image=3, trials=150, resamples=300)
    assert 0.84 <= accuracy <= 0.96
    assert 0.80 <= miou <= 0.97  # a ratio estimator: close, not exact


def test_intervals_from_a_dozen_images_keep_their_level():
    """A project's first audit has few images: the plain percentile bootstrap covered about
    82 % here at 90 %, so its intervals would claim more certainty than they have."""
    accuracy, miou = _coverage(3, images=12, per_image=4, trials=400, resamples=200)
    assert 0.86 <= accuracy <= 0.95
    assert 0.86 <= miou <= 0.95


def test_one_image_says_nothing_about_the_others():
    truth = np.array([0, 1, 2, 0, 1])
    result = audit.estimate(truth, truth, np.zeros(5, dtype=int), 3)
    assert result.miou == 1.0 and result.miou_interval == audit.Interval(0.0, 1.0)
    assert audit.compare(truth, truth, truth, np.zeros(5, dtype=int), 3) == audit.Interval(-1, 1)


def test_an_estimate_from_a_perfect_model_is_exact_and_lists_only_well_sampled_classes():
    truth = np.array([0] * 12 + [1] * 12 + [2] * 3)
    ids = np.arange(len(truth)) % 5
    result = audit.estimate(truth, truth, ids, 3, min_class_points=10)
    assert result.pixel_accuracy == result.miou == 1.0
    assert result.pixel_accuracy_interval == audit.Interval(1.0, 1.0)
    assert result.per_class_iou == {0: 1.0, 1: 1.0}  # class 2 has only 3 points
    assert (result.points, result.images) == (27, 5)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="no audit points"):
        audit.estimate(np.array([]), np.array([]), np.array([]), 3)
    with pytest.raises(ValueError, match="one length"):
        audit.estimate(np.array([0, 1]), np.array([0]), np.array([0]), 3)


def test_copies_of_an_images_points_add_no_confidence():
    """Points of one image are not independent: answering each twice must not narrow the
    interval (resampling points instead of images would, by about 1/sqrt(2))."""
    rng = np.random.default_rng(1)
    predicted, truth = _pool(rng)
    p, t, ids = _audit_sample(rng, predicted, truth, images=40, per_image=2)
    once = audit.estimate(p, t, ids, CLASSES, resamples=300, seed=0)
    twice = audit.estimate(*(np.repeat(a, 2) for a in (p, t, ids)), CLASSES, resamples=300, seed=0)
    assert twice.pixel_accuracy == once.pixel_accuracy
    assert twice.pixel_accuracy_interval == once.pixel_accuracy_interval
    assert twice.miou_interval == once.miou_interval


def _pool_miou(predicted: np.ndarray, truth: np.ndarray) -> float:
    matrix = audit.confusion(predicted.ravel(), truth.ravel(), CLASSES)
    return float(np.nanmean(audit.iou_per_class(matrix)))


def test_a_paired_comparison_tells_apart_models_whose_own_intervals_overlap():
    """Which round to serve: a model that fixes a fifth of another's errors is measurably
    better on the same audit points, though each one's own interval overlaps the other's."""
    rng = np.random.default_rng(1)
    predicted, truth = _pool(rng)
    better = np.where((predicted != truth) & (rng.random(truth.shape) < 0.2), truth, predicted)
    true_gain = _pool_miou(better, truth) - _pool_miou(predicted, truth)
    trials, covered, told_apart, overlapping = 100, 0, 0, 0
    for trial in range(trials):
        chosen = rng.choice(len(truth), 60, replace=False)
        ids = np.repeat(chosen, 3)
        ys, xs = rng.integers(0, truth.shape[1], (2, len(ids)))
        ours, theirs, t = better[ids, ys, xs], predicted[ids, ys, xs], truth[ids, ys, xs]
        gain = audit.compare(ours, theirs, t, ids, CLASSES, resamples=300, seed=trial)
        covered += gain.low <= true_gain <= gain.high
        told_apart += gain.low > 0
        own = [audit.estimate(p, t, ids, CLASSES, resamples=300, seed=trial).miou_interval
               for p in (ours, theirs)]  # fmt: skip
        overlapping += own[0].low <= own[1].high
    assert 0.80 <= covered / trials <= 0.97
    assert told_apart / trials >= 0.8 and overlapping / trials >= 0.8


def test_a_model_compared_with_itself_differs_by_exactly_nothing():
    rng = np.random.default_rng(2)
    predicted, truth = _pool(rng, images=20)
    p, t, ids = _audit_sample(rng, predicted, truth, images=20, per_image=5)
    assert audit.compare(p, p, t, ids, CLASSES, resamples=200) == audit.Interval(0.0, 0.0)
