"""Handing work to the worker by task name: the API never imports the ML code."""

from sqlalchemy import text
from sqlalchemy.orm import Session

from worker.celery_app import RUN_ROUND, celery_app


def enqueue_round(round_id: int) -> None:
    celery_app.send_task(RUN_ROUND, args=[round_id])


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
