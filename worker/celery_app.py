"""The worker's Celery app: the backend's queues and task names, with the task bodies."""

from backend.services.queue import EXPIRE_JOBS, RECOVER_ROUNDS, SCHEDULE_ROUNDS, create_celery_app

celery_app = create_celery_app(
    include=["worker.tasks", "worker.scheduling", "worker.imports", "worker.exports"]
)
# One beat process per deployment: it checks schedules, re-queues rounds whose worker died
# and removes expired job results; all idempotent, so a missed or doubled beat is harmless.
celery_app.conf.beat_schedule = {
    "schedule-rounds": {"task": SCHEDULE_ROUNDS, "schedule": 30.0},
    "recover-rounds": {"task": RECOVER_ROUNDS, "schedule": 60.0},
    "expire-jobs": {"task": EXPIRE_JOBS, "schedule": 600.0},
}
