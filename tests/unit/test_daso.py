"""DASO on pixels: queues, semantic pseudo-labels, distribution-aware blend, objective."""

from __future__ import annotations

import copy
import math

import pytest
import torch

from tests.unit.objective_helpers import TinySeg, build_objective, run_round
from worker.ml.adaptation.base import labels_to_grid
from worker.ml.adaptation.daso import (
    FeatureQueues,
    blend_pseudo_labels,
    distribution_aware_weights,
    fifo_push,
    queue_candidates,
    semantic_alignment_loss,
    semantic_pseudo_labels,
)

torch.set_num_threads(1)


def test_distribution_aware_weights_for_a_skewed_histogram() -> None:
    histogram = torch.tensor([80.0, 15.0, 5.0])
    # T = 1: m / max m
    assert torch.allclose(
        distribution_aware_weights(histogram, 1.0), torch.tensor([1.0, 0.1875, 0.0625])
    )
    # T = 2: sqrt(m / max m) = (1, sqrt(0.1875), sqrt(0.0625))
    assert torch.allclose(
        distribution_aware_weights(histogram, 2.0), torch.tensor([1.0, 0.4330127, 0.25])
    )


def test_blend_moves_a_pixel_predicted_as_a_frequent_class_toward_q() -> None:
    v = torch.tensor([1.0, 0.1875, 0.0625])
    # pixel 0: linear says frequent class 0, prototypes say rare class 2 -> fully q
    # pixel 1: linear says rare class 2 -> keeps mostly p: 0.9375 p + 0.0625 q
    p = torch.tensor([[0.6, 0.3], [0.1, 0.1], [0.3, 0.6]]).view(1, 3, 1, 2)
    q = torch.tensor([[0.1, 0.8], [0.1, 0.1], [0.8, 0.1]]).view(1, 3, 1, 2)
    blended = blend_pseudo_labels(p, q, v)
    assert torch.allclose(blended[0, :, 0, 0], torch.tensor([0.1, 0.1, 0.8]))
    assert torch.allclose(blended[0, :, 0, 1], torch.tensor([0.33125, 0.1, 0.56875]))
    assert blended.argmax(dim=1).tolist() == [[[2, 2]]]


def test_semantic_pseudo_labels_and_alignment_loss() -> None:
    prototypes = torch.tensor([[2.0, 0.0], [0.0, 0.5]])  # cosine ignores the norms
    features = torch.tensor([1.0, 0.0]).view(1, 2, 1, 1)
    q = semantic_pseudo_labels(features, prototypes, 0.05)  # softmax(20, 0)
    assert torch.allclose(q[0, :, 0, 0], torch.tensor([1 / (1 + math.exp(-20)), 0.0]), atol=1e-8)
    # q_weak = (0.5, 0.5), strong logits (20, 0): loss = 0.5 * ~0 + 0.5 * 20
    q_weak = torch.full((1, 2, 1, 1), 0.5)
    loss = semantic_alignment_loss(q_weak, features, prototypes, 0.05)
    assert loss.item() == pytest.approx(10.0, rel=1e-6)


def test_fifo_queue_keeps_the_last_256() -> None:
    rows = torch.arange(300.0).unsqueeze(1)
    queue = fifo_push(torch.empty(0, 1), rows[:200])
    queue = fifo_push(queue, rows[200:])
    assert torch.equal(queue, rows[44:])
    queues = FeatureQueues(num_classes=2, size=256)
    queues.push(rows, torch.zeros(300, dtype=torch.long))
    prototypes, valid = queues.prototypes()
    assert prototypes[0].item() == pytest.approx((44 + 299) / 2)
    assert valid.tolist() == [True, False]


def test_feature_queues_are_empty_at_first() -> None:
    assert FeatureQueues(num_classes=2).prototypes() is None


def test_queue_candidates_cap_per_class_and_prefer_target() -> None:
    target = torch.full((1, 2, 4), 255)
    target[0, 0, :3] = 0  # three labelled target cells of class 0
    source = torch.zeros(1, 2, 5, dtype=torch.long)  # ten source cells of class 0
    source[0, 1, :] = 1  # five of class 1
    cells, labels = queue_candidates(target, source, per_class=4)
    class0 = cells[labels == 0]
    assert len(class0) == 4 and {0, 1, 2} <= set(class0.tolist())
    assert (labels == 1).sum() == 4
    assert (cells[labels == 1] >= 8).all()  # source cells come after the 8 target cells


def test_labels_to_grid_keeps_sparse_points() -> None:
    label = torch.full((1, 4, 4), 255)
    label[0, 0, 0] = 3  # not a cell centre: nearest sampling would drop it
    assert labels_to_grid(label, (2, 2)).tolist() == [[[3, 255], [255, 255]]]
    dense = torch.tensor([[[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]])
    assert labels_to_grid(dense, (2, 2)).tolist() == [[[0, 1], [2, 3]]]


def test_histogram_rolls_over_each_period() -> None:
    torch.manual_seed(0)
    objective = build_objective("daso", {"dist_update_period": 2}, num_classes=3)
    run_round(objective, TinySeg(), num_classes=3, iterations=3)
    # iterations 0 and 1 fill the first window: 2 images x 256 pixels minus labelled ones
    assert 0 < objective.histogram.sum().item() <= 2 * 2 * 256
    assert 0 < objective.window_counts.sum().item() <= 2 * 256


def test_daso_short_round_blends_after_pretraining() -> None:
    torch.manual_seed(0)
    model = TinySeg()
    initial = copy.deepcopy(model.head.weight)
    config = {"pretrain_steps": 2, "dist_update_period": 2, "confidence_threshold": 0.0}
    objective = build_objective("daso", config, num_classes=3)
    logs = run_round(objective, model, num_classes=3, iterations=4)
    assert all(math.isfinite(loss) for loss, _ in logs)
    assert [log["daso_align"] > 0 for _, log in logs] == [False, False, True, True]
    assert not torch.equal(objective.teacher.head.weight, initial)
    assert not torch.equal(objective.teacher.head.weight, model.head.weight)
    state = copy.deepcopy(objective.state_dict())
    resumed = build_objective("daso", config, num_classes=3)
    resumed.load_state_dict(state)
    resumed.prepare(model, [], "cpu")
    assert torch.equal(resumed.histogram, objective.histogram)
    for a, b in zip(resumed.queues.queues, objective.queues.queues, strict=True):
        assert torch.equal(a, b)


def test_daso_short_round_with_segmenter() -> None:
    models = pytest.importorskip("worker.ml.models")
    torch.manual_seed(0)
    model = models.build_segmenter(3, "mobilenet_v3_small", pretrained=False)
    config = {"pretrain_steps": 1, "dist_update_period": 1}
    objective = build_objective("daso", config, num_classes=3)
    logs = run_round(objective, model, num_classes=3, iterations=3)
    assert all(math.isfinite(loss) for loss, _ in logs)
