"""Datasets over storage keys, so training reads local folders and object storage alike."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence, Sized
from dataclasses import dataclass
from typing import cast

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import tv_tensors
from torchvision.transforms import v2

IGNORE_INDEX = 255
_LABEL_MODES = ("L", "P", "I", "I;16")


def decode_image(data: bytes) -> np.ndarray:
    """Any Pillow format (PNG, JPEG, ...) to H x W x 3 uint8 RGB."""
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def decode_label(data: bytes) -> np.ndarray:
    """A single-channel class-id map to H x W uint8; palette PNGs keep their indices."""
    with Image.open(io.BytesIO(data)) as image:
        if image.mode not in _LABEL_MODES:
            raise ValueError(
                f"label images must hold one class id per pixel (mode L or P), got mode "
                f"{image.mode!r}; convert colour-coded labels to ids first"
            )
        label = np.asarray(image)
    if label.max(initial=0) > 255:
        raise ValueError("label ids above 255 do not fit the 8-bit label format")
    return label.astype(np.uint8)


@dataclass(frozen=True)
class Augment:
    """Training augmentation, as torchvision's segmentation references do it: rescale by a
    random factor (aspect kept), crop or pad back to the training size (padding is ignored
    by the loss), flip, and jitter colour. ``jitter`` scales brightness, contrast and
    saturation (0: none); hue moves by a quarter of it."""

    scale: tuple[float, float] = (0.75, 1.5)
    flip: bool = True
    jitter: float = 0.2


class SegmentationDataset(Dataset):
    """(image key, label key or None) pairs read through `read`; unlabelled items are all-ignore.

    Images come out as float RGB in [0, 1] (models normalise them their own way), labels as
    long class ids, both at `size` (height, width; default: the image's own)."""

    def __init__(
        self,
        items: Sequence[tuple[str, str | None]],
        read: Callable[[str], bytes],
        size: tuple[int, int] | None = None,
        augment: Augment | None = None,
    ) -> None:
        self.items = list(items)
        self.read = read
        self.size = size
        self.augment = augment

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict:
        image_key, label_key = self.items[index]
        image = torch.from_numpy(decode_image(self.read(image_key)).copy()).permute(2, 0, 1)
        height, width = self.size or image.shape[-2:]
        if label_key is None:
            label = torch.full(image.shape[-2:], IGNORE_INDEX, dtype=torch.uint8)
        else:
            label = torch.from_numpy(decode_label(self.read(label_key)).copy())
        pair = (tv_tensors.Image(image), tv_tensors.Mask(label))
        transform = (
            _augmentation((height, width), self.augment)
            if self.augment
            else v2.Resize((height, width), antialias=True)
        )
        image, label = transform(*pair)
        return {"image": image.float().div_(255), "label": label.long(), "index": index}


def _augmentation(size: tuple[int, int], augment: Augment) -> v2.Transform:
    steps: list[v2.Transform] = [
        # ScaleJitter's target size is (width, height): the image is fitted into it, then
        # scaled by a factor drawn from scale_range.
        v2.ScaleJitter((size[1], size[0]), scale_range=augment.scale, antialias=True),
        v2.RandomCrop(
            size, pad_if_needed=True, fill={tv_tensors.Image: 0, tv_tensors.Mask: IGNORE_INDEX}
        ),
    ]
    if augment.flip:
        steps.append(v2.RandomHorizontalFlip())
    if augment.jitter > 0:
        j = augment.jitter
        steps.append(v2.ColorJitter(brightness=j, contrast=j, saturation=j, hue=j / 4))
    return v2.Compose(steps)


def infinite_batches(dataset: Dataset, batch_size: int, seed: int = 0) -> Iterator[dict]:
    """Endless reshuffled batches; a dataset smaller than a batch yields whole-dataset batches."""
    size = len(cast(Sized, dataset))  # map-style: torch's Dataset declares no __len__
    if size == 0:
        raise ValueError("cannot draw batches from an empty dataset")
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        drop_last=size >= batch_size,
        num_workers=0,
        generator=generator,
    )
    while True:
        yield from loader
