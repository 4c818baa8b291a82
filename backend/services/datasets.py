"""Dataset import: a generic folder (`images/`, `labels/`) or a zip of one, all or nothing."""

import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sqlalchemy.orm import Session

from backend.config import Settings
from backend.models import Dataset, DatasetKind, Image, Project
from backend.services.images import (
    IMAGE_SUFFIXES,
    InvalidInput,
    encode_label_png,
    read_image_size,
    read_label_map,
)
from backend.storage import Storage

MAX_ZIP_MEMBERS = 200_000
MAX_ZIP_RATIO = 200


@dataclass
class ImportReport:
    dataset_id: int
    images: int
    labels: int
    skipped: list[str] = field(default_factory=list)


def resolve_import_path(raw: str, settings: Settings) -> Path:
    """Only folders inside the configured import roots may be read: no path escapes."""
    if not settings.import_roots:
        raise PermissionError("server-folder import is disabled: set SEGLOOP_IMPORT_ROOTS")
    path = Path(raw).resolve()
    for root in settings.import_roots:
        if path.is_relative_to(root.resolve()):
            return path
    raise PermissionError(f"{raw} is outside the allowed import roots")


def _find_layout_root(folder: Path) -> Path:
    """The folder itself, or its single sub-folder, holding `images/`."""
    if (folder / "images").is_dir():
        return folder
    children = [c for c in folder.iterdir() if c.is_dir() and not c.name.startswith(("_", "."))]
    if len(children) == 1 and (children[0] / "images").is_dir():
        return children[0]
    raise InvalidInput("expected an images/ folder (and labels/ for labelled datasets)")


def import_folder(
    session: Session,
    storage: Storage,
    settings: Settings,
    project: Project,
    folder: Path,
    kind: DatasetKind,
    name: str,
) -> ImportReport:
    """Validate every file, then write; on any error nothing stays behind."""
    root = _find_layout_root(folder)
    image_files = sorted(
        p for p in (root / "images").iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
    )
    if not image_files:
        raise InvalidInput("images/ holds no .png or .jpg files")
    needs_labels = kind in (DatasetKind.source, DatasetKind.target_val)
    label_dir = root / "labels"
    valid_ids = {c["id"] for c in project.classes}

    dataset = Dataset(project_id=project.id, name=name, kind=kind)
    session.add(dataset)
    session.flush()
    prefix = f"projects/{project.id}/datasets/{dataset.id}"
    written: list[str] = []
    report = ImportReport(dataset_id=dataset.id, images=0, labels=0)
    try:
        for image_path in image_files:
            stem = image_path.stem
            data = image_path.read_bytes()
            width, height = read_image_size(
                data, f"images/{image_path.name}", settings.max_image_pixels
            )
            label_key = None
            label_path = label_dir / f"{stem}.png"
            if needs_labels:
                if not label_path.is_file():
                    raise InvalidInput(f"labels/{stem}.png is missing for images/{image_path.name}")
                labels = read_label_map(
                    label_path.read_bytes(),
                    f"labels/{label_path.name}",
                    settings.max_image_pixels,
                    valid_ids,
                    project.ignore_index,
                )
                if labels.shape != (height, width):
                    raise InvalidInput(
                        f"labels/{label_path.name} is {labels.shape[1]}x{labels.shape[0]} but "
                        f"images/{image_path.name} is {width}x{height}"
                    )
                label_key = f"{prefix}/labels/{stem}.png"
                storage.put(label_key, encode_label_png(labels))
                written.append(label_key)
                report.labels += 1
            image_key = f"{prefix}/images/{stem}{image_path.suffix.lower()}"
            storage.put(image_key, data)
            written.append(image_key)
            session.add(
                Image(
                    dataset_id=dataset.id,
                    name=stem,
                    width=width,
                    height=height,
                    image_key=image_key,
                    label_key=label_key,
                )
            )
            report.images += 1
        dataset.image_count = report.images
        session.commit()
    except BaseException:
        session.rollback()
        for key in written:
            storage.delete(key)
        raise
    return report


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
        for info in members:
            destination = target / info.filename
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as source, destination.open("wb") as out:
                shutil.copyfileobj(source, out, length=1024 * 1024)


def import_zip(
    session: Session,
    storage: Storage,
    settings: Settings,
    project: Project,
    archive: Path,
    kind: DatasetKind,
    name: str,
) -> ImportReport:
    with tempfile.TemporaryDirectory(prefix="segloop-zip-") as tmp:
        safe_extract(archive, Path(tmp), settings.max_upload_bytes * 4)
        return import_folder(session, storage, settings, project, Path(tmp), kind, name)
