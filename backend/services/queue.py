"""The Celery tasks by name: the one place that owns task names, queues and routing.

The API sends work through a producer app built here and never imports the worker; the
worker builds its app with the same function and registers the task bodies under these names.
"""

import logging
from collections.abc import Sequence

from celery import Celery
from kombu import Queue
from sqlalchemy import text
from sqlalchemy.orm import Session

from backend.config import Settings, get_settings

log = logging.getLogger(__name__)

GPU_QUEUE = "gpu"
CPU_QUEUE = "cpu"
RUN_ROUND = "segloop.run_round"
SCHEDULE_ROUNDS = "segloop.schedule_rounds"
RECOVER_ROUNDS = "segloop.recover_rounds"
IMPORT_DATASET = "segloop.import_dataset"
EXPORT = "segloop.export"
PREDICT = "segloop.predict"
EXPIRE_JOBS = "segloop.expire_jobs"
REFRESH_AUDIT = "segloop.refresh_audit"


def _transport_options(settings: Settings) -> dict:
    """Kombu's SQL transport passes its options to create_engine, so the embedded broker's
    polling interval is set on the transport class; Redis gets a deliberate visibility
    timeout: stages are short, so a redelivery after two hours means the worker is gone."""
    if settings.broker_url.startswith("sqla+"):
        from kombu.transport.sqlalchemy import Transport

        Transport.polling_interval = 0.5
        return {}
    return {"visibility_timeout": 2 * 3600}


def create_celery_app(settings: Settings | None = None, include: Sequence[str] = ()) -> Celery:
    """The app with segloop's queues and routing; `include` lists the modules holding the
    task bodies (the worker's), empty for a producer that only sends by name."""
    settings = settings or get_settings()
    app = Celery("segloop", broker=settings.broker_url, include=list(include))
    app.conf.update(
        task_queues=(Queue(GPU_QUEUE), Queue(CPU_QUEUE)),
        task_default_queue=CPU_QUEUE,
        task_routes={RUN_ROUND: {"queue": GPU_QUEUE}, REFRESH_AUDIT: {"queue": GPU_QUEUE}},
        task_create_missing_queues=False,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport_options(settings),
        worker_hijack_root_logger=False,
    )
    return app


producer = create_celery_app()


def enqueue_round(round_id: int) -> None:
    producer.send_task(RUN_ROUND, args=[round_id])


def enqueue_import(dataset_id: int, folder: str, options: dict) -> None:
    producer.send_task(IMPORT_DATASET, args=[dataset_id, folder, options])


def enqueue_export(project_id: int, job_id: str) -> None:
    producer.send_task(EXPORT, args=[project_id, job_id])


def enqueue_predict(project_id: int, round_id: int, job_id: str) -> None:
    producer.send_task(PREDICT, args=[project_id, round_id, job_id])


# Audit submissions of the next seconds ride on one refresh: each message runs this late, and
# the first to run takes every label in so far, so the rest find the estimates current.
AUDIT_REFRESH_DELAY_SECONDS = 10


def enqueue_audit_refresh(project_id: int) -> None:
    """Best effort, once an audit label is committed: a message lost to a broker outage only
    delays the estimates to the next round's evaluate stage, so it never fails the request."""
    try:
        producer.send_task(
            REFRESH_AUDIT, args=[project_id], countdown=AUDIT_REFRESH_DELAY_SECONDS, retry=False
        )
    except Exception:
        log.warning("could not queue the audit refresh of project %s", project_id, exc_info=True)


def broker_ok() -> bool:
    try:
        with producer.connection_for_write() as connection:
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
