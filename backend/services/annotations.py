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
    return overlay((label_map(storage, a, width, height) for a in annotations), width, height)


def overlay(maps: Iterable[np.ndarray | None], width: int, height: int) -> np.ndarray:
    """One H x W map from several (None: none), oldest first: a later one wins where it labels
    a pixel; blank where none does."""
    merged = None
    for labels in maps:
        if labels is not None:
            merged = labels if merged is None else np.where(labels != IGNORE_INDEX, labels, merged)
    if merged is None:
        return np.full((height, width), IGNORE_INDEX, dtype=np.uint8)
    return merged.astype(np.uint8)  # a copy: the caller may write to it


def count_segments(labels: np.ndarray) -> int:
    """Connected areas of one class (4-neighbours) among a map's labelled pixels.

    Union-find over the labelled pixels only, vectorised: each pass hooks every root onto
    the smallest root it touches, then jumps pointers to the roots, so the passes number
    about the log of the largest area. A region task's map is masked to the pixels it asked
    for, which keeps this small."""
    height, width = labels.shape
    flat = labels.ravel()
    nodes = np.flatnonzero(flat != IGNORE_INDEX)
    if len(nodes) == 0:
        return 0
    edges = []
    for step, same_row in ((1, True), (width, False)):
        neighbour = np.searchsorted(nodes, nodes + step)
        found = neighbour < len(nodes)
        found[found] &= nodes[neighbour[found]] == nodes[found] + step
        if same_row:
            found &= (nodes % width) != width - 1
        found[found] &= flat[nodes[found]] == flat[nodes[neighbour[found]]]
        edges.append((np.flatnonzero(found), neighbour[found]))
    a = np.concatenate([e[0] for e in edges])
    b = np.concatenate([e[1] for e in edges])
    parent = np.arange(len(nodes))
    while True:
        root_a, root_b = parent[a], parent[b]
        apart = root_a != root_b
        if not apart.any():
            break
        low = np.minimum(root_a[apart], root_b[apart])
        high = np.maximum(root_a[apart], root_b[apart])
        np.minimum.at(parent, high, low)
        while not np.array_equal(jumped := parent[parent], parent):
            parent = jumped
    return int((parent == np.arange(len(nodes))).sum())


def effort(region: np.ndarray | None, point_labels: np.ndarray | None) -> dict[str, int]:
    """What a submission counts in the ledger: its labelled points, and its region map's
    painted pixels and segments."""
    counts = {"points": 0, "painted_pixels": 0, "segments": 0}
    if point_labels is not None:
        counts["points"] = int(np.count_nonzero(point_labels != IGNORE_INDEX))
    if region is not None:
        counts["painted_pixels"] = int(np.count_nonzero(region != IGNORE_INDEX))
        counts["segments"] = count_segments(region)
    return counts
