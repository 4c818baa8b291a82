"""COCO: `annotations.json` (images, categories, one RLE mask per image and class) beside
`images/`. Masks go through pycocotools, so every COCO tool reads them; reading also accepts
polygons and uncompressed RLE. Category ids are class id + 1 (COCO keeps 0 for "nothing");
on import, categories sorted by id become classes 0..N-1, and uncovered pixels are unlabelled."""

import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypedDict, cast

import numpy as np
from pycocotools import mask as mask_utils

from backend.formats.base import (
    ClassTable,
    ExportItem,
    Folder,
    ReadOptions,
    Sample,
    Source,
    WriteOptions,
    find_root,
    safe_member,
    write_image,
)
from backend.images import IGNORE_INDEX, InvalidInput

ANNOTATIONS = "annotations.json"
NOTHING = -1


class RLE(TypedDict):
    """A compressed run-length encoded mask, as pycocotools reads and writes it."""

    size: list[int]
    counts: str | bytes


def _annotation_files(root: Path) -> list[Path]:
    if (root / ANNOTATIONS).is_file():
        return [root / ANNOTATIONS]
    return sorted(
        p
        for directory in (root, root / "annotations")
        if directory.is_dir()
        for p in directory.glob("*.json")
        if p.name != "classes.json"
    )


def _load(folder: Folder, root: Path, split: str | None) -> tuple[Path, dict[str, Any]]:
    files = _annotation_files(root)
    if split is not None:
        files = [p for p in files if p.stem == split]
    if len(files) != 1:
        names = [folder.rel(p) for p in _annotation_files(root)]
        raise InvalidInput(
            f"expected one COCO annotation file, found {names}; choose one with split=<file stem>"
        )
    try:
        data = json.loads(folder.read(files[0]))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{folder.rel(files[0])}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), list) for k in ("images", "annotations", "categories")
    ):
        raise InvalidInput(f"{folder.rel(files[0])}: needs images, annotations and categories")
    return files[0], data


def _rle(segmentation: Any, height: int, width: int, what: str) -> RLE:
    try:
        if isinstance(segmentation, list):
            return mask_utils.merge(mask_utils.frPyObjects(segmentation, height, width))
        if isinstance(segmentation.get("counts"), list):
            return mask_utils.frPyObjects(segmentation, height, width)
        # The JSON's compressed RLE as it is: its size is checked below, decode() its counts.
        rle = cast(RLE, dict(segmentation))
    except (AttributeError, TypeError, ValueError, IndexError) as exc:
        raise InvalidInput(f"{what}: unreadable segmentation ({exc})") from exc
    if list(rle.get("size", [])) != [height, width]:
        raise InvalidInput(f"{what}: mask size {rle.get('size')} is not {[height, width]}")
    return rle


def _painter(
    height: int, width: int, annotations: list[dict[str, Any]], what: str, max_pixels: int
):
    """Paint each annotation's mask with its category id, later ones on top."""

    def load() -> np.ndarray:
        if not 0 < height * width <= max_pixels:
            raise InvalidInput(f"{what}: {width}x{height} is not a valid size (limit {max_pixels})")
        labels = np.full((height, width), NOTHING, dtype=np.int32)
        for annotation in annotations:
            rle = _rle(annotation.get("segmentation"), height, width, what)
            try:
                mask = mask_utils.decode(rle).astype(bool)
                labels[mask] = int(annotation["category_id"])
            except (KeyError, TypeError, ValueError) as exc:
                raise InvalidInput(f"{what}: unreadable annotation ({exc!r})") from exc
        return labels

    return load


def read(path: Path, options: ReadOptions) -> Source:
    folder = Folder(path)
    root = find_root(folder.root, lambda p: bool(_annotation_files(p)), "a COCO annotations.json")
    file, data = _load(folder, root, options.split)
    what = folder.rel(file)
    try:
        categories = sorted(data["categories"], key=lambda c: int(c["id"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"{what}: every category needs an integer id ({exc!r})") from exc
    if len(categories) > 255:
        raise InvalidInput(f"{what}: {len(categories)} categories; at most 255 fit 8-bit labels")
    classes = [
        {"id": i, "name": str(c.get("name", i)), "colour": None} for i, c in enumerate(categories)
    ]
    codes = {int(c["id"]): i for i, c in enumerate(categories)} | {NOTHING: IGNORE_INDEX}
    by_image: dict[Any, list[dict[str, Any]]] = defaultdict(list)  # keyed by the JSON's ids
    for annotation in data["annotations"]:
        if isinstance(annotation, dict):
            by_image[annotation.get("image_id")].append(annotation)
    image_dir = root / "images" if (root / "images").is_dir() else root
    listed, samples = set(), []
    for entry in data["images"]:
        try:
            file_name = str(entry["file_name"])
            height, width = int(entry["height"]), int(entry["width"])
            annotations = by_image[entry["id"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"{what}: malformed image entry ({exc!r})") from exc
        image = image_dir / safe_member(file_name, what)
        listed.add(image)
        if not image.is_file():
            folder.skip(image, f"listed in {what} but missing")
            continue
        label_what = f"{what} (image {file_name})"
        load = _painter(height, width, annotations, label_what, options.max_pixels)
        samples.append(Sample(image.stem, image, label_what, load))
    for image in folder.images(image_dir):
        if image not in listed:
            folder.skip(image, f"not listed in {what}")
    return Source(folder, samples, classes, codes)


def write(
    zf: zipfile.ZipFile, classes: ClassTable, items: Iterable[ExportItem], options: WriteOptions
) -> int:
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for image_id, item in enumerate(items, start=1):
        height, width = item.labels.shape
        file_name = f"{item.name}{item.image_suffix}"
        write_image(zf, f"images/{file_name}", item, options)
        images.append({"id": image_id, "file_name": file_name, "width": width, "height": height})
        for class_id in np.unique(item.labels).tolist():
            if class_id == IGNORE_INDEX:
                continue
            rle = mask_utils.encode(np.asfortranarray(item.labels == class_id, dtype=np.uint8))
            counts = rle["counts"]  # bytes from encode; the JSON holds text
            if isinstance(counts, bytes):
                counts = counts.decode()
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": class_id + 1,
                    "segmentation": {"size": rle["size"], "counts": counts},
                    "area": float(mask_utils.area(rle)),
                    "bbox": [float(v) for v in mask_utils.toBbox(rle)],
                    "iscrowd": 0,
                }
            )
    categories = [
        {"id": c["id"] + 1, "name": c["name"], "supercategory": "", "color": c.get("colour")}
        for c in classes
    ]
    body = {"images": images, "annotations": annotations, "categories": categories}
    zf.writestr(ANNOTATIONS, json.dumps(body))
    return len(images)
