import io

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from worker.ml.data import SegmentationDataset
from worker.ml.metrics import confusion_matrix, evaluate, iou_from_confusion

torch.set_num_threads(1)

TARGET = np.array([[0, 0, 1, 1], [0, 2, 2, 255]])
PRED = np.array([[0, 1, 1, 1], [0, 2, 0, 1]])


def test_confusion_rows_are_ground_truth_and_ignore_is_dropped() -> None:
    conf = confusion_matrix(PRED, TARGET, num_classes=3)
    expected = np.array([[2, 1, 0], [0, 2, 0], [1, 0, 1]])
    np.testing.assert_array_equal(conf, expected)


def test_confusion_accumulates_over_batches_and_takes_tensors() -> None:
    whole = confusion_matrix(PRED, TARGET, 3)
    parts = confusion_matrix(torch.from_numpy(PRED[:1]), torch.from_numpy(TARGET[:1]), 3)
    parts += confusion_matrix(torch.from_numpy(PRED[1:]), torch.from_numpy(TARGET[1:]), 3)
    np.testing.assert_array_equal(parts, whole)


def test_iou_known_answer() -> None:
    miou, per_class = iou_from_confusion(confusion_matrix(PRED, TARGET, 3))
    # class 0: tp 2, fn 1, fp 1 -> 2/4; class 1: tp 2, fp 1 -> 2/3; class 2: tp 1, fn 1 -> 1/2
    assert per_class == pytest.approx([0.5, 2 / 3, 0.5])
    assert miou == pytest.approx((0.5 + 2 / 3 + 0.5) / 3)


def test_classes_absent_from_prediction_and_truth_do_not_count() -> None:
    miou, per_class = iou_from_confusion(confusion_matrix(PRED, TARGET, num_classes=5))
    assert per_class[3:] == [None, None]
    assert miou == pytest.approx((0.5 + 2 / 3 + 0.5) / 3)


def test_predicting_a_class_that_is_not_there_costs_iou() -> None:
    miou, per_class = iou_from_confusion(confusion_matrix(np.array([1, 1]), np.array([0, 0]), 2))
    assert per_class == [0.0, 0.0]
    assert miou == 0.0


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array.astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


class _ColourOracle(nn.Module):
    """Predicts the class a pixel's red channel encodes: right everywhere but where told."""

    def __init__(self) -> None:
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(()))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        red = images[:, 0]  # datasets hand models RGB in [0, 1]
        cls = (red * 255 / 50).round().long().clamp(0, 2)
        return nn.functional.one_hot(cls, 3).permute(0, 3, 1, 2).float() * 10


def test_evaluate_reports_miou_per_class_and_pixel_accuracy() -> None:
    label = np.array([[0, 0, 1, 1], [0, 2, 2, 255]])
    wrong = np.array([[0, 0, 0, 1], [0, 2, 2, 0]])  # the red channel says class 0 at (0, 2)
    image = np.zeros((2, 4, 3))
    image[..., 0] = wrong * 50
    files = {"a.png": _png(image), "a_label.png": _png(label)}
    dataset = SegmentationDataset([("a.png", "a_label.png")] * 3, files.__getitem__)

    result = evaluate(_ColourOracle(), dataset, num_classes=3, batch_size=2)

    # class 0: tp 3, fp 1 -> 3/4; class 1: tp 1, fn 1 -> 1/2; class 2: 2/2; 6 of 7 pixels right
    assert result["per_class_iou"] == pytest.approx([0.75, 0.5, 1.0])
    assert result["miou"] == pytest.approx(0.75)
    assert result["pixel_accuracy"] == pytest.approx(6 / 7)
