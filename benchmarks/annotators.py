"""N simulated annotators against the REST API on PostgreSQL: lease, fetch the mask, submit.

Each annotator is an HTTP client of its own (keep-alive, like a browser tab) that leases the
next task, downloads its mask, "labels" the requested points for a think time, and submits
with a client key and the version it loaded. Prints p50/p95/p99 latency per endpoint,
throughput and errors, and writes JSON. By default it starts its own stack: a fresh
PostgreSQL database, `segloop api --workers W`, and a project with published tasks seeded
directly in the database, so no training is needed.

    python benchmarks/annotators.py --annotators 50 --tasks-per-annotator 20
    python benchmarks/annotators.py --think-seconds 0        # saturation: no labelling time
    python benchmarks/annotators.py --url http://host:8000 \\
        --database-url postgresql+psycopg://... --storage-dir /srv/segloop/storage

Annotators arrive at random within the ramp-up and label each task for the think time
(+-50 %). Before the clock starts, each annotator labels `--warm-up-tasks` tasks untimed: a
freshly started API process builds its validators and compiles its statements on its first
requests, and the figures are those of a running service.

Latency is measured by the clients, which share the machine with the API and PostgreSQL;
beside it come the server's own time (its Server-Timing header), the CPU each request cost
the API, PostgreSQL and the clients, how busy the machine's CPUs were while the clock ran,
and how long the disk took to sync a small write meanwhile (an acknowledged submission waits
for one), since on a shared machine the percentiles say as much about the neighbours as
about segloop.

Its parts: annotators_seed.py (the project and tasks), annotators_clients.py (the simulated
people), annotators_load.py (the timed run), annotators_report.py (summary and table) and
annotators_stack.py (the database and API it starts).
"""

import argparse
import asyncio
import json
import os
import uuid
from pathlib import Path

from annotators_load import run_load
from annotators_report import print_table
from annotators_seed import seed
from annotators_stack import OwnStack


def main() -> None:
    """Seed, start a stack unless --url, run the load, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument("--tasks-per-annotator", type=int, default=20)
    parser.add_argument(
        "--think-seconds", type=float, default=2.0,
        help="mean labelling time per task (uniform +-50%%); 0 measures saturation",
    )  # fmt: skip
    parser.add_argument(
        "--ramp-up-seconds", type=float,
        help="annotators arrive at random within this time (default: the think time)",
    )  # fmt: skip
    parser.add_argument("--points", type=int, default=40, help="points per task (PPL)")
    parser.add_argument(
        "--warm-up-tasks", type=int, default=1, help="untimed tasks per annotator first"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1),
        help="API processes (own stack; default: two per CPU)",
    )
    parser.add_argument("--url", help="a running API instead of starting one")
    parser.add_argument("--database-url", help="with --url: the database that API uses")
    parser.add_argument("--storage-dir", type=Path, help="with --url: its local storage")
    parser.add_argument("--data-dir", type=Path, default=Path(".segloop/bench"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/annotators.json"))
    args = parser.parse_args()
    if args.ramp_up_seconds is None:
        args.ramp_up_seconds = args.think_seconds
    tasks = args.annotators * (args.warm_up_tasks + args.tasks_per_annotator)

    if args.url:
        if not (args.database_url and args.storage_dir):
            parser.error("--url needs --database-url and --storage-dir to seed the tasks")
        seeded = seed(args.database_url, args.storage_dir, args.annotators, tasks, args.points)
        result = asyncio.run(run_load(args, args.url, seeded, args.storage_dir))
    else:
        with OwnStack(args.workers, args.data_dir / uuid.uuid4().hex[:8]) as stack:
            seeded = seed(
                stack.database_url, stack.storage_dir, args.annotators, tasks, args.points
            )
            stack.start_api()
            result = asyncio.run(
                run_load(args, stack.url, seeded, stack.data_dir, stack.cpu_seconds)
            )
    print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
