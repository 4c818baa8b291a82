"""Segmentation network A and LabOR's dual-head pixel selector B.

A model is ``encoder -> head``. The light backbones (EfficientNet-Lite, the default) use
DeepLabv3+: the encoder runs the backbone, ASPP and the low-level skip, the head refines and
classifies at stride 4. The paper's setting (torchvision's ResNet-101, and the other
torchvision backbones) keeps DeepLabv2: a stride-8 backbone and the ASPP classifier as head.
B is A's encoder with two heads, so both always belong to the same family.

Models take RGB in [0, 1] and normalise as their backbone was trained (ImageNet mean/std, or
[-1, 1] for the TF ports), so datasets, augmentations and exported models need not know.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from worker.ml.backbones import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    LITE,
    TF_MEAN,
    TF_STD,
    TORCHVISION,
    LiteEncoder,
    build_torchvision_backbone,
)
from worker.ml.heads import ASPPClassifier, DeepLabV3PlusEncoder, DeepLabV3PlusHead, Head

BACKBONES = (*LITE, *TORCHVISION)
DEFAULT_BACKBONE = "efficientnet_lite0"


def _upsample(logits: Tensor, size: torch.Size) -> Tensor:
    return F.interpolate(logits, size=size, mode="bilinear", align_corners=False)


def _rename_legacy_keys(state_dict: dict, prefix: str, *_: object) -> None:
    """Checkpoints from before the encoder/head split called them backbone/classifier."""
    for key in list(state_dict):
        for old, new in (("backbone.", "encoder."), ("classifier.", "head.")):
            if key.startswith(prefix + old):
                state_dict[prefix + new + key[len(prefix + old) :]] = state_dict.pop(key)


class _Normalised(nn.Module):
    """Inputs in [0, 1], normalised by the backbone's own statistics (not saved: they follow
    from the backbone's name)."""

    mean: Tensor
    std: Tensor
    encoder: nn.Module

    def __init__(self, backbone_name: str) -> None:
        super().__init__()
        mean, std = (TF_MEAN, TF_STD) if backbone_name in LITE else (IMAGENET_MEAN, IMAGENET_STD)
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1), persistent=False)
        self.backbone_name = backbone_name
        self._register_load_state_dict_pre_hook(_rename_legacy_keys)

    def normalise(self, x: Tensor) -> Tensor:
        return (x - self.mean) / self.std

    def encode(self, x: Tensor) -> Tensor:
        return self.encoder(self.normalise(x))

    def backbone_parameters(self) -> Iterator[nn.Parameter]:
        """The pretrained part (a DeepLabv3+ encoder also holds new ASPP and skip layers)."""
        return getattr(self.encoder, "backbone", self.encoder).parameters()


class Segmenter(_Normalised):
    """Model A: logits at the input resolution, and the head's features."""

    def __init__(
        self, encoder: nn.Module, head: Head, num_classes: int, backbone_name: str
    ) -> None:
        super().__init__(backbone_name)
        self.encoder = encoder
        self.head = head
        self.num_classes = num_classes

    def forward_with_features(self, x: Tensor) -> tuple[Tensor, Tensor]:
        logits, features = self.head(self.encode(x))
        return _upsample(logits, x.shape[-2:]), features

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_with_features(x)[0]


class DualHeadSelector(_Normalised):
    """LabOR's selector B: two heads on one encoder; where they disagree, ask a human."""

    def __init__(self, encoder: nn.Module, head1: Head, head2: Head, backbone_name: str) -> None:
        super().__init__(backbone_name)
        self.encoder = encoder
        self.head1 = head1
        self.head2 = head2

    def forward(self, x: Tensor, encoded: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """Both heads' logits at the size of `x`, and the encoder's output (what both heads
        read, and where LabOR's prototypes are taken). `encoded`, when given, is `x` already
        encoded (a frozen encoder runs once, outside autograd)."""
        if encoded is None:
            encoded = self.encode(x)
        size = x.shape[-2:]
        logits1, logits2 = self.head1(encoded)[0], self.head2(encoded)[0]
        return _upsample(logits1, size), _upsample(logits2, size), encoded


def build_segmenter(
    num_classes: int,
    backbone: str = DEFAULT_BACKBONE,
    pretrained: bool = False,
    output_stride: int = 16,
) -> Segmenter:
    """DeepLabv3+ on an EfficientNet-Lite (at `output_stride` 8 or 16), DeepLabv2 otherwise."""
    encoder: nn.Module
    head: Head
    if backbone in LITE:
        lite = LiteEncoder(backbone, pretrained, output_stride)
        encoder = DeepLabV3PlusEncoder(lite, lite.low_channels, lite.channels, output_stride)
        head = DeepLabV3PlusHead(encoder.out_channels, num_classes)
    elif backbone in TORCHVISION:
        encoder, channels = build_torchvision_backbone(backbone, pretrained)
        head = ASPPClassifier(channels, num_classes)
    else:
        raise ValueError(f"unknown backbone {backbone!r}; choose one of {', '.join(BACKBONES)}")
    return Segmenter(encoder, head, num_classes, backbone)


def build_selector(segmenter: Segmenter) -> DualHeadSelector:
    """Start B from A, with the second head re-drawn: identical heads would never disagree."""
    head2 = copy.deepcopy(segmenter.head)
    head2.reset_parameters()
    return DualHeadSelector(
        copy.deepcopy(segmenter.encoder),
        copy.deepcopy(segmenter.head),
        head2,
        segmenter.backbone_name,
    )
