"""ProDA: prototypical pseudo-label denoising (Zhang et al., CVPR 2021), stage-1 objective.

Follows the official code (github.com/microsoft/ProDA, models/adaptation_modelv2.py and the
README's stage-1 command: --proto_rectify --moving_prototype --proto_consistW 10 --rce
--regular_w 0.1):
- the warm-up model's soft labels over the target pool are computed once per round, kept at a
  quarter of the resolution as the official training does, and stored outside memory;
- prototypes start as the class feature centroids of that model over the pool and then follow
  the EMA teacher's predictions with momentum 1e-4;
- the pseudo-label is argmax(w ⊙ p_soft), w the softmax of the negative feature-to-prototype
  distances of the teacher;
- loss = 0.1·CE + 1.0·RCE on the pseudo-labels, 10 × KL between the prototype assignments of
  the teacher's weak view and the student's strong view (element-wise mean over classes and
  pixels, as the official `(kl * mask).sum() / mask.sum()`, so the weight 10 keeps its meaning),
  and 0.1 × (−mean log p), the official MRKLD regulariser.

Departures: one student pass on the strong view carries every term (the official `--S_pseudo`
path) instead of a weak and a strong pass; the strong view is photometric, so no warping of
labels or features is needed; prototypes move by the batch class mean rather than one image's
at a time; labelled target pixels override pseudo-labels and the teacher's predictions, and a
class first seen during training starts its prototype at that batch mean instead of at zero.
"""

from __future__ import annotations

import math
from collections.abc import Sized
from typing import TYPE_CHECKING, Any, cast

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

from .base import SoftLabelStore, class_feature_sums, predicted_grid_labels
from .dacs import MeanTeacherObjective

if TYPE_CHECKING:
    from worker.ml.models import Segmenter

SOFT_LABEL_STRIDE = 4  # the official training downsamples the soft labels by 0.25
PREPARE_BATCH_SIZE = 8
RCE_LOG_CLAMP = 1e-4


def prototype_distances(features: Tensor, prototypes: Tensor) -> Tensor:
    """d_k = ‖f − η_k‖₂ for features [B,D,h,w] and prototypes [C,D], as [B,C,h,w]."""
    batch, _, h, w = features.shape
    flat = features.flatten(2).transpose(1, 2)
    distances = torch.cdist(flat, prototypes.unsqueeze(0).to(flat.dtype))
    return distances.transpose(1, 2).reshape(batch, len(prototypes), h, w)


def prototype_weights(
    features: Tensor, prototypes: Tensor, temperature: float = 1.0, valid: Tensor | None = None
) -> Tensor:
    """w = softmax_k(−(d_k − min_k d)·τ), [B,C,h,w]; classes not `valid` get weight 0."""
    distances = prototype_distances(features, prototypes)
    if valid is not None:
        distances = distances.masked_fill(~valid.view(1, -1, 1, 1), math.inf)
    nearest = distances.amin(dim=1, keepdim=True)
    return torch.softmax(-(distances - nearest) * temperature, dim=1)


def update_prototypes(
    prototypes: Tensor,
    features: Tensor,
    labels: Tensor,
    momentum: float = 1e-4,
    min_pixels: int = 10,
    valid: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """η ← (1 − m)·η + m·(batch class mean) for the classes with ≥ min_pixels pixels.

    labels [B,h,w] are at the features' resolution; returns the new prototypes and validity.
    A class not yet `valid` takes the batch mean directly (the official code would start it at
    zero, where it would attract every feature).
    """
    if valid is None:
        valid = torch.ones(len(prototypes), dtype=torch.bool, device=prototypes.device)
    sums, counts = class_feature_sums(features.detach(), labels, len(prototypes))
    means = sums / counts.clamp(min=1).unsqueeze(1)
    seen = (counts >= min_pixels).unsqueeze(1)
    moved = torch.where(valid.unsqueeze(1), (1 - momentum) * prototypes + momentum * means, means)
    return torch.where(seen, moved, prototypes), valid | seen.squeeze(1)


def denoised_pseudo_labels(
    weights: Tensor, soft_labels: Tensor, threshold: float = 0.0, ignore_index: int = 255
) -> Tensor:
    """argmax_k(w_k · p_soft,k): the warm-up model's soft label, rectified by the prototypes;
    `ignore_index` where the rectified distribution's top share is under `threshold`."""
    rectified = weights * soft_labels
    confidence, label = (rectified / rectified.sum(dim=1, keepdim=True).clamp_min(1e-12)).max(1)
    return torch.where(confidence >= threshold, label, ignore_index)


def symmetric_cross_entropy(
    logits: Tensor, target: Tensor, alpha: float = 0.1, beta: float = 1.0, ignore_index: int = 255
) -> Tensor:
    """α·CE + β·RCE, RCE = −Σ_k p_k log clamp(onehot_k, 1e-4, 1), mean over labelled pixels.

    RCE per pixel is −log(1e-4)·(1 − p_true) ≈ 9.21·(1 − p_true): bounded, so a wrong
    pseudo-label cannot push as hard as under CE. p is clamped at 1e-7 as in the official code.
    """
    labelled = target != ignore_index
    safe_target = torch.where(labelled, target, 0)
    ce = F.cross_entropy(logits, target, ignore_index=ignore_index, reduction="none")
    prob = logits.softmax(dim=1).clamp(min=1e-7, max=1.0)
    one_hot = F.one_hot(safe_target, logits.shape[1]).permute(0, 3, 1, 2).to(prob.dtype)
    rce = -(prob * one_hot.clamp(min=RCE_LOG_CLAMP, max=1.0).log()).sum(dim=1)
    per_pixel = (alpha * ce + beta * rce) * labelled
    return per_pixel.sum() / labelled.sum().clamp(min=1)


def prototype_consistency_loss(
    student_features: Tensor,
    teacher_features: Tensor,
    prototypes: Tensor,
    temperature: float = 1.0,
) -> Tensor:
    """Structure learning: KL(teacher ‖ student) of softmax(−d·τ) prototype assignments.

    Element-wise mean over classes and pixels, as the official code reduces it.
    """
    with torch.no_grad():
        teacher = torch.softmax(-prototype_distances(teacher_features, prototypes) * temperature, 1)
    student = F.log_softmax(-prototype_distances(student_features, prototypes) * temperature, 1)
    return F.kl_div(student, teacher, reduction="none").mean()


def mean_log_prob_regulariser(logits: Tensor) -> Tensor:
    """−mean log p over classes and pixels (official MRKLD): keeps predictions from collapsing."""
    return -F.log_softmax(logits, dim=1).mean()


class ProDAObjective(MeanTeacherObjective):
    """Denoised pseudo-labels from prototypes, symmetric CE, structure learning, regulariser."""

    name = "proda"

    def __init__(
        self,
        config: dict[str, Any],
        num_classes: int,
        soft_label_store: SoftLabelStore,
        ignore_index: int = 255,
    ) -> None:
        super().__init__(config, num_classes, ignore_index)
        self.store = soft_label_store
        self.prototypes: Tensor | None = None
        self.valid: Tensor | None = None

    def _initialise(self, model: Segmenter, target_pool: Dataset) -> None:
        """One pass of the warm-up model over the pool: store soft labels, take class centroids.

        Pixels are assigned to classes by the model's prediction at feature resolution, or by
        their human label where they have one.
        """
        if len(cast(Sized, target_pool)) == 0:  # torch's Dataset declares no __len__
            raise ValueError("ProDA needs a non-empty target pool to initialise its prototypes")
        was_training = model.training
        model.eval()
        sums: Tensor | None = None
        counts: Tensor | None = None
        try:
            with torch.no_grad():
                for batch in DataLoader(target_pool, batch_size=PREPARE_BATCH_SIZE):
                    image, label = batch["image"].to(self.device), batch["label"].to(self.device)
                    logits, features = model.forward_with_features(image)
                    size = tuple(math.ceil(n / SOFT_LABEL_STRIDE) for n in logits.shape[-2:])
                    soft = F.interpolate(
                        logits.softmax(dim=1), size, mode="bilinear", antialias=True
                    )
                    for index, soft_label in zip(batch["index"].tolist(), soft, strict=True):
                        self.store.save(index, soft_label)
                    labels = predicted_grid_labels(
                        logits, label, features.shape[-2:], self.ignore_index
                    )
                    batch_sums, batch_counts = class_feature_sums(
                        features, labels, self.num_classes
                    )
                    if sums is None or counts is None:
                        sums, counts = batch_sums, batch_counts
                    else:
                        sums, counts = sums + batch_sums, counts + batch_counts
        finally:
            model.train(was_training)
        assert sums is not None and counts is not None  # the pool is not empty
        self.prototypes = sums / counts.clamp(min=1).unsqueeze(1)
        self.valid = counts > 0

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "prototypes": self.prototypes, "valid": self.valid}

    def _restore(self, state: dict[str, Any]) -> None:
        super()._restore(state)
        self.prototypes = state["prototypes"].to(self.device)
        self.valid = state["valid"].to(self.device)

    def _soft_labels(self, indices: Tensor, size: tuple[int, int]) -> Tensor:
        soft = torch.stack([self.store.load(int(i)) for i in indices.tolist()])
        soft = soft.to(self.device, torch.float32)
        return F.interpolate(soft, size, mode="bilinear", align_corners=False)

    def loss(
        self, model: Segmenter, source_batch: dict, target_batch: dict, iteration: int
    ) -> tuple[Tensor, dict[str, float]]:
        c = self.config
        prototypes, valid = self.prototypes, self.valid
        if prototypes is None or valid is None:
            raise RuntimeError(f"{self.name}: call prepare() before training")
        image, label = target_batch["image"], target_batch["label"]
        labelled = label != self.ignore_index
        size = image.shape[-2:]
        with torch.no_grad():
            teacher_logits, teacher_features = self.teacher.forward_with_features(image)
            weights = prototype_weights(teacher_features, prototypes, c["proto_temperature"], valid)
            weights = F.interpolate(weights, size, mode="bilinear", align_corners=False)
            pseudo = denoised_pseudo_labels(
                weights,
                self._soft_labels(target_batch["index"], size),
                c["pseudo_threshold"],
                self.ignore_index,
            )
            pseudo = torch.where(labelled, label, pseudo)

        logits, features = model.forward_with_features(self._strong_view(image))
        sce = symmetric_cross_entropy(
            logits, pseudo, c["sce_alpha"], c["sce_beta"], self.ignore_index
        )
        consistency = prototype_consistency_loss(
            features, teacher_features, prototypes[valid], c["proto_temperature"]
        )
        regular = mean_log_prob_regulariser(logits)
        loss = sce + c["consistency_weight"] * consistency + c["regular_weight"] * regular

        grid_labels = predicted_grid_labels(
            teacher_logits, label, teacher_features.shape[-2:], self.ignore_index
        )
        self.prototypes, self.valid = update_prototypes(
            prototypes,
            teacher_features,
            grid_labels,
            c["proto_momentum"],
            c["proto_min_pixels"],
            valid,
        )
        return loss, {
            "proda_loss": loss.item(),
            "proda_sce": sce.item(),
            "proda_consistency": consistency.item(),
            "proda_regular": regular.item(),
        }
