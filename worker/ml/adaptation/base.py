"""What the training loop sees of a self-training objective, and the pieces all three share."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.data import Dataset

if TYPE_CHECKING:
    from worker.ml.models import Segmenter


@runtime_checkable
class Objective(Protocol):
    """A self-training loss on the target pixels nobody labelled.

    The loop calls `prepare` once before training (after `load_state_dict` when resuming), then
    per iteration `loss` -> backward -> optimiser step -> `after_step`.
    """

    name: str

    def prepare(self, model: Segmenter, target_pool: Dataset, device: torch.device) -> None: ...

    def loss(
        self, model: Segmenter, source_batch: dict, target_batch: dict, iteration: int
    ) -> tuple[Tensor, dict[str, float]]: ...

    def after_step(self, model: nn.Module, iteration: int) -> None: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


@runtime_checkable
class SoftLabelStore(Protocol):
    """Per-image soft labels of one round's warm-up model, keyed by the pool index."""

    def save(self, index: int, tensor: Tensor) -> None: ...

    def load(self, index: int) -> Tensor: ...


class DirectorySoftLabelStore:
    """Soft labels as float16 `<index>.pt` files in a directory.

    Writes go to a temporary file in the same directory and are renamed into place, so a
    worker killed mid-write never leaves a truncated file that a resumed round would trust.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)

    def _file(self, index: int) -> Path:
        return self.path / f"{int(index)}.pt"

    def save(self, index: int, tensor: Tensor) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=".tmp-", suffix=".pt")
        try:
            with os.fdopen(fd, "wb") as handle:
                torch.save(tensor.detach().to("cpu", torch.float16).contiguous(), handle)
            os.replace(tmp, self._file(index))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load(self, index: int) -> Tensor:
        return torch.load(self._file(index), map_location="cpu", weights_only=True)


def labels_to_grid(label: Tensor, size: Sequence[int], ignore_index: int = 255) -> Tensor:
    """Labels [B,H,W] at feature resolution [B,h,w].

    A cell takes the label of its centre pixel, or, where that one is unlabelled, of any
    labelled pixel inside it: plain nearest sampling would drop most of the sparse point labels
    that annotators give.
    """
    batch, height, width = label.shape
    h, w = size
    centre = F.interpolate(label[:, None].float(), size=size, mode="nearest-exact")[:, 0].long()
    rows = torch.arange(height, device=label.device) * h // height
    cols = torch.arange(width, device=label.device) * w // width
    cell = (rows[:, None] * w + cols[None, :]).expand(batch, -1, -1)
    cell = cell + torch.arange(batch, device=label.device)[:, None, None] * (h * w)
    labelled = label != ignore_index
    anywhere = torch.full((batch * h * w,), ignore_index, dtype=torch.long, device=label.device)
    anywhere[cell[labelled]] = label[labelled]
    return torch.where(centre == ignore_index, anywhere.view(batch, h, w), centre)


def class_feature_sums(features: Tensor, labels: Tensor, num_classes: int) -> tuple[Tensor, Tensor]:
    """Per-class sums [C,D] and pixel counts [C] of features [B,D,h,w] under labels [B,h,w].

    Labels outside [0, num_classes) (the ignore index) count for nothing.
    """
    dim = features.shape[1]
    flat = features.permute(0, 2, 3, 1).reshape(-1, dim)
    labels = labels.reshape(-1)
    keep = (labels >= 0) & (labels < num_classes)
    sums = flat.new_zeros(num_classes, dim).index_add_(0, labels[keep], flat[keep])
    counts = torch.bincount(labels[keep], minlength=num_classes).to(flat.dtype)
    return sums, counts


def predicted_grid_labels(
    logits: Tensor, label: Tensor, size: Sequence[int], ignore_index: int = 255
) -> Tensor:
    """Predicted classes at feature resolution, with the human labels taking precedence."""
    pooled = F.interpolate(logits, size=size, mode="bilinear", align_corners=False, antialias=True)
    human = labels_to_grid(label, size, ignore_index)
    return torch.where(human == ignore_index, pooled.argmax(1), human)
