"""Handing work to the worker by task name: the API never imports the ML code."""

from sqlalchemy import text
from sqlalchemy.orm import Session

from worker.celery_app import EXPORT, IMPORT_DATASET, PREDICT, RUN_ROUND, celery_app


def enqueue_round(round_id: int) -> None:
    celery_app.send_task(RUN_ROUND, args=[round_id])


def enqueue_import(dataset_id: int, folder: str, options: dict) -> None:
    celery_app.send_task(IMPORT_DATASET, args=[dataset_id, folder, options])


def enqueue_export(project_id: int, job_id: str) -> None:
    celery_app.send_task(EXPORT, args=[project_id, job_id])


def enqueue_predict(project_id: int, round_id: int, request_id: str) -> None:
    celery_app.send_task(PREDICT, args=[project_id, round_id, request_id])


def broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


def database_ok(session: Session) -> bool:
    try:
        session.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
