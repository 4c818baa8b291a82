"""What every dataset format shares: samples, class tables, and reading files safely.

A reader turns a folder into a `Source`: the samples it found (image file + a loader of *native*
label codes), the files it skipped and why, and how its native codes map to its own class table.
Mapping onto a project's classes happens later (`backend.formats.mapping`), so every format
reports unknown ids the same way.
"""

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from PIL import Image as PILImage

from backend.images import IGNORE_INDEX, IMAGE_SUFFIXES, InvalidInput, open_image

ClassTable = list[dict[str, Any]]


@dataclass(frozen=True)
class Skipped:
    file: str
    reason: str


@dataclass(frozen=True)
class Sample:
    name: str
    image: Path
    label_file: str | None = None
    load_label: Callable[[], np.ndarray] | None = None


@dataclass
class Source:
    """What a reader found. `codes` maps native label codes to `classes` ids (or IGNORE_INDEX); any
    other code in a label is unknown. `classes` None means the codes are the project's ids."""

    folder: "Folder"
    samples: list[Sample]
    classes: ClassTable | None
    codes: dict[int, int]
    describe_code: Callable[[int], str] = str

    @property
    def skipped(self) -> list[Skipped]:
        return self.folder.skipped


@dataclass(frozen=True)
class ReadOptions:
    split: str | None = None
    max_pixels: int = 64 * 1024 * 1024
    # Colour-coded labels without a classes.json are read through the project's palette.
    default_classes: ClassTable | None = None


@dataclass(frozen=True)
class ExportItem:
    """One image and its labels in project class ids (IGNORE_INDEX where nobody labelled)."""

    name: str
    image: bytes
    image_suffix: str
    labels: np.ndarray


@dataclass(frozen=True)
class WriteOptions:
    split: str = "train"
    include_images: bool = True
    # Label Studio keeps people's labels and model output apart: annotations vs predictions.
    predictions: bool = False
    image_url_prefix: str = ""
    model_version: str = ""


@dataclass
class Folder:
    """A dataset folder. Every read must resolve inside it, so a symbolic link in an allowed
    folder can never leak a file from elsewhere on the server."""

    root: Path
    skipped: list[Skipped] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()

    def rel(self, path: Path) -> str:
        return (
            path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else str(path)
        )

    def read(self, path: Path) -> bytes:
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise InvalidInput(f"{self.rel(path)} links outside the dataset folder")
        return resolved.read_bytes()

    def files(self, directory: Path) -> list[Path]:
        """Visible plain files of a directory, sorted; hidden files are not data."""
        if not directory.is_dir():
            return []
        return sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))

    def images(self, directory: Path) -> list[Path]:
        """Image files of a directory; anything else is reported as skipped."""
        images = []
        for path in self.files(directory):
            if path.suffix.lower() in IMAGE_SUFFIXES:
                images.append(path)
            else:
                self.skipped.append(Skipped(self.rel(path), "not a .png or .jpg image"))
        return images

    def skip(self, path: Path, reason: str) -> None:
        self.skipped.append(Skipped(self.rel(path), reason))


def find_root(folder: Path, looks_right: Callable[[Path], bool], expected: str) -> Path:
    """The folder itself, or its single visible sub-folder (zips often wrap everything in one)."""
    if looks_right(folder):
        return folder
    children = [c for c in folder.iterdir() if c.is_dir() and not c.name.startswith(("_", "."))]
    if len(children) == 1 and looks_right(children[0]):
        return children[0]
    raise InvalidInput(f"expected {expected}")


def decode_ids(data: bytes, what: str, max_pixels: int) -> np.ndarray:
    """A single-channel label map (8- or 16-bit, palette indices kept) as int32 codes."""
    image = open_image(data, what, max_pixels)
    if image.mode not in ("L", "P", "I", "I;16"):
        raise InvalidInput(
            f"{what}: label maps must be single-channel PNGs of class ids, got mode {image.mode}; "
            "import colour-coded labels with format=palette"
        )
    return np.asarray(image).astype(np.int32)


def decode_colours(data: bytes, what: str, max_pixels: int) -> np.ndarray:
    """A colour-coded label map as int32 codes 0xRRGGBB."""
    rgb = np.asarray(open_image(data, what, max_pixels).convert("RGB")).astype(np.int32)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


def hex_to_code(colour: str) -> int:
    return int(colour[1:], 16)


def code_to_hex(code: int) -> str:
    return f"#{code:06x}" if 0 <= code <= 0xFFFFFF else str(code)


def normalise_name(name: str) -> str:
    """Names compare without case, spaces or punctuation: "Traffic sign" == "traffic_sign"."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def parse_classes(data: Any, what: str, need_colours: bool = False) -> ClassTable:
    """A class table (`{"classes": [...]}` or a bare list), validated: unique ids 0..254,
    non-empty names, #rrggbb colours."""
    entries = data.get("classes") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise InvalidInput(f"{what}: expected a non-empty list of classes")
    classes, ids = [], set()
    for entry in entries:
        if not isinstance(entry, dict):
            raise InvalidInput(f"{what}: every class needs an id and a name")
        class_id, name, colour = entry.get("id"), entry.get("name"), entry.get("colour")
        if not isinstance(class_id, int) or not 0 <= class_id <= 254 or class_id in ids:
            raise InvalidInput(
                f"{what}: class ids must be unique integers 0..254, got {class_id!r}"
            )
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput(f"{what}: class {class_id} has no name")
        if colour is None and need_colours:
            raise InvalidInput(f"{what}: class {name!r} has no colour")
        if colour is not None and not (
            isinstance(colour, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", colour)
        ):
            raise InvalidInput(f"{what}: class {name!r} colour must look like #rrggbb")
        ids.add(class_id)
        classes.append({"id": class_id, "name": name, "colour": colour and colour.lower()})
    return classes


def read_classes_json(folder: Folder, *candidates: Path) -> dict[str, Any] | None:
    """The first classes.json among the candidate directories, parsed, or None."""
    for directory in candidates:
        path = directory / "classes.json"
        if path.is_file():
            try:
                return json.loads(folder.read(path))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise InvalidInput(f"{folder.rel(path)}: not valid JSON ({exc})") from exc
    return None


def identity_codes(class_ids: Iterable[int]) -> dict[int, int]:
    return {**{i: i for i in class_ids}, IGNORE_INDEX: IGNORE_INDEX}


def match_by_name(from_classes: ClassTable, to_classes: ClassTable) -> dict[int, int]:
    """from id -> to id for classes whose names agree."""
    to_ids = {normalise_name(c["name"]): c["id"] for c in to_classes}
    return {
        c["id"]: to_ids[normalise_name(c["name"])]
        for c in from_classes
        if normalise_name(c["name"]) in to_ids
    }


def project_to_format(classes: ClassTable, format_classes: ClassTable, fmt: str) -> np.ndarray:
    """A 256-entry table from project ids to a fixed format's ids, by class name; exporting to a
    fixed class set needs every project class to be one of its classes."""
    matched = match_by_name(classes, format_classes)
    missing = [c["name"] for c in classes if c["id"] not in matched]
    if missing:
        names = ", ".join(c["name"] for c in format_classes)
        raise InvalidInput(
            f"{fmt} export needs every project class to be a {fmt} class ({names}); "
            f"not found: {', '.join(missing)}. Export as generic, coco or labelstudio instead"
        )
    table = np.full(256, IGNORE_INDEX, dtype=np.int32)
    for project_id, format_id in matched.items():
        table[project_id] = format_id
    return table


def colour_of(classes: ClassTable) -> dict[int, tuple[int, int, int]]:
    return {
        c["id"]: (int(c["colour"][1:3], 16), int(c["colour"][3:5], 16), int(c["colour"][5:7], 16))
        for c in classes
        if c.get("colour")
    }


def ignore_colour(classes: ClassTable) -> str:
    """Black marks unlabelled pixels, unless a class is black: then the first unused grey."""
    used = {c.get("colour") for c in classes}
    return next(
        f"#{v:02x}{v:02x}{v:02x}" for v in range(256) if f"#{v:02x}{v:02x}{v:02x}" not in used
    )


def encode_png(array: np.ndarray, mode: str, palette: list[int] | None = None) -> bytes:
    image = PILImage.fromarray(array, mode=mode)
    if palette is not None:
        image.putpalette(palette)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def indexed_png(labels: np.ndarray, classes: ClassTable) -> bytes:
    """An 8-bit palette PNG: pixel values are class ids, viewers show the class colours."""
    palette = [0] * 768
    colours = colour_of(classes)
    empty = tuple(int(ignore_colour(classes)[i : i + 2], 16) for i in (1, 3, 5))
    for index in range(256):
        palette[3 * index : 3 * index + 3] = colours.get(index, empty)
    return encode_png(labels.astype(np.uint8), "P", palette)


def as_png(item: ExportItem) -> bytes:
    """Image bytes as PNG, for layouts (Cityscapes, CamVid) whose file names promise PNG."""
    if item.image_suffix == ".png":
        return item.image
    buffer = io.BytesIO()
    PILImage.open(io.BytesIO(item.image)).convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def classes_json(classes: ClassTable) -> bytes:
    body = {
        "classes": classes,
        "ignore_index": IGNORE_INDEX,
        "ignore_colour": ignore_colour(classes),
    }
    return json.dumps(body, indent=2).encode()


def safe_member(name: str, what: str) -> PurePosixPath:
    """A relative path named inside a dataset file (COCO, Label Studio), refused if it escapes."""
    path = PurePosixPath(name.replace("\\", "/"))
    if not name or path.is_absolute() or ".." in path.parts or ":" in name:
        raise InvalidInput(f"{what}: file name {name!r} points outside the dataset")
    return path


def write_image(zf: zipfile.ZipFile, path: str, item: ExportItem, options: WriteOptions) -> None:
    if options.include_images:
        zf.writestr(path, item.image)
