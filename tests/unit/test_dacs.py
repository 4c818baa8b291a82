"""DACS: ClassMix, mixing, EMA teacher, confidence weight, strong augmentation, objective."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from tests.unit.objective_helpers import TinySeg, build_objective, run_round
from worker.ml.adaptation.dacs import (
    class_mix_mask,
    ema_update,
    mix,
    pseudo_label_weight,
    strong_augment,
)

torch.set_num_threads(1)


def in_range_images(batch: int, height: int, width: int) -> torch.Tensor:
    """RGB in [0, 1], as datasets hand images to models."""
    return torch.rand(batch, 3, height, width)


@pytest.mark.parametrize(("iteration", "expected"), [(0, 0.0), (1, 0.5), (99, 0.99), (1000, 0.99)])
def test_ema_alpha_schedule(iteration: int, expected: float) -> None:
    teacher, student = nn.Linear(1, 1), nn.Linear(1, 1)
    assert ema_update(teacher, student, iteration) == pytest.approx(expected)


def test_ema_update_moves_teacher_weights_and_buffers() -> None:
    teacher, student = nn.BatchNorm1d(2), nn.BatchNorm1d(2)
    with torch.no_grad():
        teacher.weight.fill_(1.0)
        student.weight.fill_(3.0)
        teacher.running_mean.fill_(0.0)
        student.running_mean.fill_(4.0)
        student.num_batches_tracked.fill_(7)
    alpha = ema_update(teacher, student, iteration=1)  # alpha = 0.5
    assert alpha == 0.5
    assert torch.equal(teacher.weight, torch.full((2,), 2.0))
    assert torch.equal(teacher.running_mean, torch.full((2,), 2.0))
    assert teacher.num_batches_tracked.item() == 7
    ema_update(teacher, student, iteration=0)  # alpha = 0: the teacher becomes the student
    assert torch.equal(teacher.weight, student.weight)


@pytest.mark.parametrize(("classes", "picked"), [([0, 1, 2], 2), ([0, 1, 2, 3], 2), ([4], 1)])
def test_class_mix_mask_picks_half_the_classes_never_ignore(classes, picked) -> None:
    label = torch.full((6, 8), 255)
    for i, k in enumerate(classes):
        label[i, :] = k
    for seed in range(20):
        mask = class_mix_mask(label, generator=torch.Generator().manual_seed(seed))
        assert not mask[label == 255].any()
        chosen = torch.unique(label[mask])
        assert len(chosen) == picked
        # a chosen class is pasted whole
        assert all(mask[label == k].all() for k in chosen.tolist())


def test_class_mix_mask_all_ignore_is_empty() -> None:
    assert not class_mix_mask(torch.full((4, 4), 255)).any()


def test_mix_puts_source_exactly_where_mask() -> None:
    mask = torch.tensor([[True, False], [False, True]])
    source_image, target_image = torch.ones(3, 2, 2), torch.zeros(3, 2, 2)
    mixed = mix(mask, source_image, target_image)
    assert torch.equal(mixed, mask.float().expand(3, -1, -1))
    source_label, target_label = torch.full((2, 2), 7), torch.full((2, 2), 255)
    assert torch.equal(mix(mask, source_label, target_label), torch.tensor([[7, 255], [255, 7]]))
    assert mix(mask, source_label, target_label).dtype == torch.long
    batch_mask = torch.stack([mask, ~mask])
    batched = mix(batch_mask, torch.ones(2, 3, 2, 2), torch.zeros(2, 3, 2, 2))
    assert torch.equal(batched[:, 0], batch_mask.float())


def test_pseudo_label_weight_counts_confident_pixels() -> None:
    # top probabilities per pixel: 0.97, 0.5, 0.968, 0.9 -> two of four reach 0.968
    top = torch.tensor([[0.97, 0.5], [0.968, 0.9]])
    prob = torch.stack([top, 1 - top])
    assert pseudo_label_weight(prob).item() == pytest.approx(0.5)
    batch = torch.stack([prob, torch.stack([torch.ones(2, 2), torch.zeros(2, 2)])])
    assert torch.allclose(pseudo_label_weight(batch), torch.tensor([0.5, 1.0]))
    assert pseudo_label_weight(prob, threshold=0.4).item() == pytest.approx(1.0)


def test_strong_augment_keeps_shape_and_range() -> None:
    images = in_range_images(2, 20, 30)
    unchanged = strong_augment(images, jitter_p=0.0, blur_p=0.0)
    assert torch.allclose(unchanged, images, atol=1e-5)
    augmented = strong_augment(images, jitter_p=1.0, blur_p=1.0)
    assert augmented.shape == images.shape
    assert not torch.allclose(augmented, images, atol=1e-3)
    assert augmented.min() >= -1e-5 and augmented.max() <= 1 + 1e-5


def test_dacs_labelled_target_pixels_override_pseudo_labels(monkeypatch) -> None:
    """Fully labelled target, nothing pasted: the loss is plain CE on the human labels."""
    torch.manual_seed(0)
    model = TinySeg().eval()
    objective = build_objective("dacs", {"jitter_p": 0.0, "blur_p": 0.0}, num_classes=3)
    objective.prepare(model, [], "cpu")
    monkeypatch.setattr(
        "worker.ml.adaptation.dacs.class_mix_mask", lambda y, ignore: torch.zeros_like(y).bool()
    )
    target = {"image": in_range_images(2, 8, 8), "label": torch.randint(3, (2, 8, 8))}
    source = {"image": torch.randn(2, 3, 8, 8), "label": torch.randint(3, (2, 8, 8))}
    loss, log = objective.loss(model, source, target, 0)
    expected = F.cross_entropy(model(target["image"]), target["label"])
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    assert log["dacs_mix_fraction"] == 0.0


@pytest.mark.parametrize("pixelwise", [0, 1])
def test_dacs_weights_unsure_target_pixels_by_image_or_drops_them(monkeypatch, pixelwise) -> None:
    """Target pixels the teacher is unsure of: DACS keeps them at the image's confident
    fraction; pixelwise (the default) leaves them out and keeps the confident ones whole."""
    model = TinySeg().eval()
    objective = build_objective(
        "dacs", {"jitter_p": 0.0, "blur_p": 0.0, "pixelwise": pixelwise}, num_classes=3
    )
    objective.prepare(model, [], "cpu")
    monkeypatch.setattr(
        "worker.ml.adaptation.dacs.class_mix_mask", lambda y, ignore: torch.zeros_like(y).bool()
    )
    # The teacher: confident class 1 on the left half, unsure (class 2 by a hair) on the right.
    logits = torch.zeros(1, 3, 4, 4)
    logits[:, 1, :, :2] = 10.0
    logits[:, 2, :, 2:] = 0.1
    monkeypatch.setattr(objective, "_teacher", lambda x: logits)
    target = {"image": in_range_images(1, 4, 4), "label": torch.full((1, 4, 4), 255)}
    source = {"image": in_range_images(1, 4, 4), "label": torch.zeros(1, 4, 4, dtype=torch.long)}
    loss, _ = objective.loss(model, source, target, 0)
    ce = F.cross_entropy(model(target["image"]), logits.argmax(1), reduction="none")
    left, right = ce[..., :2].sum(), ce[..., 2:].sum()
    expected = left / 16 if pixelwise else 0.5 * (left + right) / 16
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_dacs_short_round_trains_and_moves_teacher() -> None:
    torch.manual_seed(0)
    model = TinySeg()
    initial = copy.deepcopy(model.head.weight)
    objective = build_objective("dacs", {}, num_classes=3)
    logs = run_round(objective, model, num_classes=3)
    assert all(torch.isfinite(torch.tensor(loss)) for loss, _ in logs)
    assert {"dacs_loss", "dacs_pseudo_weight", "dacs_mix_fraction"} <= set(logs[0][1])
    # the teacher has moved from the initial model but lags behind the student
    teacher = objective.teacher.head.weight
    assert not torch.equal(teacher, initial)
    assert not torch.equal(teacher, model.head.weight)


def test_dacs_frozen_teacher_keeps_the_rounds_starting_model() -> None:
    """freeze_teacher: the student trains, but the pseudo-labels keep coming from the model the
    round started with (a student that drifts cannot pull its labels after it)."""
    torch.manual_seed(0)
    model = TinySeg()
    initial = copy.deepcopy(model.state_dict())
    objective = build_objective("dacs", {"freeze_teacher": 1}, num_classes=3)
    run_round(objective, model, num_classes=3)
    assert not torch.equal(model.head.weight, initial["head.weight"])
    for name, value in objective.teacher.state_dict().items():
        assert torch.equal(value, initial[name]), name


def test_dacs_state_round_trip_before_prepare() -> None:
    torch.manual_seed(0)
    model = TinySeg()
    objective = build_objective("dacs", {}, num_classes=3)
    run_round(objective, model, num_classes=3, iterations=2)
    state = copy.deepcopy(objective.state_dict())
    resumed = build_objective("dacs", {}, num_classes=3)
    resumed.load_state_dict(state)  # a resumed round loads before prepare
    resumed.prepare(model, [], "cpu")
    for a, b in zip(resumed.teacher.state_dict().values(), state["teacher"].values(), strict=True):
        assert torch.equal(a, b)


def test_dacs_short_round_with_segmenter() -> None:
    models = pytest.importorskip("worker.ml.models")
    torch.manual_seed(0)
    model = models.build_segmenter(3, "mobilenet_v3_small", pretrained=False)
    before = copy.deepcopy(model.state_dict())
    objective = build_objective("dacs", {}, num_classes=3)
    logs = run_round(objective, model, num_classes=3, iterations=2)
    assert all(torch.isfinite(torch.tensor(loss)) for loss, _ in logs)
    changed = [not torch.equal(v, before[k]) for k, v in objective.teacher.state_dict().items()]
    assert any(changed)
