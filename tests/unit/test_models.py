import logging
import os
from pathlib import Path

import pytest
import torch
import torchvision

from worker.ml.models import (
    BACKBONES,
    ASPPClassifier,
    build_backbone,
    build_segmenter,
    build_selector,
)

torch.set_num_threads(1)

CHANNELS = {
    "mobilenet_v3_small": 576,
    "mobilenet_v3_large": 960,
    "resnet18": 512,
    "resnet50": 2048,
    "resnet101": 2048,
}


@pytest.mark.parametrize("name", BACKBONES)
def test_backbones_run_at_output_stride_8(name: str) -> None:
    backbone, channels = build_backbone(name)
    with torch.no_grad():
        features = backbone.eval()(torch.randn(1, 3, 64, 96))
    assert channels == CHANNELS[name]
    assert features.shape == (1, channels, 8, 12)


def test_unknown_backbone_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="resnet101"):
        build_backbone("vgg16")


def test_segmenter_logits_match_the_input_size_even_when_not_divisible_by_8() -> None:
    model = build_segmenter(num_classes=5).eval()
    with torch.no_grad():
        logits, features = model.forward_with_features(torch.randn(2, 3, 61, 83))
        plain = model(torch.randn(2, 3, 61, 83))
    assert logits.shape == plain.shape == (2, 5, 61, 83)
    assert features.shape == (2, 576, 8, 11)
    assert (model.num_classes, model.backbone_name) == (5, "mobilenet_v3_small")


def test_aspp_sees_context_24_feature_cells_away() -> None:
    head = ASPPClassifier(in_channels=1, num_classes=1)
    features = torch.zeros(1, 1, 1, 49)
    with torch.no_grad():
        before = head(features)[0, 0, 0, 24].item()
        features[0, 0, 0, 48] = 1.0
        after = head(features)[0, 0, 0, 24].item()
    assert after != before


def test_selector_starts_from_the_segmenter_with_a_different_second_head() -> None:
    segmenter = build_segmenter(num_classes=4).eval()
    selector = build_selector(segmenter).eval()
    images = torch.randn(2, 3, 48, 64)
    with torch.no_grad():
        expected = segmenter(images)
        logits1, logits2, features = selector(images)
    torch.testing.assert_close(logits1, expected)
    assert logits2.shape == logits1.shape
    assert not torch.allclose(logits1, logits2)
    assert features.shape == (2, 576, 6, 8)


def test_selector_owns_a_copy_so_training_it_leaves_the_segmenter_alone() -> None:
    segmenter = build_segmenter(num_classes=4)
    before = {k: v.clone() for k, v in segmenter.state_dict().items()}
    selector = build_selector(segmenter)
    with torch.no_grad():
        for p in selector.parameters():
            p.add_(1.0)
    for key, value in segmenter.state_dict().items():
        torch.testing.assert_close(value, before[key])


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

    backbone, _ = build_backbone("mobilenet_v3_small", pretrained=True)

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

    backbone, _ = build_backbone("resnet18", pretrained=True)

    torch.testing.assert_close(backbone.layer4[1].conv2.weight, reference.layer4[1].conv2.weight)


def test_missing_weights_offline_warn_and_fall_back_to_random_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(torch.hub, "download_url_to_file", _no_network)
    with caplog.at_level(logging.WARNING, logger="worker.ml.models"):
        model = build_segmenter(num_classes=3, pretrained=True)
    assert "ImageNet weights for mobilenet_v3_small not available offline" in caplog.text
    assert model(torch.randn(1, 3, 32, 32)).shape == (1, 3, 32, 32)
