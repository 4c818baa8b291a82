"""Segmentation metrics from an accumulated confusion matrix, as in the Cityscapes protocol."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

from worker.ml.models import Segmenter
from worker.ml.training import predict


def confusion_matrix(
    pred: np.ndarray | Tensor,
    target: np.ndarray | Tensor,
    num_classes: int,
    ignore_index: int = 255,
) -> np.ndarray:
    """[C, C] int64 counts, rows = ground truth, columns = prediction; sum them across batches."""
    pred = pred.detach().cpu().numpy() if isinstance(pred, Tensor) else np.asarray(pred)
    target = target.detach().cpu().numpy() if isinstance(target, Tensor) else np.asarray(target)
    if pred.shape != target.shape:
        raise ValueError(f"prediction {pred.shape} and target {target.shape} differ in shape")
    valid = (target != ignore_index) & (target >= 0) & (target < num_classes)
    index = target[valid].astype(np.int64) * num_classes + pred[valid].astype(np.int64)
    return np.bincount(index, minlength=num_classes**2).reshape(num_classes, num_classes)


def iou_from_confusion(conf: np.ndarray | Tensor) -> tuple[float, list[float | None]]:
    """Mean IoU over the classes that occur in the prediction or the ground truth.

    A class absent from both has no IoU (None) rather than 0 or 1, so small validation sets
    are not punished or rewarded for classes they do not contain. With no class at all, 0.0.
    """
    conf = np.asarray(conf.cpu() if isinstance(conf, Tensor) else conf, dtype=np.float64)
    intersection = np.diag(conf)
    union = conf.sum(0) + conf.sum(1) - intersection
    per_class = [float(i / u) if u > 0 else None for i, u in zip(intersection, union, strict=True)]
    present = [v for v in per_class if v is not None]
    return (float(np.mean(present)) if present else 0.0), per_class


@torch.no_grad()
def evaluate(
    model: Segmenter, dataset: Dataset, num_classes: int, batch_size: int = 8, device: str = "cpu"
) -> dict:
    """mIoU, per-class IoU and pixel accuracy of `model` on a labelled dataset."""
    model.to(device)
    conf = np.zeros((num_classes, num_classes), dtype=np.int64)
    for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=0):
        pred = predict(model, batch["image"]).argmax(1)
        conf += confusion_matrix(pred, batch["label"], num_classes)
    miou, per_class = iou_from_confusion(conf)
    total = conf.sum()
    return {
        "miou": miou,
        "per_class_iou": per_class,
        "pixel_accuracy": float(np.trace(conf) / total) if total else 0.0,
    }
