"""The Celery app. Torch-free, so the API can import it to enqueue work by task name."""

from celery import Celery
from kombu import Queue

from backend.config import Settings, get_settings

GPU_QUEUE = "gpu"
CPU_QUEUE = "cpu"
RUN_ROUND = "segloop.run_round"
SCHEDULE_ROUNDS = "segloop.schedule_rounds"
RECOVER_ROUNDS = "segloop.recover_rounds"
IMPORT_DATASET = "segloop.import_dataset"
EXPORT = "segloop.export"
PREDICT = "segloop.predict"


def _transport_options(settings: Settings) -> dict:
    """Kombu's SQL transport passes its options to create_engine, so the embedded broker's
    polling interval is set on the transport class; Redis gets a deliberate visibility
    timeout: stages are short, so a redelivery after two hours means the worker is gone."""
    if settings.broker_url.startswith("sqla+"):
        from kombu.transport.sqlalchemy import Transport

        Transport.polling_interval = 0.5
        return {}
    return {"visibility_timeout": 2 * 3600}


def create_celery_app(settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    app = Celery(
        "segloop",
        broker=settings.broker_url,
        include=["worker.tasks", "worker.scheduling", "worker.imports", "worker.exports"],
    )
    app.conf.update(
        task_queues=(Queue(GPU_QUEUE), Queue(CPU_QUEUE)),
        task_default_queue=CPU_QUEUE,
        task_routes={RUN_ROUND: {"queue": GPU_QUEUE}},
        task_create_missing_queues=False,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport_options(settings),
        worker_hijack_root_logger=False,
        # One beat process per deployment: it checks schedules and re-queues rounds whose
        # worker died; both jobs are idempotent, so a missed or doubled beat is harmless.
        beat_schedule={
            "schedule-rounds": {"task": SCHEDULE_ROUNDS, "schedule": 30.0},
            "recover-rounds": {"task": RECOVER_ROUNDS, "schedule": 60.0},
        },
    )
    return app


celery_app = create_celery_app()
