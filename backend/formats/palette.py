"""Colour-coded labels: the generic layout with RGB label PNGs, each colour one class, read
through `classes.json` colours (or the project's) and its `ignore_colour` (black by default)."""

import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from backend.formats.base import (
    ClassTable,
    ExportItem,
    Folder,
    ReadOptions,
    Source,
    WriteOptions,
    code_to_hex,
    colour_of,
    decode_colours,
    encode_png,
    hex_to_code,
    ignore_colour,
    parse_classes,
    read_classes_json,
)
from backend.formats.generic import paired_root, paired_samples, write_paired
from backend.images import IGNORE_INDEX, InvalidInput


def read(path: Path, options: ReadOptions) -> Source:
    folder = Folder(path)
    root = paired_root(folder.root)
    table = read_classes_json(folder, root, folder.root)
    if table is not None:
        classes = parse_classes(table, "classes.json", need_colours=True)
        empty = table.get("ignore_colour") if isinstance(table, dict) else None
    elif options.default_classes is not None:
        classes, empty = options.default_classes, None
    else:
        raise InvalidInput("colour-coded labels need a classes.json with a colour per class")
    empty = (empty or ignore_colour(classes)).lower()
    codes: dict[int, int] = {}
    for c in classes:
        code = hex_to_code(c["colour"])
        if code in codes:
            raise InvalidInput(f"classes.json: colour {c['colour']} is used by two classes")
        if c["colour"] == empty:
            raise InvalidInput(f"classes.json: class {c['name']!r} uses the ignore colour {empty}")
        codes[code] = c["id"]
    codes[hex_to_code(empty)] = IGNORE_INDEX
    samples = paired_samples(folder, root, decode_colours, options.max_pixels)
    return Source(folder, samples, classes, codes, code_to_hex)


def colour_png(labels: np.ndarray, classes: ClassTable) -> bytes:
    lut = np.zeros((256, 3), dtype=np.uint8)
    lut[:] = [int(ignore_colour(classes)[i : i + 2], 16) for i in (1, 3, 5)]
    for class_id, rgb in colour_of(classes).items():
        lut[class_id] = rgb
    return encode_png(lut[labels], "RGB")


def write(
    zf: zipfile.ZipFile, classes: ClassTable, items: Iterable[ExportItem], options: WriteOptions
) -> int:
    if len(colour_of(classes)) != len(classes):
        raise InvalidInput("colour-coded export needs a colour for every class")
    return write_paired(zf, classes, items, options, lambda labels: colour_png(labels, classes))
