"""Datasets over storage keys, so training reads local folders and object storage alike."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
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


class SegmentationDataset(Dataset):
    """(image key, label key or None) pairs read through `read`; unlabelled items are all-ignore."""

    def __init__(
        self,
        items: Sequence[tuple[str, str | None]],
        read: Callable[[str], bytes],
        size: tuple[int, int] | None = None,
        augment: bool = False,
    ) -> None:
        self.items = list(items)
        self.read = read
        self.size = size
        self.augment = augment
        self._mean = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
        self._std = torch.tensor(IMAGENET_STD).view(3, 1, 1)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict:
        image_key, label_key = self.items[index]
        image = Image.fromarray(decode_image(self.read(image_key)))
        if label_key is None:
            label = Image.new("L", image.size, IGNORE_INDEX)
        else:
            label = Image.fromarray(decode_label(self.read(label_key)))
        height, width = self.size or (image.height, image.width)
        if self.augment:
            image, label = self._scale_crop(image, label, height, width)
        else:
            image = image.resize((width, height), Image.BILINEAR)
            label = label.resize((width, height), Image.NEAREST)
        image_t = torch.from_numpy(np.array(image)).permute(2, 0, 1).float().div_(255)
        label_t = torch.from_numpy(np.array(label)).long()
        if self.augment and torch.rand(()) < 0.5:
            image_t, label_t = image_t.flip(-1), label_t.flip(-1)
        return {"image": (image_t - self._mean) / self._std, "label": label_t, "index": index}

    @staticmethod
    def _scale_crop(
        image: Image.Image, label: Image.Image, height: int, width: int
    ) -> tuple[Image.Image, Image.Image]:
        """Zoom in by up to 25 % and crop back: mild, so street geometry stays plausible."""
        scale = 1.0 + 0.25 * float(torch.rand(()))
        h, w = round(height * scale), round(width * scale)
        top = int(torch.randint(0, h - height + 1, ()))
        left = int(torch.randint(0, w - width + 1, ()))
        box = (left, top, left + width, top + height)
        image = image.resize((w, h), Image.BILINEAR).crop(box)
        label = label.resize((w, h), Image.NEAREST).crop(box)
        return image, label


def infinite_batches(dataset: Dataset, batch_size: int, seed: int = 0) -> Iterator[dict]:
    """Endless reshuffled batches; a dataset smaller than a batch yields whole-dataset batches."""
    if len(dataset) == 0:
        raise ValueError("cannot draw batches from an empty dataset")
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        drop_last=len(dataset) >= batch_size,
        num_workers=0,
        generator=generator,
    )
    while True:
        yield from loader
