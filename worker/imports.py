"""Background dataset imports on the `cpu` queue: the same all-or-nothing import as the API's,
with progress on the dataset row."""

import logging
import time
from pathlib import Path

from sqlalchemy import update

from backend.config import get_settings
from backend.db import open_session
from backend.images import InvalidInput
from backend.models import Dataset, DatasetStatus, Project
from backend.schemas import ImportOptions
from backend.services.datasets import run_import
from backend.services.queue import IMPORT_DATASET
from backend.storage import get_storage
from worker.celery_app import celery_app

log = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 1.0


class _ProgressWriter:
    """Progress in its own short transactions, so readers see it while the import runs."""

    def __init__(self, dataset_id: int) -> None:
        self.dataset_id = dataset_id
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if time.monotonic() - self.last < PROGRESS_EVERY_SECONDS:
            return
        self.last = time.monotonic()
        with open_session() as session:
            session.execute(
                update(Dataset)
                .where(Dataset.id == self.dataset_id)
                .values(report={"progress": done / total, "images": done, "total": total})
            )
            session.commit()


@celery_app.task(name=IMPORT_DATASET)
def import_dataset(dataset_id: int, folder: str, options: dict) -> str:
    """Idempotent: a redelivered message re-imports onto the same keys, a finished one is done."""
    settings = get_settings()
    body = ImportOptions.model_validate(options)
    with open_session() as session:
        dataset = session.get(Dataset, dataset_id)
        if dataset is None or dataset.status != DatasetStatus.importing:
            return "nothing to do"
        project = session.get_one(Project, dataset.project_id)
        try:
            run_import(
                session,
                get_storage(settings),
                settings,
                project,
                dataset,
                Path(folder),
                body,
                progress=_ProgressWriter(dataset_id),
            )
        except Exception as exc:
            if not isinstance(exc, InvalidInput):
                log.exception("import of dataset %s failed", dataset_id)
            dataset = session.get_one(Dataset, dataset_id)
            dataset.status = DatasetStatus.failed
            dataset.report = {"error": str(exc) if isinstance(exc, InvalidInput) else repr(exc)}
            session.commit()
            return "failed"
    return "done"
