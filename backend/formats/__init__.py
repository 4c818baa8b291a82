"""Dataset formats, by name: readers for import, writers for export. Torch-free, like the API.

Every module has `read(folder, ReadOptions) -> Source` and
`write(zipfile, classes, items, WriteOptions) -> count`, so each format round-trips."""

from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from zipfile import ZipFile

from backend.formats import camvid, cityscapes, coco, generic, gta5, labelstudio, palette
from backend.formats.base import ClassTable, ExportItem, ReadOptions, Source, WriteOptions

FORMATS: dict[str, ModuleType] = {
    "generic": generic,
    "palette": palette,
    "cityscapes": cityscapes,
    "gta5": gta5,
    "camvid": camvid,
    "coco": coco,
    "labelstudio": labelstudio,
}
Reader = Callable[[Path, ReadOptions], Source]
Writer = Callable[[ZipFile, ClassTable, Iterable[ExportItem], WriteOptions], int]


def reader(name: str) -> Reader:
    return FORMATS[name].read


def writer(name: str) -> Writer:
    return FORMATS[name].write
