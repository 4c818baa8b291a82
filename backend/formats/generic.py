"""The generic layout: `images/`, `labels/` (single-channel class-id PNGs, same stems) and an
optional `classes.json`. Export writes indexed PNGs whose palette shows the class colours."""

import zipfile
from collections.abc import Callable, Iterable
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
    classes_json,
    decode_ids,
    find_root,
    identity_codes,
    indexed_png,
    parse_classes,
    read_classes_json,
    write_image,
)

Decode = Callable[[bytes, str, int], np.ndarray]


def paired_samples(folder: Folder, root: Path, decode: Decode, max_pixels: int) -> list[Sample]:
    """`images/<stem>.*` paired with `labels/<stem>.png`; orphans and duplicates are skipped."""
    samples: dict[str, Sample] = {}
    label_dir = root / "labels"
    for image in folder.images(root / "images"):
        if image.stem in samples:
            folder.skip(image, f"another image is already named {image.stem!r}")
            continue
        label = label_dir / f"{image.stem}.png"
        load = None
        if label.is_file():
            what = folder.rel(label)

            def load(label=label, what=what) -> np.ndarray:
                return decode(folder.read(label), what, max_pixels)

        samples[image.stem] = Sample(image.stem, image, folder.rel(label), load)
    for label in folder.files(label_dir):
        if label.suffix.lower() != ".png" or label.stem not in samples:
            folder.skip(label, "no image of the same name in images/")
    return list(samples.values())


def paired_root(folder: Path) -> Path:
    return find_root(
        folder,
        lambda p: (p / "images").is_dir(),
        "an images/ folder (and labels/ for labelled datasets)",
    )


def read(path: Path, options: ReadOptions) -> Source:
    folder = Folder(path)
    root = paired_root(folder.root)
    samples = paired_samples(folder, root, decode_ids, options.max_pixels)
    table = read_classes_json(folder, root, folder.root)
    classes = parse_classes(table, "classes.json") if table is not None else None
    ids = [c["id"] for c in classes] if classes else range(255)
    return Source(folder, samples, classes, identity_codes(ids))


def write_paired(
    zf: zipfile.ZipFile,
    classes: ClassTable | None,
    items: Iterable[ExportItem],
    options: WriteOptions,
    encode: Callable[[np.ndarray], bytes],
) -> int:
    count = 0
    for item in items:
        write_image(zf, f"images/{item.name}{item.image_suffix}", item, options)
        zf.writestr(f"labels/{item.name}.png", encode(item.labels))
        count += 1
    if classes is not None:
        zf.writestr("classes.json", classes_json(classes))
    return count


def write(
    zf: zipfile.ZipFile, classes: ClassTable, items: Iterable[ExportItem], options: WriteOptions
) -> int:
    return write_paired(zf, classes, items, options, lambda labels: indexed_png(labels, classes))
