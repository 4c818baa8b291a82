"""The product as the benchmark's admin sets it up: each process's settings, and each row's
project with its datasets imported. Backend modules are imported inside the functions:
configure_process must set SEGLOOP_* before the first of them loads."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from label_efficiency_config import METHODS, Config
from splits import pool_names, pool_subset

REPO = Path(__file__).resolve().parents[1]


def configure_process(cfg: Config, work_dir: Path) -> None:
    """SEGLOOP_* settings and torch threads, before backend or the pipeline is imported.

    One thread per process by default: on a shared machine, OpenMP threads spin-waiting for a
    descheduled sibling made a 2-thread training step 3-7x slower than a 1-thread one; both
    cores are used by running rows in two processes instead (`--jobs`)."""
    if cfg.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""  # the pipeline uses CUDA whenever it sees one
    os.environ["OMP_NUM_THREADS"] = str(cfg.threads)
    use_work_dir(work_dir)
    import torch

    torch.set_num_threads(cfg.threads)
    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA device is visible")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def use_work_dir(work_dir: Path) -> None:
    """This process's database and storage: the run's work folder (also for the scripts that
    analyse a finished run), before any backend module loads its settings."""
    os.environ.update(
        SEGLOOP_DATA_DIR=str(work_dir),
        SEGLOOP_DATABASE_URL=f"sqlite:///{work_dir / 'segloop.db'}",
        SEGLOOP_STORAGE_DIR=str(work_dir / "storage"),
    )
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))


def load_classes(data: Path) -> list[dict[str, Any]]:
    """The dataset's classes.json as project classes (`color` [r, g, b] or `colour` hex)."""
    table = json.loads((data / "classes.json").read_text())
    return [
        {
            "id": entry["id"],
            "name": entry["name"],
            "colour": entry.get("colour") or "#{:02x}{:02x}{:02x}".format(*entry["color"]),
        }
        for entry in table["classes"]
    ]


def stage_pool(data: Path, work_dir: Path, size: int | None) -> Path:
    """The pool folder to import: all of target/train, or its pool subset (splits.py) staged in
    the work folder (hard links where possible; the importer refuses links leaving a folder)."""
    pool = data / "target" / "train"
    names = pool_subset(pool, size)
    if len(names) == len(pool_names(pool)):
        return pool
    staged = work_dir / "pool"
    for name in names:
        for path in (*(pool / "images").glob(f"{name}.*"), pool / "labels" / f"{name}.png"):
            target = staged / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() and not target.exists():
                try:
                    os.link(path, target)
                except OSError:
                    shutil.copyfile(path, target)
    return staged


def create_project(cfg: Config, name: str, seed: int, pool: Path) -> int:
    """The row's project with its datasets, imported as an admin would (the pool without its
    labels, except for the fully supervised row, which trains on them)."""
    from backend.config import get_settings
    from backend.db import open_session
    from backend.models import DatasetKind
    from backend.schemas import ProjectCreate
    from backend.services.datasets import import_folder
    from backend.services.projects import new_project
    from backend.storage import get_storage

    method = METHODS[name]
    body = ProjectCreate.model_validate(
        {
            "name": f"{name} seed {seed}",
            "classes": load_classes(cfg.data),
            "selection_method": method.selection,
            "objective": method.objective,
            "objective_config": dict(method.objective_config),
            "pixel_budget": cfg.pixel_budget,
            "images_per_round": cfg.images_per_round,
            **cfg.audit_settings(method),
            "model_settings": cfg.model_settings(method, seed),
        }
    )
    if method.kind == "supervised":
        # The usual upper bound: trained on the labelled target pool alone.
        datasets = [(DatasetKind.source, pool)]
    else:
        datasets = [
            (DatasetKind.source, cfg.data / "source" / "train"),
            (DatasetKind.target_pool, pool),
        ]
    datasets.append((DatasetKind.target_val, cfg.data / "target" / "val"))
    with open_session() as session:
        project = new_project(body)
        session.add(project)
        session.commit()
        for number, (kind, folder) in enumerate(datasets):
            import_folder(
                session, get_storage(), get_settings(), project, folder, kind, f"{kind}-{number}"
            )
        return project.id
