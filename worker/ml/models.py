"""Segmentation network A and LabOR's dual-head pixel selector B.

Both are DeepLabv2-style: a backbone at output stride 8 followed by an ASPP classifier that sums
dilated 3x3 convolutions. ResNet-101 + ASPP is the paper's network; the light backbones keep the
same head so CPU runs exercise the same code path.
"""

from __future__ import annotations

import copy
import logging

import torch
import torch.nn.functional as F
import torchvision
from torch import nn

logger = logging.getLogger(__name__)

BACKBONES = ("mobilenet_v3_small", "mobilenet_v3_large", "resnet18", "resnet50", "resnet101")

_WEIGHTS = {
    "mobilenet_v3_small": torchvision.models.MobileNet_V3_Small_Weights.IMAGENET1K_V1,
    "mobilenet_v3_large": torchvision.models.MobileNet_V3_Large_Weights.IMAGENET1K_V1,
    "resnet18": torchvision.models.ResNet18_Weights.IMAGENET1K_V1,
    "resnet50": torchvision.models.ResNet50_Weights.IMAGENET1K_V1,
    "resnet101": torchvision.models.ResNet101_Weights.IMAGENET1K_V1,
}


def _imagenet_state_dict(name: str) -> dict[str, torch.Tensor] | None:
    """ImageNet weights from torch hub's cache, or downloaded; None when neither works.

    Workers often run without internet: a missing file must degrade to random initialisation,
    not fail the round.
    """
    try:
        return _WEIGHTS[name].get_state_dict(progress=False)
    except Exception as exc:  # offline, proxy, corrupt file: all mean "no weights"
        logger.warning(
            "ImageNet weights for %s not available offline; using random initialisation (%s)",
            name,
            exc,
        )
        return None


def _set_dilation(conv: nn.Conv2d, dilation: int) -> None:
    conv.dilation = (dilation, dilation)
    conv.padding = ((conv.kernel_size[0] - 1) // 2 * dilation,) * 2


def _dilate_mobilenet(features: nn.Sequential, output_stride: int = 8) -> None:
    """Trade the strides after `output_stride` for dilation, as DeepLab does for ResNets.

    MobileNetV3 only strides in single depthwise convolutions (no strided shortcut), so walking
    the convolutions in order is enough.
    """
    stride, dilation = 1, 1
    for module in features.modules():
        if not isinstance(module, nn.Conv2d):
            continue
        conv_dilation = dilation
        if module.stride[0] > 1:
            if stride >= output_stride:
                dilation *= module.stride[0]
                module.stride = (1, 1)
            else:
                stride *= module.stride[0]
        if module.kernel_size[0] > 1:
            _set_dilation(module, conv_dilation)


def _dilate_basic_resnet(model: torchvision.models.ResNet) -> None:
    """Output stride 8 for BasicBlock ResNets, which torchvision refuses to dilate."""
    dilation = 1
    for layer in (model.layer3, model.layer4):
        previous, dilation = dilation, dilation * 2
        for i, block in enumerate(layer):
            block.conv1.stride = (1, 1)
            _set_dilation(block.conv1, previous if i == 0 else dilation)
            _set_dilation(block.conv2, dilation)
            if block.downsample is not None:
                block.downsample[0].stride = (1, 1)


class _ResNetFeatures(nn.Module):
    def __init__(self, resnet: torchvision.models.ResNet) -> None:
        super().__init__()
        self.stem = nn.Sequential(resnet.conv1, resnet.bn1, resnet.relu, resnet.maxpool)
        self.layer1 = resnet.layer1
        self.layer2 = resnet.layer2
        self.layer3 = resnet.layer3
        self.layer4 = resnet.layer4

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


def build_backbone(name: str, pretrained: bool = False) -> tuple[nn.Module, int]:
    """Feature extractor at output stride 8 and its number of output channels."""
    if name not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; choose one of {', '.join(BACKBONES)}")
    state_dict = _imagenet_state_dict(name) if pretrained else None
    if name.startswith("mobilenet"):
        net = getattr(torchvision.models, name)()
        if state_dict is not None:
            net.load_state_dict(state_dict)
        _dilate_mobilenet(net.features)
        for module in net.features.modules():
            if isinstance(module, nn.BatchNorm2d):
                # torchvision's 0.01 suits ImageNet epochs; a few hundred iterations (and a new
                # domain) would leave the running statistics far from the data.
                module.momentum = 0.1
        return net.features, net.features[-1].out_channels
    if name == "resnet18":
        net = torchvision.models.resnet18()
        _dilate_basic_resnet(net)
    else:
        net = getattr(torchvision.models, name)(replace_stride_with_dilation=[False, True, True])
    if state_dict is not None:
        net.load_state_dict(state_dict)
    return _ResNetFeatures(net), net.fc.in_features


class ASPPClassifier(nn.Module):
    """DeepLabv2's classifier: the sum of dilated 3x3 convolutions, one per field of view."""

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
            nn.init.normal_(conv.weight, std=0.01)
            nn.init.zeros_(conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sum(conv(x) for conv in self.convs)


def _upsample(logits: torch.Tensor, size: torch.Size) -> torch.Tensor:
    return F.interpolate(logits, size=size, mode="bilinear", align_corners=False)


class Segmenter(nn.Module):
    """Model A: backbone + ASPP, logits at the input resolution."""

    def __init__(
        self, backbone: nn.Module, feature_channels: int, num_classes: int, backbone_name: str
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.classifier = ASPPClassifier(feature_channels, num_classes)
        self.num_classes = num_classes
        self.backbone_name = backbone_name
        self.feature_channels = feature_channels

    def forward_with_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.backbone(x)
        return _upsample(self.classifier(features), x.shape[-2:]), features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_with_features(x)[0]


class DualHeadSelector(nn.Module):
    """LabOR's selector B: two classifiers on one backbone; where they disagree, ask a human."""

    def __init__(self, backbone: nn.Module, head1: nn.Module, head2: nn.Module) -> None:
        super().__init__()
        self.backbone = backbone
        self.head1 = head1
        self.head2 = head2

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        features = self.backbone(x)
        size = x.shape[-2:]
        return (
            _upsample(self.head1(features), size),
            _upsample(self.head2(features), size),
            features,
        )


def build_segmenter(
    num_classes: int, backbone: str = "mobilenet_v3_small", pretrained: bool = False
) -> Segmenter:
    features, channels = build_backbone(backbone, pretrained)
    return Segmenter(features, channels, num_classes, backbone)


def build_selector(segmenter: Segmenter) -> DualHeadSelector:
    """Start B from A, with one head re-drawn: identical heads would never disagree."""
    head2 = copy.deepcopy(segmenter.classifier)
    head2.reset_parameters()
    return DualHeadSelector(
        copy.deepcopy(segmenter.backbone), copy.deepcopy(segmenter.classifier), head2
    )
