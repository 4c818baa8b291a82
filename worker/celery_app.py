"""The Celery app. Torch-free, so the API can import it to enqueue work by task name."""

from celery import Celery
from kombu import Queue

from backend.config import Settings, get_settings

GPU_QUEUE = "gpu"
CPU_QUEUE = "cpu"
RUN_ROUND = "segloop.run_round"


def _configure_embedded_broker(settings: Settings) -> None:
    """Kombu's SQL transport passes transport options to create_engine, so the polling
    interval must be set on the transport class instead."""
    if settings.broker_url.startswith("sqla+"):
        from kombu.transport.sqlalchemy import Transport

        Transport.polling_interval = 0.5


def create_celery_app(settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    _configure_embedded_broker(settings)
    app = Celery("segloop", broker=settings.broker_url, include=["worker.tasks"])
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
        # Stages are short (training checkpoints and re-enqueues), so a redelivery after
        # two hours means the worker is gone, not busy.
        broker_transport_options={"visibility_timeout": 2 * 3600},
        worker_hijack_root_logger=False,
    )
    return app


celery_app = create_celery_app()
