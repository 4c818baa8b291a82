"""The `segloop` command: demo, api, worker, beat, migrate, users, and the oracle annotator."""

import argparse
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

# How long the demo's worker may take to finish a stage once the demo is stopped.
WORKER_STOP_SECONDS = 10


def _serve(host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from backend.config import get_settings

    try:
        get_settings().check_secrets()
    except RuntimeError as exc:
        sys.exit(f"segloop: {exc}")
    # Each worker process builds its own app (and database pool) from the factory.
    uvicorn.run(
        "backend.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )


def _worker_command(queues: str, concurrency: int = 1) -> list[str]:
    return [
        sys.executable, "-m", "celery", "-A", "worker.celery_app:celery_app", "worker",
        "--queues", queues, "--pool", "solo" if concurrency == 1 else "prefork",
        "--concurrency", str(concurrency), "--loglevel", "INFO",
    ]  # fmt: skip


def cmd_demo(args: argparse.Namespace) -> None:
    data_dir = Path(args.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret_file = data_dir / "secret_key"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(32))
    os.environ.update(
        SEGLOOP_DATA_DIR=str(data_dir),
        SEGLOOP_DEMO="true",
        SEGLOOP_SECRET_KEY=secret_file.read_text(),
        SEGLOOP_IMPORT_ROOTS=f'["{data_dir}"]',
    )
    from backend.config import get_settings
    from backend.db import open_session
    from backend.migrate import upgrade
    from worker.demo import ADMIN, ANNOTATOR, ensure_demo

    settings = get_settings()
    upgrade(settings.database_url)
    with open_session() as session:
        setup = ensure_demo(session, settings, data_dir / "data")
    worker = subprocess.Popen(_worker_command("gpu,cpu"), env=os.environ.copy())
    # The scheduler too, as a deployment runs `segloop beat`: without it, scheduled and
    # auto-advancing rounds would never launch.
    beat = subprocess.Popen(_beat_command(data_dir / "celerybeat-schedule"), env=os.environ.copy())
    url = f"http://{args.host}:{args.port}"
    print(
        f"\n  segloop demo is starting at {url}\n"
        f"  admin:     {ADMIN[0]} / {ADMIN[1]}\n"
        f"  annotator: {ANNOTATOR[0]} / {ANNOTATOR[1]}\n"
        f"  project id {setup.project_id}; data in {data_dir}\n"
        f"  oracle:    segloop oracle --url {url} --email {ADMIN[0]} --password {ADMIN[1]} "
        f"--project {setup.project_id} --labels {setup.data_dir / 'target/train/labels'}\n",
        flush=True,
    )
    # uvicorn re-raises SIGTERM after its own shutdown; exit through `finally` so the worker
    # stops too instead of being left running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        _serve(args.host, args.port)
    finally:
        _stop(beat)
        _stop(worker)


def _stop(process: subprocess.Popen) -> None:
    """Celery's warm shutdown waits for the running stage, and training takes minutes: after a
    few seconds the worker is killed instead (beat stops at once). Nothing is lost: the
    round's heartbeat stops, so the next worker to start re-queues it
    (worker.tasks.recover_rounds) and the stage resumes from its last checkpoint."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cmd_api(args: argparse.Namespace) -> None:
    _serve(args.host, args.port, args.workers)


def cmd_worker(args: argparse.Namespace) -> None:
    os.execv(sys.executable, _worker_command(args.queues, args.concurrency))


def _beat_command(schedule_file: Path | None = None) -> list[str]:
    command = [sys.executable, "-m", "celery", "-A", "worker.celery_app:celery_app", "beat"]
    return command + (["--schedule", str(schedule_file)] if schedule_file else [])


def cmd_beat(_: argparse.Namespace) -> None:
    os.execv(sys.executable, _beat_command())


def cmd_migrate(_: argparse.Namespace) -> None:
    from backend.config import get_settings
    from backend.migrate import upgrade

    upgrade(get_settings().database_url)


def cmd_create_user(args: argparse.Namespace) -> None:
    from backend.db import open_session
    from backend.models import Role
    from backend.services.users import ensure_user

    with open_session() as session:
        user = ensure_user(session, args.email.lower(), args.password, Role(args.role))
        print(f"user {user.id}: {user.email} ({user.role})")


def cmd_oracle(args: argparse.Namespace) -> None:
    from worker.oracle import OracleClient, run_oracle

    if args.token:
        client = OracleClient(args.url, args.token)
    else:
        client = OracleClient.login(args.url, args.email, args.password)
    counts = run_oracle(client, args.project, Path(args.labels), args.max_tasks)
    print(f"answered {counts['tasks']} tasks, {counts['labelled_pixels']} labelled pixels")


def cmd_demo_data(args: argparse.Namespace) -> None:
    from worker.ml.synthetic import generate_demo_dataset

    print(generate_demo_dataset(Path(args.out), seed=args.seed))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segloop", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="everything on local files: API, UI, worker, data")
    demo.add_argument("--data-dir", default=".segloop/demo")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.set_defaults(func=cmd_demo)

    api = commands.add_parser("api", help="serve the REST API and the UI")
    api.add_argument("--host", default="0.0.0.0")
    api.add_argument("--port", type=int, default=8000)
    api.add_argument("--workers", type=int, default=1, help="API processes (uvicorn workers)")
    api.set_defaults(func=cmd_api)

    worker = commands.add_parser("worker", help="run a Celery worker")
    worker.add_argument("--queues", default="gpu", help="gpu (one worker per GPU) or cpu")
    worker.add_argument("--concurrency", type=int, default=1)
    worker.set_defaults(func=cmd_worker)

    commands.add_parser("beat", help="run the scheduler (one per deployment)").set_defaults(
        func=cmd_beat
    )
    commands.add_parser("migrate", help="upgrade the database schema").set_defaults(
        func=cmd_migrate
    )

    user = commands.add_parser("create-user", help="create a user (idempotent)")
    user.add_argument("email")
    user.add_argument("password")
    user.add_argument("--role", choices=["admin", "annotator"], default="annotator")
    user.set_defaults(func=cmd_create_user)

    oracle = commands.add_parser("oracle", help="answer tasks from ground-truth labels")
    oracle.add_argument("--url", default="http://127.0.0.1:8000")
    oracle.add_argument("--project", type=int, required=True)
    oracle.add_argument("--labels", required=True, help="folder of <image name>.png labels")
    oracle.add_argument("--token")
    oracle.add_argument("--email")
    oracle.add_argument("--password")
    oracle.add_argument("--max-tasks", type=int)
    oracle.set_defaults(func=cmd_oracle)

    data = commands.add_parser("demo-data", help="generate the synthetic demo dataset")
    data.add_argument("out")
    data.add_argument("--seed", type=int, default=0)
    data.set_defaults(func=cmd_demo_data)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
