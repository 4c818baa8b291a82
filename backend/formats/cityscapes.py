"""Cityscapes: `leftImg8bit/<split>/<city>/<name>_leftImg8bit.png` with
`gtFine/<split>/<city>/<name>_gtFine_labelIds.png`, read through the official labelId -> trainId
table (19 classes, everything else ignored), exactly as cityscapesScripts' `labels.py` does."""

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from backend.formats.base import (
    ClassTable,
    ExportItem,
    Folder,
    ReadOptions,
    Sample,
    Source,
    WriteOptions,
    as_png,
    decode_ids,
    encode_png,
    find_root,
    project_to_format,
)
from backend.images import IGNORE_INDEX, InvalidInput

# (labelId, name, trainId) for all 34 labels of cityscapesScripts/helpers/labels.py.
LABELS = (
    (0, "unlabeled", IGNORE_INDEX),
    (1, "ego vehicle", IGNORE_INDEX),
    (2, "rectification border", IGNORE_INDEX),
    (3, "out of roi", IGNORE_INDEX),
    (4, "static", IGNORE_INDEX),
    (5, "dynamic", IGNORE_INDEX),
    (6, "ground", IGNORE_INDEX),
    (7, "road", 0),
    (8, "sidewalk", 1),
    (9, "parking", IGNORE_INDEX),
    (10, "rail track", IGNORE_INDEX),
    (11, "building", 2),
    (12, "wall", 3),
    (13, "fence", 4),
    (14, "guard rail", IGNORE_INDEX),
    (15, "bridge", IGNORE_INDEX),
    (16, "tunnel", IGNORE_INDEX),
    (17, "pole", 5),
    (18, "polegroup", IGNORE_INDEX),
    (19, "traffic light", 6),
    (20, "traffic sign", 7),
    (21, "vegetation", 8),
    (22, "terrain", 9),
    (23, "sky", 10),
    (24, "person", 11),
    (25, "rider", 12),
    (26, "car", 13),
    (27, "truck", 14),
    (28, "bus", 15),
    (29, "caravan", IGNORE_INDEX),
    (30, "trailer", IGNORE_INDEX),
    (31, "train", 16),
    (32, "motorcycle", 17),
    (33, "bicycle", 18),
)
LABEL_TO_TRAIN = {label_id: train_id for label_id, _, train_id in LABELS}
LABEL_NAMES = {label_id: name for label_id, name, _ in LABELS}
TRAIN_TO_LABEL = {
    train_id: label_id for label_id, _, train_id in LABELS if train_id != IGNORE_INDEX
}
UNLABELLED = 0
_COLOURS = (
    "#804080", "#f423e8", "#464646", "#66669c", "#be9999", "#999999", "#faaa1e", "#dcdc00",
    "#6b8e23", "#98fb98", "#4682b4", "#dc143c", "#ff0000", "#00008e", "#000046", "#003c64",
    "#005064", "#0000e6", "#770b20",
)  # fmt: skip
CLASSES: ClassTable = [
    {"id": train_id, "name": name, "colour": _COLOURS[train_id]}
    for _, name, train_id in sorted(LABELS, key=lambda label: label[2])
    if train_id != IGNORE_INDEX
]
IMAGE_SUFFIX = "_leftImg8bit.png"
LABEL_SUFFIX = "_gtFine_labelIds.png"
DEFAULT_SPLIT = "train"


def _root(path: Path) -> Path:
    return find_root(
        path, lambda p: (p / "leftImg8bit").is_dir(), "leftImg8bit/ and gtFine/ folders"
    )


def read(path: Path, options: ReadOptions) -> Source:
    folder = Folder(path)
    root = _root(folder.root)
    split = options.split or DEFAULT_SPLIT
    image_dir = root / "leftImg8bit" / split
    if not image_dir.is_dir():
        found = sorted(p.name for p in (root / "leftImg8bit").iterdir() if p.is_dir())
        raise InvalidInput(f"leftImg8bit/{split} does not exist; splits found: {found}")
    samples = []
    for city in sorted(p for p in image_dir.iterdir() if p.is_dir()):
        for image in folder.files(city):
            if not image.name.endswith(IMAGE_SUFFIX):
                folder.skip(image, f"not a *{IMAGE_SUFFIX} image")
                continue
            name = image.name.removesuffix(IMAGE_SUFFIX)
            label = root / "gtFine" / split / city.name / f"{name}{LABEL_SUFFIX}"
            load = None
            if label.is_file():

                def load(label=label) -> np.ndarray:
                    return decode_ids(folder.read(label), folder.rel(label), options.max_pixels)

            samples.append(Sample(name, image, folder.rel(label), load))
    return Source(folder, samples, CLASSES, dict(LABEL_TO_TRAIN), describe_label_id)


def describe_label_id(code: int) -> str:
    """Unknown ids are reported as the labelIds in the user's files, with their names."""
    return f"{code} ({LABEL_NAMES[code]})" if code in LABEL_NAMES else str(code)


def _city(name: str) -> str:
    """Cityscapes names are <city>_<sequence>_<frame>; other names go to one folder."""
    match = re.fullmatch(r"([A-Za-z\-]+)_\d+_\d+", name)
    return match.group(1) if match else "segloop"


def write(
    zf: zipfile.ZipFile, classes: ClassTable, items: Iterable[ExportItem], options: WriteOptions
) -> int:
    to_train = project_to_format(classes, CLASSES, "cityscapes")
    to_label = np.full(256, UNLABELLED, dtype=np.uint8)
    for train_id, label_id in TRAIN_TO_LABEL.items():
        to_label[train_id] = label_id
    count = 0
    for item in items:
        city = _city(item.name)
        if options.include_images:
            path = f"leftImg8bit/{options.split}/{city}/{item.name}{IMAGE_SUFFIX}"
            zf.writestr(path, as_png(item))
        label_ids = to_label[to_train[item.labels]]
        path = f"gtFine/{options.split}/{city}/{item.name}{LABEL_SUFFIX}"
        zf.writestr(path, encode_png(label_ids, "L"))
        count += 1
    return count
