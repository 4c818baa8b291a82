"""DASO: distribution-aware semantics-oriented pseudo-labels (Oh et al., CVPR 2022), on pixels.

DASO was written for image classification with FixMatch (github.com/ytaek-oh/daso,
lib/models/daso_model.py); we know of no published application to segmentation, so these are
our choices where pixels differ from images:

- Queues: one FIFO of 256 EMA-teacher features per class (official QUEUE.MAX_SIZE), fed with
  the feature cells of labelled pixels: labelled target pixels and source labels, at most
  `queue_per_class` cells per class per batch, target cells first. Without the cap one image
  would fill a queue with near-identical neighbours; the target first because the prototypes
  classify target features and source pixels would otherwise drown the few target labels.
  Labels reach feature resolution through `labels_to_grid`, which keeps sparse point labels.
- Histogram m̂: counts of the final pseudo-labels of unlabelled target pixels over the last
  complete window of `dist_update_period` iterations (official PL_DIST_UPDATE_PERIOD = 100,
  counts replaced, not averaged), so it follows the current model without a decay to tune.
- The weak view (identity) goes through the EMA teacher, which gives the linear pseudo-label p,
  the semantic one q and the queue features in one no-grad pass (the official code uses the
  student's weak pass, which a segmentation loop would pay as an extra forward).
- q is computed on feature cells and upsampled bilinearly to the logits' resolution to blend.
- The pseudo-label loss is FixMatch's: CE on the strong view where max p_final ≥ 0.95, averaged
  over all target pixels; labelled target pixels take their label with weight 1.
- Blending and the semantic alignment loss start after `pretrain_steps` (official: 5000 of 250k
  iterations; rounds here are short fine-tunings) and once one histogram window is complete.

DASO's point survives the move to pixels: the linear classifier over-predicts frequent classes,
so a pixel predicted as a frequent class (large v) leans on the prototype classifier q, which
can hand it back to the rare class it belongs to; pixels predicted as rare classes keep p.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.data import Dataset

from .base import labels_to_grid
from .dacs import MeanTeacherObjective

if TYPE_CHECKING:
    from worker.ml.models import Segmenter


def fifo_push(queue: Tensor, features: Tensor, size: int = 256) -> Tensor:
    """Append features [N,D] to a queue [M,D] and keep the newest `size` rows."""
    return torch.cat([queue, features.to(queue.dtype)])[-size:]


class FeatureQueues:
    """Per-class FIFO queues of features; a class's prototype is its queue's mean."""

    def __init__(self, num_classes: int, size: int = 256) -> None:
        self.size = size
        self.queues: list[Tensor] = [torch.empty(0) for _ in range(num_classes)]

    def push(self, features: Tensor, labels: Tensor) -> None:
        """Enqueue features [N,D] under their labels [N] (labels outside the classes skipped)."""
        for k in torch.unique(labels).tolist():
            if 0 <= k < len(self.queues):
                queue = self.queues[k]
                if queue.numel() == 0:
                    queue = features.new_empty(0, features.shape[1])
                self.queues[k] = fifo_push(queue, features[labels == k], self.size)

    def prototypes(self) -> tuple[Tensor, Tensor] | None:
        """Prototypes [C,D] and which classes have any feature [C]; None while all are empty."""
        valid = [q.numel() > 0 for q in self.queues]
        if not any(valid):
            return None
        reference = self.queues[valid.index(True)]
        empty = reference.new_zeros(reference.shape[1])
        means = torch.stack(
            [q.mean(0) if ok else empty for q, ok in zip(self.queues, valid, strict=True)]
        )
        return means, torch.tensor(valid, device=reference.device)

    def state_dict(self) -> dict[str, Any]:
        return {"size": self.size, "queues": list(self.queues)}

    def load_state_dict(self, state: dict[str, Any], device: torch.device) -> None:
        self.size = state["size"]
        self.queues = [q.to(device) for q in state["queues"]]


def cosine_logits(features: Tensor, prototypes: Tensor, temperature: float = 0.05) -> Tensor:
    """cos(f, proto_k) / T for features [B,D,h,w] and prototypes [C,D], as [B,C,h,w]."""
    return (
        torch.einsum("bdhw,cd->bchw", F.normalize(features, dim=1), F.normalize(prototypes, dim=1))
        / temperature
    )


def semantic_pseudo_labels(
    features: Tensor, prototypes: Tensor, temperature: float = 0.05
) -> Tensor:
    """q = softmax_k(cos(f, proto_k) / T), [B,C,h,w]."""
    return cosine_logits(features, prototypes, temperature).softmax(dim=1)


def distribution_aware_weights(class_histogram: Tensor, temperature: float = 1.0) -> Tensor:
    """v = m̂^(1/T), normalised to sum 1, then divided by its max (official daso_model.py)."""
    v = class_histogram.float() ** (1.0 / temperature)
    v = v / v.sum()
    return v / v.max()


def blend_pseudo_labels(p_linear: Tensor, q_semantic: Tensor, weights: Tensor) -> Tensor:
    """p_final = (1 − v[argmax p])·p + v[argmax p]·q, for class maps [B,C,H,W]."""
    v = weights[p_linear.argmax(dim=1)].unsqueeze(1)
    return (1.0 - v) * p_linear + v * q_semantic


def semantic_alignment_loss(
    q_weak: Tensor, strong_features: Tensor, prototypes: Tensor, temperature: float = 0.05
) -> Tensor:
    """−Σ_k q_weak,k · log softmax_k(cos(f_strong, proto_k) / T), mean over feature cells."""
    log_q_strong = F.log_softmax(cosine_logits(strong_features, prototypes, temperature), dim=1)
    return -(q_weak * log_q_strong).sum(dim=1).mean()


def queue_candidates(
    target_labels: Tensor, source_labels: Tensor, per_class: int, ignore_index: int = 255
) -> tuple[Tensor, Tensor]:
    """Which flattened cells (target cells first, then source) feed the queues, and their labels.

    At most `per_class` cells per class, drawn at random, target cells before source cells.
    """
    labels = torch.cat([target_labels.reshape(-1), source_labels.reshape(-1)])
    is_source = torch.zeros_like(labels, dtype=torch.float)
    is_source[target_labels.numel() :] = 1.0
    priority = torch.rand(labels.shape, device=labels.device) + is_source
    chosen = []
    for k in torch.unique(labels[labels != ignore_index]).tolist():
        cells = torch.nonzero(labels == k).squeeze(1)
        order = priority[cells].argsort()[:per_class]
        chosen.append(cells[order])
    cells = torch.cat(chosen) if chosen else labels.new_empty(0)
    return cells, labels[cells]


class DASOObjective(MeanTeacherObjective):
    """FixMatch-style CE on blended pseudo-labels plus semantic alignment to class prototypes."""

    name = "daso"

    def __init__(self, config: dict[str, Any], num_classes: int, ignore_index: int = 255) -> None:
        super().__init__(config, num_classes, ignore_index)
        self.queues = FeatureQueues(num_classes, config["queue_size"])
        self.histogram = torch.zeros(num_classes)
        self.window_counts = torch.zeros(num_classes)

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "queues": self.queues.state_dict(),
            "histogram": self.histogram,
            "window_counts": self.window_counts,
        }

    def _restore(self, state: dict[str, Any]) -> None:
        super()._restore(state)
        self.queues.load_state_dict(state["queues"], self.device)
        self.histogram = state["histogram"].to(self.device)
        self.window_counts = state["window_counts"].to(self.device)

    def prepare(self, model: Segmenter, target_pool: Dataset, device: torch.device | str) -> None:
        super().prepare(model, target_pool, device)
        self.histogram = self.histogram.to(self.device)
        self.window_counts = self.window_counts.to(self.device)

    def _enqueue(self, target_batch: dict, source_batch: dict, target_features: Tensor) -> None:
        """Push the teacher's features of labelled cells, target and source, to the queues."""
        _, source_features = self.teacher.forward_with_features(source_batch["image"])
        target_grid, source_grid = (
            labels_to_grid(batch["label"], features.shape[-2:], self.ignore_index)
            for batch, features in (
                (target_batch, target_features),
                (source_batch, source_features),
            )
        )
        cells, labels = queue_candidates(
            target_grid, source_grid, self.config["queue_per_class"], self.ignore_index
        )
        flat = torch.cat(
            [
                f.permute(0, 2, 3, 1).reshape(-1, f.shape[1])
                for f in (target_features, source_features)
            ]
        )
        self.queues.push(flat[cells], labels)

    def loss(
        self, model: Segmenter, source_batch: dict, target_batch: dict, iteration: int
    ) -> tuple[Tensor, dict[str, float]]:
        c = self.config
        image, label = target_batch["image"], target_batch["label"]
        labelled = label != self.ignore_index
        with torch.no_grad():
            logits, features = self.teacher.forward_with_features(image)
            self._enqueue(target_batch, source_batch, features)
            p = logits.softmax(dim=1)
            queued = self.queues.prototypes()
            active = (
                iteration >= c["pretrain_steps"]
                and bool(self.histogram.sum() > 0)
                and queued is not None
            )
            if active:
                assert queued is not None  # `active` says so
                all_prototypes, valid = queued
                prototypes = all_prototypes[valid]
                q_valid = semantic_pseudo_labels(features, prototypes, c["proto_temperature"])
                q = q_valid.new_zeros(len(image), self.num_classes, *q_valid.shape[-2:])
                q[:, valid] = q_valid
                q = F.interpolate(q, image.shape[-2:], mode="bilinear", align_corners=False)
                v = distribution_aware_weights(self.histogram, c["dist_temperature"])
                p = blend_pseudo_labels(p, q, v)
            confidence, pseudo = p.max(dim=1)
            self.window_counts += torch.bincount(pseudo[~labelled], minlength=self.num_classes)
            weight = torch.where(labelled, 1.0, (confidence >= c["confidence_threshold"]).float())
            pseudo = torch.where(labelled, label, pseudo)

        strong_logits, strong_features = model.forward_with_features(self._strong_view(image))
        pixel_ce = F.cross_entropy(
            strong_logits, pseudo, ignore_index=self.ignore_index, reduction="none"
        )
        ce = (pixel_ce * weight).mean()
        align = strong_logits.new_zeros(())
        if active:
            align = semantic_alignment_loss(
                q_valid, strong_features, prototypes, c["proto_temperature"]
            )
        loss = ce + c["align_weight"] * align
        return loss, {
            "daso_loss": loss.item(),
            "daso_ce": ce.item(),
            "daso_align": align.item(),
            "daso_confident": (weight > 0).float().mean().item(),
        }

    def after_step(self, model: nn.Module, iteration: int) -> None:
        super().after_step(model, iteration)
        if (iteration + 1) % self.config["dist_update_period"] == 0:
            self.histogram = self.window_counts
            self.window_counts = torch.zeros_like(self.window_counts)
