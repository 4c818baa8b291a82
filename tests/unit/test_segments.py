"""The ledger's segment count: connected one-class areas of a region map, as scikit-image
counts them with 4-neighbours."""

import numpy as np
from skimage.measure import label

from backend.services.annotations import count_segments, effort


def test_segments_match_scikit_image_on_random_maps():
    rng = np.random.default_rng(0)
    for _ in range(200):
        height, width = rng.integers(1, 40, 2)
        labels = rng.integers(0, 3, (height, width)).astype(np.uint8)
        labels[rng.random((height, width)) < rng.random()] = 255
        expected = sum(int(label(labels == c, connectivity=1).max()) for c in range(3))
        assert count_segments(labels) == expected


def test_a_spiral_of_one_class_is_one_segment_and_effort_counts_a_submission():
    snake = np.full((60, 60), 255, dtype=np.uint8)
    snake[::2] = 1
    snake[1::4, -1] = 1
    snake[3::4, 0] = 1
    assert count_segments(snake) == 1
    points = np.full((60, 60), 255, dtype=np.uint8)
    points[0, 0] = points[5, 5] = 2
    assert effort(snake, points) == {
        "points": 2,
        "painted_pixels": int((snake != 255).sum()),
        "segments": 1,
    }
    assert effort(None, points) == {"points": 2, "painted_pixels": 0, "segments": 0}
