"""An annotation's label map, wherever it is kept: a region's in a PNG, points in their row."""

import io
from collections.abc import Iterable
from typing import Any

import numpy as np
from PIL import Image as PILImage

from backend.images import IGNORE_INDEX
from backend.models import Annotation
from backend.storage import Storage


def draw_points(points: Iterable[dict[str, Any]], width: int, height: int) -> np.ndarray:
    """H x W uint8: each point's class id at its pixel, IGNORE_INDEX everywhere else."""
    labels = np.full((height, width), IGNORE_INDEX, dtype=np.uint8)
    for point in points:
        labels[point["y"], point["x"]] = point["class_id"]
    return labels


def label_map(storage: Storage, annotation: Annotation, width: int, height: int) -> np.ndarray:
    """The class id per pixel this annotation gave, IGNORE_INDEX where it gave none."""
    if annotation.label_key is None:
        return draw_points(annotation.labels, width, height)
    with PILImage.open(io.BytesIO(storage.get(annotation.label_key))) as image:
        return np.asarray(image, dtype=np.uint8)


def merge_label_maps(
    storage: Storage, annotations: Iterable[Annotation], width: int, height: int
) -> np.ndarray:
    """One map from an image's annotations, oldest first: a later one wins where they overlap."""
    merged = np.full((height, width), IGNORE_INDEX, dtype=np.uint8)
    for annotation in annotations:
        labels = label_map(storage, annotation, width, height)
        merged = np.where(labels != IGNORE_INDEX, labels, merged)
    return merged
