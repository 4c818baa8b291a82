"""Label Studio: a JSON list of tasks whose brush results carry Label Studio's own RLE
(thi.ng/rle-pack over the RGBA mask), beside `images/`, a `label_config.xml` to paste into the
project settings and `classes.json`. People's labels are exported as annotations, model output
as predictions (pre-annotations); import reads the latest annotation, else the first prediction."""

import json
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import quoteattr

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
    find_root,
    parse_classes,
    read_classes_json,
    write_image,
)
from backend.images import IGNORE_INDEX, InvalidInput

TASKS = "tasks.json"
FROM_NAME, TO_NAME = "label", "image"
RLE_SIZES = (3, 4, 8, 16)
UNKNOWN_NAMES = 1000
NOTHING = -1


def encode_rle(mask: np.ndarray) -> list[int]:
    """A boolean mask as Label Studio brush RLE: every pixel is 4 RGBA bytes (0 or 255), coded
    as runs of up to 2^16 values with 8-bit words, as label-studio-converter's `mask2rle`."""
    flat = mask.ravel().astype(np.uint8) * 255
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    lengths = np.diff(np.r_[starts, flat.size]) * 4
    parts = [f"{flat.size * 4:032b}", f"{7:05b}", "".join(f"{s - 1:04b}" for s in RLE_SIZES)]
    for value, length in zip(flat[starts].tolist(), lengths.tolist(), strict=True):
        while length:
            n = min(length, 1 << 16)
            index = next(i for i, size in enumerate(RLE_SIZES) if n - 1 < 1 << size)
            parts.append(f"1{index:02b}{n - 1:0{RLE_SIZES[index]}b}{value:08b}")
            length -= n
    bits = "".join(parts)
    bits += "0" * (8 - len(bits) % 8)
    return list(int(bits, 2).to_bytes(len(bits) // 8, "big"))


def decode_rle(rle: Sequence[int], height: int, width: int, what: str) -> np.ndarray:
    """Label Studio brush RLE to a boolean mask (the alpha channel), checked against the size."""
    try:
        bits = (np.unpackbits(np.asarray(rle, dtype=np.uint8)) + ord("0")).tobytes().decode()
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidInput(f"{what}: RLE must be a list of bytes ({exc})") from exc
    position = 0

    def read(n: int) -> int:
        nonlocal position
        if position + n > len(bits):
            raise InvalidInput(f"{what}: RLE ends early")
        position += n
        return int(bits[position - n : position], 2)

    count = read(32)
    if count != height * width * 4:
        raise InvalidInput(f"{what}: RLE holds {count} values, not {height * width * 4}")
    word = read(5) + 1
    sizes = [read(4) + 1 for _ in range(4)]
    out = np.zeros(count, dtype=np.uint32)
    i = 0
    while i < count:
        repeat = read(1)
        j = min(count, i + 1 + read(sizes[read(2)]))
        if repeat:
            out[i:j] = read(word)
        else:
            out[i:j] = [read(word) for _ in range(j - i)]
        i = j
    return out.reshape(height, width, 4)[..., 3] > 0


def _image_name(data: dict[str, Any]) -> str:
    """The file name behind a task's image reference: a URL, a /data/local-files/?d= path..."""
    value = data.get("image")
    if not isinstance(value, str):
        value = next((v for v in data.values() if isinstance(v, str)), "")
    parts = urlsplit(value)
    path = parse_qs(parts.query).get("d", [parts.path])[0]
    return PurePosixPath(unquote(path)).name


def _results(task: dict[str, Any]) -> list[dict[str, Any]] | None:
    annotations = [
        a for a in task.get("annotations") or [] if not a.get("was_cancelled") and a.get("result")
    ]
    if annotations:
        return annotations[-1]["result"]
    predictions = [p for p in task.get("predictions") or [] if p.get("result")]
    return predictions[0]["result"] if predictions else None


def _painter(results: list[dict[str, Any]], code_of: dict[str, int], what: str, max_pixels: int):
    def load() -> np.ndarray:
        labels = None
        for result in results:
            value = result.get("value") or {}
            if result.get("type") != "brushlabels" or value.get("format") != "rle":
                continue
            try:
                height, width = int(result["original_height"]), int(result["original_width"])
            except (KeyError, TypeError, ValueError) as exc:
                raise InvalidInput(f"{what}: a brush result lacks its size ({exc!r})") from exc
            if not 0 < height * width <= max_pixels:
                raise InvalidInput(f"{what}: {width}x{height} exceeds {max_pixels} pixels")
            if labels is None:
                labels = np.full((height, width), NOTHING, dtype=np.int32)
            elif labels.shape != (height, width):
                raise InvalidInput(f"{what}: brush results of different sizes")
            name = next(iter(value.get("brushlabels") or []), "")
            mask = decode_rle(value.get("rle") or [], height, width, what)
            labels[mask] = code_of.setdefault(name, UNKNOWN_NAMES + len(code_of))
        if labels is None:
            raise InvalidInput(f"{what}: no brush (RLE) result to read")
        return labels

    return load


def read(path: Path, options: ReadOptions) -> Source:
    folder = Folder(path)
    root = find_root(folder.root, lambda p: (p / TASKS).is_file(), f"a Label Studio {TASKS}")
    try:
        tasks = json.loads(folder.read(root / TASKS))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{TASKS}: not valid JSON ({exc})") from exc
    tasks = [tasks] if isinstance(tasks, dict) else tasks
    if not isinstance(tasks, list) or not all(isinstance(t, dict) for t in tasks):
        raise InvalidInput(f"{TASKS}: expected a list of tasks")
    table = read_classes_json(folder, root)
    if table is not None:
        classes = parse_classes(table, "classes.json")
    else:
        names = sorted(
            {
                name
                for task in tasks
                for result in _results(task) or []
                for name in (result.get("value") or {}).get("brushlabels") or []
            }
        )
        classes = [{"id": i, "name": name, "colour": None} for i, name in enumerate(names)]
    code_of = {c["name"]: c["id"] for c in classes}
    image_dir = root / "images" if (root / "images").is_dir() else root
    samples = []
    for number, task in enumerate(tasks, start=1):
        name = _image_name(task.get("data") or {})
        image = image_dir / name
        what = f"{TASKS} task {task.get('id', number)}"
        if not name or not image.is_file():
            folder.skip(root / TASKS, f"{what}: image {name!r} not found")
            continue
        results = _results(task)
        load = _painter(results, code_of, what, options.max_pixels) if results else None
        samples.append(Sample(image.stem, image, what, load))
    codes = {c["id"]: c["id"] for c in classes} | {NOTHING: IGNORE_INDEX}

    def describe(code: int) -> str:
        """Unknown label names get codes while labels load, so look them up late."""
        return next((name for name, c in code_of.items() if c == code), str(code))

    return Source(folder, samples, classes, codes, describe)


def label_config(classes: ClassTable) -> str:
    labels = "\n".join(
        f"    <Label value={quoteattr(c['name'])}"
        + (f" background={quoteattr(c['colour'])}" if c.get("colour") else "")
        + "/>"
        for c in classes
    )
    return (
        f'<View>\n  <Image name="{TO_NAME}" value="$image" zoom="true"/>\n'
        f'  <BrushLabels name="{FROM_NAME}" toName="{TO_NAME}">\n{labels}\n  </BrushLabels>\n'
        "</View>\n"
    )


def write(
    zf: zipfile.ZipFile, classes: ClassTable, items: Iterable[ExportItem], options: WriteOptions
) -> int:
    names = {c["id"]: c["name"] for c in classes}
    tasks = []
    for task_id, item in enumerate(items, start=1):
        height, width = item.labels.shape
        file_name = f"images/{item.name}{item.image_suffix}"
        write_image(zf, file_name, item, options)
        result = [
            {
                "id": f"{task_id}-{class_id}",
                "type": "brushlabels",
                "from_name": FROM_NAME,
                "to_name": TO_NAME,
                "original_width": width,
                "original_height": height,
                "image_rotation": 0,
                "value": {
                    "format": "rle",
                    "rle": encode_rle(item.labels == class_id),
                    "brushlabels": [names[class_id]],
                },
            }
            for class_id in np.unique(item.labels).tolist()
            if class_id != IGNORE_INDEX
        ]
        key = "predictions" if options.predictions else "annotations"
        entry: dict[str, Any] = {"result": result}
        if options.predictions:
            entry["model_version"] = options.model_version
        tasks.append(
            {"id": task_id, "data": {"image": options.image_url_prefix + file_name}, key: [entry]}
        )
    zf.writestr(TASKS, json.dumps(tasks))
    zf.writestr("label_config.xml", label_config(classes))
    zf.writestr("classes.json", classes_json(classes))
    return len(tasks)
