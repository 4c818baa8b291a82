"""DACS: domain adaptation via cross-domain mixed sampling (Tranheden et al., WACV 2021).

Follows the official code (github.com/vikolss/DACS, trainUDA.py and utils/transformsgpu.py):
an EMA teacher labels the clean target image; half of the classes of a source image are pasted
onto it (ClassMix); the student learns the mixed label on the strongly augmented mixed image.
The mean teacher and the strong augmentation defined here are shared with ProDA and DASO.

Departures, each for a reason:
- ignore pixels are never pasted (the official code has that filter commented out), so pasted
  pixels always carry a source label;
- the confidence weight is per image rather than per batch, so one badly predicted image does
  not silence the others;
- labelled target pixels replace the teacher's pseudo-labels and weigh 1, like pasted pixels.

Option `freeze_teacher` (off by default) keeps the round's starting model as the teacher: on
camvid2idd the EMA teacher followed a drifting student on two seeds of nine, until half the road
was labelled far-object (benchmarks/README.md, "Seeds 6-8 of DACS").
"""

from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.data import Dataset
from torchvision.transforms import v2

if TYPE_CHECKING:
    from worker.ml.models import Segmenter


def class_mix_mask(
    source_label: Tensor, ignore_index: int = 255, generator: torch.Generator | None = None
) -> Tensor:
    """ClassMix mask [H,W]: the pixels of ceil(n/2) of the n classes present, drawn at random."""
    classes = torch.unique(source_label)
    classes = classes[classes != ignore_index]
    chosen = torch.randperm(len(classes), generator=generator)[: (len(classes) + 1) // 2]
    return torch.isin(source_label, classes[chosen.to(classes.device)])


def mix(mask: Tensor, source: Tensor, target: Tensor) -> Tensor:
    """M·source + (1 − M)·target, for images [3,H,W] or labels [H,W], batched or not.

    The mask is [H,W] ([B,H,W] for a batch) and broadcast over the channels of images; `where`
    keeps the labels' integer dtype and is exact for a binary mask.
    """
    if source.dim() == mask.dim() + 1:
        mask = mask.unsqueeze(-3)
    return torch.where(mask, source, target)


@torch.no_grad()
def ema_update(
    teacher: nn.Module, student: nn.Module, iteration: int, alpha_max: float = 0.99
) -> float:
    """θ_t ← α θ_t + (1 − α) θ_s with α = min(1 − 1/(i + 1), alpha_max); returns α.

    The ramp (DACS' update_ema_variables) makes the teacher the true average of the students
    seen so far until the exponential average takes over. Float buffers (BatchNorm statistics)
    are averaged like the weights; integer ones (batch counters) are copied.
    """
    alpha = min(1.0 - 1.0 / (iteration + 1), alpha_max)
    for t, s in zip(teacher.parameters(), student.parameters(), strict=True):
        t.lerp_(s, 1.0 - alpha)
    for t_buffer, s_buffer in zip(teacher.buffers(), student.buffers(), strict=True):
        if t_buffer.is_floating_point():
            t_buffer.lerp_(s_buffer, 1.0 - alpha)
        else:
            t_buffer.copy_(s_buffer)
    return alpha


def pseudo_label_weight(prob: Tensor, threshold: float = 0.968) -> Tensor:
    """Fraction of the pixels whose top probability reaches `threshold`, per image.

    prob is [C,H,W] (a scalar tensor comes back) or [B,C,H,W] (a [B] tensor).
    """
    return (prob.amax(dim=-3) >= threshold).float().mean(dim=(-2, -1))


def _blur_kernel(size: int) -> int:
    """DACS' kernel: the odd number nearest below ceil(10 % of the side)."""
    k = math.ceil(0.1 * size)
    return k if k % 2 else k - 1


def strong_augment(
    images: Tensor, jitter_strength: float = 0.25, jitter_p: float = 0.8, blur_p: float = 0.5
) -> Tensor:
    """DACS' strong augmentation of RGB images in [0, 1] [B,3,H,W], one draw per image.

    Colour jitter (brightness, contrast, saturation and hue all at `jitter_strength`) and a
    Gaussian blur (sigma in [0.15, 1.15], kernel about 10 % of the image). Photometric only:
    the result stays pixel-aligned with its input, which pseudo-labels and features rely on.
    """
    s = jitter_strength
    kernel = (_blur_kernel(images.shape[-1]), _blur_kernel(images.shape[-2]))
    transform = v2.Compose(
        [
            v2.RandomApply([v2.ColorJitter(s, s, s, s)], p=jitter_p),
            v2.RandomApply([v2.GaussianBlur(kernel, sigma=(0.15, 1.15))], p=blur_p),
        ]
    )
    return torch.stack([transform(image) for image in images])


class MeanTeacherObjective:
    """An EMA teacher of the model, created in `prepare` and saved with the objective's state.

    A state loaded before `prepare` (a resumed round) is applied there, once the model and
    device are known, and replaces the method's initialisation from the target pool.
    """

    name = "mean_teacher"

    def __init__(self, config: dict[str, Any], num_classes: int, ignore_index: int = 255) -> None:
        self.config = config
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.device = torch.device("cpu")
        self._teacher: Segmenter | None = None
        self._pending_state: dict[str, Any] | None = None

    @property
    def teacher(self) -> Segmenter:
        if self._teacher is None:
            raise RuntimeError(f"{self.name}: call prepare() before training")
        return self._teacher

    def prepare(self, model: Segmenter, target_pool: Dataset, device: torch.device | str) -> None:
        self.device = torch.device(device)
        self._teacher = copy.deepcopy(model).to(self.device).eval().requires_grad_(False)
        if self._pending_state is None:
            self._initialise(model, target_pool)
        else:
            state, self._pending_state = self._pending_state, None
            self._restore(state)

    def _initialise(self, model: Segmenter, target_pool: Dataset) -> None:
        """Method-specific work over the target pool before the first iteration."""

    def after_step(self, model: nn.Module, iteration: int) -> None:
        ema_update(self.teacher, model, iteration, self.config["ema_alpha"])

    def state_dict(self) -> dict[str, Any]:
        return {"teacher": self.teacher.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if self._teacher is None:
            self._pending_state = state
        else:
            self._restore(state)

    def _restore(self, state: dict[str, Any]) -> None:
        self.teacher.load_state_dict(state["teacher"])

    def _strong_view(self, images: Tensor) -> Tensor:
        c = self.config
        return strong_augment(images, c["jitter_strength"], c["jitter_p"], c["blur_p"])


class DACSObjective(MeanTeacherObjective):
    """Cross-entropy on ClassMix images of source pixels over teacher-labelled target images."""

    name = "dacs"

    def after_step(self, model: nn.Module, iteration: int) -> None:
        if not self.config["freeze_teacher"]:
            super().after_step(model, iteration)

    def loss(
        self, model: Segmenter, source_batch: dict, target_batch: dict, iteration: int
    ) -> tuple[Tensor, dict[str, float]]:
        source_x, source_y = source_batch["image"], source_batch["label"]
        target_x, target_y = target_batch["image"], target_batch["label"]
        pair = torch.arange(len(target_x), device=source_x.device) % len(source_x)
        source_x, source_y = source_x[pair], source_y[pair]

        with torch.no_grad():
            prob = self.teacher(target_x).softmax(dim=1)
        labelled = target_y != self.ignore_index
        threshold = self.config["pseudo_threshold"]
        confidence = pseudo_label_weight(prob, threshold)
        pseudo = prob.argmax(dim=1)
        if self.config["pixelwise"]:
            confident = prob.amax(dim=1) >= threshold
            pseudo = torch.where(confident, pseudo, self.ignore_index)
            target_weight = torch.ones_like(prob[:, 0])
        else:
            target_weight = torch.where(labelled, 1.0, confidence[:, None, None])
        target_label = torch.where(labelled, target_y, pseudo)

        masks = torch.stack([class_mix_mask(y, self.ignore_index) for y in source_y])
        mixed_x = self._strong_view(mix(masks, source_x, target_x))
        mixed_y = mix(masks, source_y, target_label)
        mixed_w = mix(masks, torch.ones_like(target_weight), target_weight)

        pixel_ce = F.cross_entropy(
            model(mixed_x), mixed_y, ignore_index=self.ignore_index, reduction="none"
        )
        loss = self.config["loss_weight"] * (pixel_ce * mixed_w).mean()
        return loss, {
            "dacs_loss": loss.item(),
            "dacs_pseudo_weight": confidence.mean().item(),
            "dacs_mix_fraction": masks.float().mean().item(),
        }
