"""ProDA: prototype weights and updates, denoising, SCE, structure learning, objective."""

from __future__ import annotations

import copy
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from tests.unit.objective_helpers import TinySeg, build_objective, run_round
from worker.ml.adaptation.base import DirectorySoftLabelStore
from worker.ml.adaptation.proda import (
    denoised_pseudo_labels,
    mean_log_prob_regulariser,
    prototype_consistency_loss,
    prototype_weights,
    symmetric_cross_entropy,
    update_prototypes,
)

torch.set_num_threads(1)

LOG_1E4 = -math.log(1e-4)  # 9.2103


class SignModel(nn.Module):
    """Features = 2x2 average of the image; class 1 where channel 0 > 0, else class 0."""

    num_classes = 3

    def forward_with_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = F.avg_pool2d(x, 2)
        sign = x[:, :1]
        logits = torch.cat([-10 * sign, 10 * sign, torch.full_like(sign, -20)], dim=1)
        return logits, features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_with_features(x)[0]


def test_sce_of_a_perfect_prediction_is_near_zero() -> None:
    target = torch.tensor([[[0, 1], [2, 1]]])
    logits = 30.0 * F.one_hot(target, 3).permute(0, 3, 1, 2).float()
    assert symmetric_cross_entropy(logits, target).item() == pytest.approx(0.0, abs=1e-5)


def test_sce_of_a_wrong_prediction_matches_hand_computation() -> None:
    # p = (0.2, 0.8), true class 0: CE = -log 0.2, RCE = -log(1e-4) * (1 - 0.2)
    logits = torch.log(torch.tensor([0.2, 0.8])).view(1, 2, 1, 1)
    target = torch.zeros(1, 1, 1, dtype=torch.long)
    ce, rce = -math.log(0.2), LOG_1E4 * 0.8
    assert rce == pytest.approx(7.3683, abs=1e-4)
    sce = symmetric_cross_entropy(logits, target, alpha=0.1, beta=1.0)
    assert sce.item() == pytest.approx(0.1 * ce + rce, rel=1e-5)
    assert symmetric_cross_entropy(logits, target, alpha=0.0, beta=1.0).item() == pytest.approx(
        rce, rel=1e-5
    )


def test_sce_ignores_unlabelled_pixels() -> None:
    logits = torch.log(torch.tensor([[0.2, 0.9], [0.8, 0.1]])).view(1, 2, 1, 2)
    target = torch.tensor([[[0, 255]]])
    alone = symmetric_cross_entropy(logits[..., :1], target[..., :1])
    assert symmetric_cross_entropy(logits, target).item() == pytest.approx(alone.item())


def test_prototype_weights_sum_to_one_and_favour_the_nearest() -> None:
    prototypes = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    features = torch.tensor([[0.0, 3.0], [0.0, 4.0]]).view(1, 2, 1, 2)  # cells (0,0), (3,4)
    weights = prototype_weights(features, prototypes)
    # d = (0, 5) -> w = softmax(0, -5); and the mirror image for the second cell
    near = 1 / (1 + math.exp(-5))
    assert torch.allclose(weights[0, :, 0, 0], torch.tensor([near, 1 - near]), atol=1e-5)
    assert torch.allclose(weights[0, :, 0, 1], torch.tensor([1 - near, near]), atol=1e-5)
    assert torch.allclose(weights.sum(dim=1), torch.ones(1, 1, 2))
    sharper = prototype_weights(features, prototypes, temperature=2.0)
    assert sharper[0, 0, 0, 0] > weights[0, 0, 0, 0]


def test_prototype_weights_skip_invalid_classes() -> None:
    prototypes = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    features = torch.zeros(1, 2, 1, 1)
    weights = prototype_weights(features, prototypes, valid=torch.tensor([False, True]))
    assert torch.equal(weights[0, :, 0, 0], torch.tensor([0.0, 1.0]))


def test_prototype_ema_with_momentum_on_a_known_batch_mean() -> None:
    prototypes = torch.tensor([[10.0, 10.0], [5.0, 5.0], [0.0, 0.0]])
    # 12 cells of class 0 with mean (0, 20); 5 cells of class 1 (too few); 12 of class 2
    features = torch.zeros(1, 2, 1, 29)
    features[0, 1, 0, :6] = 10.0
    features[0, 1, 0, 6:12] = 30.0
    features[0, :, 0, 12:17] = 100.0
    features[0, 0, 0, 17:] = 7.0
    labels = torch.tensor([[[0] * 12 + [1] * 5 + [2] * 12]])
    valid = torch.tensor([True, True, False])
    new, new_valid = update_prototypes(prototypes, features, labels, 1e-4, 10, valid)
    assert torch.allclose(new[0], torch.tensor([9.999, 10.001]), atol=1e-6)
    assert torch.equal(new[1], prototypes[1])  # fewer than 10 pixels: untouched
    assert torch.equal(new[2], torch.tensor([7.0, 0.0]))  # first seen: starts at its mean
    assert new_valid.tolist() == [True, True, True]


def test_prototype_update_ignores_unlabelled_cells() -> None:
    prototypes = torch.zeros(1, 1)
    features = torch.ones(1, 1, 1, 20)
    labels = torch.full((1, 1, 20), 255)
    labels[0, 0, :10] = 0
    features[0, 0, 0, 10:] = 1000.0
    new, _ = update_prototypes(prototypes, features, labels, momentum=0.5)
    assert new.item() == pytest.approx(0.5)


def test_denoised_pseudo_labels_follow_the_prototypes() -> None:
    weights = torch.tensor([0.1, 0.9]).view(1, 2, 1, 1)
    soft = torch.tensor([0.6, 0.4]).view(1, 2, 1, 1)  # 0.06 vs 0.36
    assert denoised_pseudo_labels(weights, soft).item() == 1
    assert denoised_pseudo_labels(torch.ones(1, 2, 1, 1), soft).item() == 0


def test_unsure_denoised_pseudo_labels_are_left_out_above_a_threshold() -> None:
    soft = torch.tensor([[0.5, 0.5], [0.9, 0.1]]).T.reshape(1, 2, 1, 2)  # unsure, sure
    weights = torch.ones_like(soft)
    assert denoised_pseudo_labels(weights, soft).tolist() == [[[0, 0]]]
    assert denoised_pseudo_labels(weights, soft, threshold=0.8).tolist() == [[[255, 0]]]


def test_structure_learning_kl() -> None:
    prototypes = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    same = torch.zeros(1, 2, 1, 1)
    assert prototype_consistency_loss(same, same, prototypes).item() == pytest.approx(0, abs=1e-7)
    # teacher at prototype 0 (d = 0, 5), student at prototype 1 (d = 5, 0)
    student = torch.tensor([3.0, 4.0]).view(1, 2, 1, 1).requires_grad_()
    t = torch.tensor([1 / (1 + math.exp(-5)), 1 / (1 + math.exp(5))])
    kl = (t * (t.log() - t.flip(0).log())).sum() / 2  # element-wise mean over the 2 classes
    loss = prototype_consistency_loss(student, same, prototypes)
    assert loss.item() == pytest.approx(kl.item(), rel=1e-4)
    loss.backward()
    assert torch.isfinite(student.grad).all()


def test_mean_log_prob_regulariser() -> None:
    assert mean_log_prob_regulariser(torch.zeros(1, 4, 2, 2)).item() == pytest.approx(math.log(4))


def test_directory_store_round_trip(tmp_path) -> None:
    store = DirectorySoftLabelStore(tmp_path / "soft")
    value = torch.rand(3, 4, 5)
    store.save(7, value)
    store.save(7, value)  # overwriting is fine
    loaded = store.load(7)
    assert loaded.dtype == torch.float16
    assert torch.allclose(loaded.float(), value, atol=1e-3)
    assert sorted(p.name for p in (tmp_path / "soft").iterdir()) == ["7.pt"]


def test_prepare_initialises_prototypes_and_soft_labels(tmp_path) -> None:
    """One 2x4 image: left half +1, right half -1; features at 1x2, one class each."""
    image = torch.ones(3, 2, 4)
    image[:, :, 2:] = -1.0
    label = torch.full((2, 4), 255)
    pool = [{"image": image, "label": label, "index": 5}]
    store = DirectorySoftLabelStore(tmp_path)
    objective = build_objective("proda", {}, num_classes=3, soft_label_store=store)
    objective.prepare(SignModel(), pool, "cpu")
    assert torch.equal(objective.prototypes[0], -torch.ones(3))
    assert torch.equal(objective.prototypes[1], torch.ones(3))
    assert objective.valid.tolist() == [True, True, False]
    soft = store.load(5)
    assert soft.shape == (3, 1, 1)  # a quarter of 2x4, rounded up
    # a human label on the right half overrides the prediction there
    label[0, 3] = 2
    objective = build_objective("proda", {}, num_classes=3, soft_label_store=store)
    objective.prepare(SignModel(), pool, "cpu")
    assert objective.valid.tolist() == [False, True, True]
    assert torch.equal(objective.prototypes[2], -torch.ones(3))


def test_build_proda_requires_a_store() -> None:
    with pytest.raises(ValueError, match="soft_label_store"):
        build_objective("proda", {}, num_classes=3)


def test_proda_short_round_trains_and_moves_teacher(tmp_path) -> None:
    torch.manual_seed(0)
    model = TinySeg()
    initial = copy.deepcopy(model.head.weight)
    store = DirectorySoftLabelStore(tmp_path)
    objective = build_objective(
        "proda", {"proto_momentum": 0.5}, num_classes=3, soft_label_store=store
    )
    logs = run_round(objective, model, num_classes=3)
    assert all(math.isfinite(loss) for loss, _ in logs)
    assert {"proda_sce", "proda_consistency", "proda_regular"} <= set(logs[0][1])
    assert not torch.equal(objective.teacher.head.weight, initial)
    assert not torch.equal(objective.teacher.head.weight, model.head.weight)
    state = copy.deepcopy(objective.state_dict())
    resumed = build_objective("proda", {}, num_classes=3, soft_label_store=store)
    resumed.load_state_dict(state)
    resumed.prepare(model, [], "cpu")  # no pool pass when resuming
    assert torch.equal(resumed.prototypes, state["prototypes"])


def test_proda_short_round_with_segmenter(tmp_path) -> None:
    models = pytest.importorskip("worker.ml.models")
    torch.manual_seed(0)
    model = models.build_segmenter(3, "mobilenet_v3_small", pretrained=False)
    store = DirectorySoftLabelStore(tmp_path)
    objective = build_objective("proda", {}, num_classes=3, soft_label_store=store)
    logs = run_round(objective, model, num_classes=3, iterations=2)
    assert all(math.isfinite(loss) for loss, _ in logs)
