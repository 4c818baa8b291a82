"""Two revisions of the API, one database: the CPU each spends per annotation request.

On a shared virtual machine the speed drifts by half from minute to minute, so two runs of
`annotators.py` minutes apart cannot tell a 10 % change. Here an API process of `--base` (a
git revision, checked out in a temporary worktree) and one of the working tree run side by
side on one fresh PostgreSQL database; one client takes turns between them every ten
(next task, mask, submit) cycles, so both see the same drift. Prints the API's CPU per
request and the median latency per endpoint for each, and writes JSON.

    python benchmarks/api_cpu_ab.py --base HEAD~1
    python benchmarks/api_cpu_ab.py --base 3de1dbe --cycles 600

The two revisions must share the database schema (the working tree's migrations create it).
Point the same revision at both sides to see the noise floor.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from annotators_seed import Seeded, seed
from annotators_stack import OwnStack, free_port, process_cpu, wait_until_healthy
from tqdm import tqdm

ENDPOINTS = ("next_task", "mask", "submit")
TURN = 10  # cycles on one side before the other takes over


class Side:
    """One API process started from `tree`, and one logged-in annotator talking to it."""

    def __init__(self, name: str, tree: Path, env: dict[str, str]) -> None:
        self.name, self.tree = name, tree
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "worker.cli", "api", "--host", "127.0.0.1",
             "--port", str(self.port)],
            cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        self.latencies: dict[str, list[float]] = {e: [] for e in ENDPOINTS}
        self.headers: dict[str, str] = {}

    def log_in(self, email: str, password: str) -> None:
        wait_until_healthy(f"http://127.0.0.1:{self.port}")
        form = {"username": email, "password": password}
        token = self.client.post("/api/v1/login/access-token", data=form).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def _timed(self, endpoint: str, method: str, url: str, **kwargs) -> httpx.Response:
        start = time.perf_counter()
        response = self.client.request(method, url, headers=self.headers, **kwargs)
        self.latencies[endpoint].append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        return response

    def cycle(self, project_id: int) -> None:
        task = self._timed("next_task", "POST", f"/api/v1/projects/{project_id}/tasks/next")
        task = task.json()
        self._timed("mask", "GET", task["mask_url"])
        body = {
            "labels": [{**p, "class_id": 1} for p in task["points"]],
            "client_key": uuid.uuid4().hex,
            "seconds_spent": 1,
            "expected_version": task["version"],
        }
        self._timed("submit", "POST", f"/api/v1/tasks/{task['id']}/submit", json=body)

    def close(self) -> None:
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=30)


def compare(sides: list[Side], seeded: Seeded, cycles: int) -> dict:
    for side, email in zip(sides, seeded.emails, strict=True):
        side.log_in(email, seeded.password)
        for _ in range(TURN):  # untimed: first requests build validators, compile statements
            side.cycle(seeded.project_id)
        side.latencies = {e: [] for e in ENDPOINTS}
    cpu_before = {s.name: process_cpu(s.process.pid)[0] for s in sides}
    with tqdm(total=cycles * len(sides), unit="cycle") as progress:
        for turn in range(cycles // TURN):
            for side in sides if turn % 2 == 0 else sides[::-1]:
                for _ in range(TURN):
                    side.cycle(seeded.project_id)
                progress.update(TURN)
    requests = (cycles // TURN) * TURN * len(ENDPOINTS)
    return {
        side.name: {
            "tree": str(side.tree),
            "api_cpu_ms_per_request": round(
                (process_cpu(side.process.pid)[0] - cpu_before[side.name]) * 1000 / requests,
                2,
            ),
            **{f"{e}_median_ms": round(statistics.median(v), 2) for e, v in side.latencies.items()},
        }
        for side in sides
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="git revision to compare the tree with")
    parser.add_argument("--cycles", type=int, default=400, help="timed cycles per side")
    parser.add_argument("--data-dir", type=Path, default=Path(".segloop/bench"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/api_cpu_ab.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="segloop-ab-") as scratch:
        base_tree = Path(scratch) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(base_tree), args.base],
            check=True, capture_output=True,
        )  # fmt: skip
        try:
            with OwnStack(1, args.data_dir.resolve() / uuid.uuid4().hex[:8]) as stack:
                seeded = seed(
                    stack.database_url, stack.storage_dir, 2, 2 * (args.cycles + 2 * TURN)
                )
                sides = [
                    Side(f"base ({args.base})", base_tree, stack.env),
                    Side("working tree", Path.cwd(), stack.env),
                ]
                try:
                    result = compare(sides, seeded, args.cycles)
                finally:
                    for side in sides:
                        side.close()
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], check=True)

    header = " ".join(f"{e + ' p50 ms':>16}" for e in ENDPOINTS)
    print(f"\n{'side':<24} {'API CPU ms/req':>14} {header}")
    for name, row in result.items():
        medians = " ".join(f"{row[f'{e}_median_ms']:>16.2f}" for e in ENDPOINTS)
        print(f"{name:<24} {row['api_cpu_ms_per_request']:>14.2f} {medians}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"cycles": args.cycles, "sides": result}, indent=2))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
