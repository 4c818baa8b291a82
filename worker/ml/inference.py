"""Model A for serving: load a round's checkpoint, segment images at their own resolution with
the training preprocessing, and export it as TorchScript."""

from __future__ import annotations

import io

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from worker.ml.data import SegmentationDataset
from worker.ml.models import Segmenter, build_segmenter


def load_segmenter(
    state_dict: dict[str, torch.Tensor],
    num_classes: int,
    backbone: str,
    device: str = "cpu",
    output_stride: int = 16,
) -> Segmenter:
    model = build_segmenter(num_classes, backbone, output_stride=output_stride)
    model.load_state_dict(state_dict)
    return model.to(device).eval()


def preprocess(data: bytes, size: tuple[int, int]) -> torch.Tensor:
    """[1, 3, h, w] exactly as training sees an image (resized, RGB in [0, 1])."""
    return SegmentationDataset([("image", None)], lambda _: data, size=size)[0]["image"][None]


@torch.no_grad()
def predict_labels(model: Segmenter, data: bytes, size: tuple[int, int]) -> np.ndarray:
    """Class ids [H, W] (uint8) at the image's own resolution."""
    x = preprocess(data, size)
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
    device = next(model.parameters()).device
    logits = model(x.to(device))
    logits = F.interpolate(logits, size=(height, width), mode="bilinear", align_corners=False)
    return logits.argmax(1)[0].to(torch.uint8).cpu().numpy()


def torchscript(model: Segmenter, size: tuple[int, int]) -> bytes:
    """A traced model that needs no segloop code: logits [N, C, H, W] at the input size."""
    example = torch.zeros(1, 3, *size, device=next(model.parameters()).device)
    traced = torch.jit.trace(model.eval(), example)
    buffer = io.BytesIO()
    torch.jit.save(traced, buffer)
    return buffer.getvalue()


def preprocessing(size: tuple[int, int]) -> dict:
    """What a caller must do to an image before the model, as data."""
    return {
        "channels": "RGB",
        "resize": {"height": size[0], "width": size[1], "interpolation": "bilinear"},
        "scale": 1 / 255,
        "normalise": "none: the model normalises its [0, 1] input itself",
        "layout": "NCHW float32",
        "output": "logits [N, classes, H, W] at the input size; upsample to the image, argmax",
    }
