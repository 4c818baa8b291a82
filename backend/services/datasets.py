"""Dataset import in any supported format, from a server folder or a zip: all or nothing.

Readers (`backend.formats`) find samples; this module validates every image and label, maps
labels onto the project's classes, writes through storage and records an import report. Any
error removes what was written, so a failed import leaves no dataset, no images, no files.
"""

import shutil
import stat
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.formats import reader
from backend.formats.base import ReadOptions, Sample, Skipped, Source
from backend.formats.mapping import apply_codes, class_mapping, code_table
from backend.images import IGNORE_INDEX, InvalidInput, encode_label_png, read_image_size
from backend.models import Dataset, DatasetKind, DatasetStatus, Image, Project
from backend.schemas import ImportOptions
from backend.storage import Storage

MAX_ZIP_MEMBERS = 200_000
MAX_ZIP_RATIO = 200
MAX_REPORTED_SKIPS = 1000
Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    dataset_id: int
    format: str
    split: str | None
    images: int = 0
    labels: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    class_pixels: Counter = field(default_factory=Counter)
    unknown_pixels: Counter = field(default_factory=Counter)
    class_map: dict[int, int] = field(default_factory=dict)

    def as_json(self, project: Project) -> dict[str, Any]:
        """What an admin checks after an import: did every file come in, as which classes."""
        names = {c["id"]: c["name"] for c in project.classes}
        return {
            "format": self.format,
            "split": self.split,
            "images": self.images,
            "labels": self.labels,
            "skipped_count": len(self.skipped),
            "skipped": [
                {"file": s.file, "reason": s.reason} for s in self.skipped[:MAX_REPORTED_SKIPS]
            ],
            "class_histogram": {names[i]: self.class_pixels.get(i, 0) for i in sorted(names)},
            "ignored_pixels": self.class_pixels.get(IGNORE_INDEX, 0),
            "unknown_ids": dict(self.unknown_pixels),
            "unknown_pixels": sum(self.unknown_pixels.values()),
            "class_map": {str(k): v for k, v in sorted(self.class_map.items())},
        }


def resolve_import_path(raw: str, settings: Settings) -> Path:
    """Only folders inside the configured import roots may be read: no path escapes."""
    if not settings.import_roots:
        raise PermissionError("server-folder import is disabled: set SEGLOOP_IMPORT_ROOTS")
    path = Path(raw).resolve()
    for root in settings.import_roots:
        if path.is_relative_to(root.resolve()):
            return path
    raise PermissionError(f"{raw} is outside the allowed import roots")


def _importable(source: Source, labelled: bool) -> list[Sample]:
    """Samples to import; the rest join the skipped list with the reason."""
    samples, names = [], set()
    for sample in source.samples:
        if sample.name in names:
            source.skipped.append(Skipped(sample.label_file or sample.name, "duplicate name"))
        elif len(sample.name) > 255:
            source.skipped.append(Skipped(sample.name[:80] + "…", "name longer than 255"))
        elif labelled and sample.load_label is None:
            source.skipped.append(Skipped(sample.label_file or sample.name, "no label"))
        else:
            names.add(sample.name)
            samples.append(sample)
    if not samples:
        reasons = Counter(s.reason for s in source.skipped).most_common(3)
        detail = "; ".join(f"{n} skipped: {reason}" for reason, n in reasons)
        raise InvalidInput(f"no images to import{f' ({detail})' if detail else ''}")
    return samples


def _read(settings: Settings, project: Project, folder: Path, options: ImportOptions) -> Source:
    return reader(options.format)(
        folder,
        ReadOptions(options.split, settings.max_image_pixels, default_classes=project.classes),
    )


def check_import(
    settings: Settings, project: Project, folder: Path, options: ImportOptions
) -> None:
    """The cheap checks (layout, class mapping), so a background import fails at once."""
    source = _read(settings, project, folder, options)
    class_mapping(source.classes, project.classes, options.class_map)


def import_folder(
    session: Session,
    storage: Storage,
    settings: Settings,
    project: Project,
    folder: Path,
    kind: DatasetKind,
    name: str,
    options: ImportOptions = ImportOptions(),
) -> ImportReport:
    dataset = Dataset(project_id=project.id, name=name, kind=kind)
    session.add(dataset)
    session.flush()
    return run_import(session, storage, settings, project, dataset, folder, options)


def run_import(
    session: Session,
    storage: Storage,
    settings: Settings,
    project: Project,
    dataset: Dataset,
    folder: Path,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate every file, then write; on any error nothing stays behind."""
    written: list[str] = []
    try:
        source = _read(settings, project, folder, options)
        mapping = class_mapping(source.classes, project.classes, options.class_map)
        table = code_table(source, mapping)
        labelled = dataset.kind in (DatasetKind.source, DatasetKind.target_val)
        samples = _importable(source, labelled)
        prefix = f"projects/{project.id}/datasets/{dataset.id}"
        report = ImportReport(dataset.id, options.format, options.split, class_map=mapping)
        for done, sample in enumerate(samples, start=1):
            data = source.folder.read(sample.image)
            what = sample.image.name
            width, height = read_image_size(data, what, settings.max_image_pixels)
            label_key = None
            if labelled:
                labels = _mapped_labels(sample, table, source, options, report)
                if labels.shape != (height, width):
                    raise InvalidInput(
                        f"{sample.label_file} is {labels.shape[1]}x{labels.shape[0]} but "
                        f"{what} is {width}x{height}"
                    )
                label_key = f"{prefix}/labels/{sample.name}.png"
                storage.put(label_key, encode_label_png(labels))
                written.append(label_key)
                report.labels += 1
            image_key = f"{prefix}/images/{sample.name}{sample.image.suffix.lower()}"
            storage.put(image_key, data)
            written.append(image_key)
            session.add(
                Image(
                    dataset_id=dataset.id,
                    name=sample.name,
                    width=width,
                    height=height,
                    image_key=image_key,
                    label_key=label_key,
                )
            )
            report.images += 1
            if progress is not None:
                progress(done, len(samples))
        report.skipped = source.skipped
        dataset.image_count = report.images
        dataset.status = DatasetStatus.ready
        dataset.report = report.as_json(project)
        session.commit()
    except BaseException:
        session.rollback()
        for key in written:
            storage.delete(key)
        raise
    return report


def _mapped_labels(
    sample: Sample,
    table: dict[int, int],
    source: Source,
    options: ImportOptions,
    report: ImportReport,
) -> np.ndarray:
    """The sample's labels in project ids; unknown ids fail the import or are counted."""
    assert sample.load_label is not None
    labels, unknown = apply_codes(sample.load_label(), table)
    if unknown and options.unknown_ids == "error":
        described = [source.describe_code(code) for code in sorted(unknown)][:10]
        raise InvalidInput(
            f"{sample.label_file}: unknown class ids {described}; map them with class_map, or "
            "pass unknown_ids=ignore to import them as unlabelled (255)"
        )
    for code, pixels in unknown.items():
        report.unknown_pixels[source.describe_code(code)] += pixels
    counts = np.bincount(labels.ravel(), minlength=256)
    present = np.flatnonzero(counts)
    report.class_pixels.update(dict(zip(present.tolist(), counts[present].tolist(), strict=True)))
    return labels


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def safe_extract(archive: Path, target: Path, max_total_bytes: int) -> None:
    """Extract a zip refusing path escapes, links, and decompression bombs before writing."""
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as exc:
        raise InvalidInput(f"not a valid zip file ({exc})") from exc
    with zf:
        members = zf.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise InvalidInput(f"zip has {len(members)} entries; the limit is {MAX_ZIP_MEMBERS}")
        total = 0
        for info in members:
            path = PurePosixPath(info.filename.replace("\\", "/"))
            if path.is_absolute() or ".." in path.parts or ":" in info.filename:
                raise InvalidInput(f"zip entry {info.filename!r} points outside the archive")
            if _is_symlink(info):
                raise InvalidInput(f"zip entry {info.filename!r} is a symbolic link")
            total += info.file_size
            if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
                raise InvalidInput(
                    f"zip entry {info.filename!r} expands {info.file_size // info.compress_size}x: "
                    "refused as a decompression bomb"
                )
        if total > max_total_bytes:
            raise InvalidInput(f"zip expands to {total} bytes; the limit is {max_total_bytes}")
        try:
            for info in members:
                destination = target / info.filename
                if info.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as source, destination.open("wb") as out:
                    shutil.copyfileobj(source, out, length=1024 * 1024)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
            raise InvalidInput(f"the zip could not be extracted ({exc})") from exc


def import_zip(
    session: Session,
    storage: Storage,
    settings: Settings,
    project: Project,
    archive: Path,
    kind: DatasetKind,
    name: str,
    options: ImportOptions = ImportOptions(),
) -> ImportReport:
    with tempfile.TemporaryDirectory(prefix="segloop-zip-") as tmp:
        safe_extract(archive, Path(tmp), settings.max_upload_bytes * 4)
        return import_folder(session, storage, settings, project, Path(tmp), kind, name, options)
