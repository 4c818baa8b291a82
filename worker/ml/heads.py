"""Segmentation heads: DeepLabv3+ for the light backbones, DeepLabv2's ASPP classifier for the
paper's ResNet setting.

A model is ``encoder -> head``; a head returns ``(logits, features)`` at its own resolution,
``features`` being what the last classifier layer reads (class prototypes live there). LabOR's
selector B puts two heads on one encoder, so everything a head needs is in the encoder's
output.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def _conv_bn_relu(c_in: int, c_out: int, kernel: int = 1, dilation: int = 1) -> nn.Sequential:
    if kernel == 1:
        conv: nn.Module = nn.Conv2d(c_in, c_out, 1, bias=False)
    else:  # depthwise-separable: DeepLabv3+'s choice, a fraction of a full 3x3's cost
        pad = dilation * (kernel // 2)
        conv = nn.Sequential(
            nn.Conv2d(c_in, c_in, kernel, padding=pad, dilation=dilation, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_out, 1, bias=False),
        )
    return nn.Sequential(conv, nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class ASPP(nn.Module):
    """DeepLabv3's atrous spatial pyramid pooling: a 1x1 branch, dilated 3x3 branches and the
    image's mean, concatenated and projected."""

    def __init__(self, c_in: int, c_out: int, rates: tuple[int, ...]) -> None:
        super().__init__()
        self.branches = nn.ModuleList(
            [_conv_bn_relu(c_in, c_out)] + [_conv_bn_relu(c_in, c_out, 3, r) for r in rates]
        )
        self.pool = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(c_in, c_out, 1, bias=False), nn.ReLU(inplace=True)
        )
        self.project = _conv_bn_relu(c_out * (len(rates) + 2), c_out)

    def forward(self, x: Tensor) -> Tensor:
        pooled = self.pool(x).expand(-1, -1, *x.shape[-2:])
        return self.project(torch.cat([b(x) for b in self.branches] + [pooled], dim=1))


class DeepLabV3PlusEncoder(nn.Module):
    """Backbone + ASPP + DeepLabv3+'s low-level skip, up to the concatenation at stride 4.

    `backbone(x)` returns (stride-4 features, deep features); ASPP rates are given for output
    stride 16 at a ~256-pixel input and doubled at stride 8 (DeepLab's 6/12/18 assume 513)."""

    def __init__(
        self,
        backbone: nn.Module,
        low_channels: int,
        channels: int,
        output_stride: int = 16,
        aspp_channels: int = 128,
        skip_channels: int = 48,
        rates: tuple[int, ...] = (3, 6, 9),
    ) -> None:
        super().__init__()
        self.backbone = backbone
        scale = 16 // output_stride
        self.aspp = ASPP(channels, aspp_channels, tuple(r * scale for r in rates))
        self.skip = _conv_bn_relu(low_channels, skip_channels)
        self.out_channels = aspp_channels + skip_channels

    def forward(self, x: Tensor) -> Tensor:
        low, deep = self.backbone(x)
        context = F.interpolate(
            self.aspp(deep), size=low.shape[-2:], mode="bilinear", align_corners=False
        )
        return torch.cat([context, self.skip(low)], dim=1)


class DeepLabV3PlusHead(nn.Module):
    """DeepLabv3+'s decoder after the concatenation: two 3x3 refinements and the classifier."""

    def __init__(self, c_in: int, num_classes: int, channels: int = 128) -> None:
        super().__init__()
        self.refine = nn.Sequential(
            _conv_bn_relu(c_in, channels, 3), _conv_bn_relu(channels, channels, 3)
        )
        self.classifier = nn.Conv2d(channels, num_classes, 1)

    def reset_parameters(self) -> None:
        for module in self.modules():
            if isinstance(module, nn.Conv2d | nn.BatchNorm2d):
                module.reset_parameters()

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        features = self.refine(x)
        return self.classifier(features), features


class ASPPClassifier(nn.Module):
    """DeepLabv2's classifier: the sum of dilated 3x3 convolutions, one per field of view.
    Its features are its input (the backbone's)."""

    def __init__(
        self, in_channels: int, num_classes: int, dilations: tuple[int, ...] = (6, 12, 18, 24)
    ) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            nn.Conv2d(in_channels, num_classes, 3, padding=d, dilation=d) for d in dilations
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for conv in self.convs:
            nn.init.normal_(conv.get_parameter("weight"), std=0.01)
            nn.init.zeros_(conv.get_parameter("bias"))

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return sum(conv(x) for conv in self.convs), x


# A segmenter's head: features in, (logits, features) out; reset_parameters() re-draws it.
Head = DeepLabV3PlusHead | ASPPClassifier
