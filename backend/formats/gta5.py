"""GTA5 (Playing for Data): `images/` and `labels/` with the same file names, labels in
Cityscapes labelIds, read through the same official table onto the 19 Cityscapes classes."""

import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from backend.formats import cityscapes
from backend.formats.base import (
    ClassTable,
    ExportItem,
    Folder,
    ReadOptions,
    Source,
    WriteOptions,
    decode_ids,
    encode_png,
    project_to_format,
)
from backend.formats.generic import paired_root, paired_samples, write_paired


def read(path: Path, options: ReadOptions) -> Source:
    folder = Folder(path)
    samples = paired_samples(folder, paired_root(folder.root), decode_ids, options.max_pixels)
    return Source(
        folder,
        samples,
        cityscapes.CLASSES,
        dict(cityscapes.LABEL_TO_TRAIN),
        cityscapes.describe_label_id,
    )


def write(
    zf: zipfile.ZipFile, classes: ClassTable, items: Iterable[ExportItem], options: WriteOptions
) -> int:
    to_train = project_to_format(classes, cityscapes.CLASSES, "gta5")
    to_label = np.full(256, cityscapes.UNLABELLED, dtype=np.uint8)
    for train_id, label_id in cityscapes.TRAIN_TO_LABEL.items():
        to_label[train_id] = label_id
    return write_paired(
        zf,
        None,
        items,
        options,
        lambda labels: encode_png(to_label[to_train[labels]], "L"),
    )
