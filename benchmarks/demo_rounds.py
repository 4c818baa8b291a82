"""Round 0 vs round 1 on a running segloop (e.g. `make demo`), through the real REST API.

Launches round 0, waits, lets the oracle label every published task from the demo's
ground truth, launches round 1, waits, and prints target-val mIoU of both rounds.

    python benchmarks/demo_rounds.py --url http://127.0.0.1:8000 \
        --labels .segloop/demo/data/target/train/labels
"""

import argparse
import json
import time
from datetime import datetime
from pathlib import Path

import httpx
from tqdm import tqdm

from worker.oracle import OracleClient, run_oracle


def wait_for(client: httpx.Client, round_id: int) -> dict:
    with tqdm(total=100, desc=f"round {round_id}", unit="%") as bar:
        while True:
            round_ = client.get(f"/rounds/{round_id}").json()
            bar.n = int(round_["progress"] * 100)
            bar.set_postfix_str(round_["message"] or "")
            bar.refresh()
            if round_["status"] in ("done", "failed", "cancelled"):
                return round_
            time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--email", default="admin@segloop.demo")
    parser.add_argument("--password", default="segloop-admin")
    parser.add_argument("--project", type=int, default=1)
    parser.add_argument(
        "--labels", type=Path, default=Path(".segloop/demo/data/target/train/labels")
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/demo_rounds.json"))
    args = parser.parse_args()

    oracle = OracleClient.login(args.url, args.email, args.password)
    admin = oracle.http
    results = []
    for number in range(2):
        launched = admin.post(f"/projects/{args.project}/rounds")
        launched.raise_for_status()
        round_ = wait_for(admin, launched.json()["id"])
        if round_["status"] != "done":
            raise SystemExit(f"round {round_['number']} {round_['status']}: {round_['error']}")
        results.append(round_)
        if number == 0:
            counts = run_oracle(oracle, args.project, args.labels)
            print(f"oracle: {counts['tasks']} tasks, {counts['labelled_pixels']} labelled pixels")

    print(
        f"\n{'round':>5}  {'seconds':>7}  {'labelled px':>11}  {'labelled %':>10}  {'val mIoU':>8}"
    )
    for round_ in results:
        metrics = round_["metrics"]
        print(
            f"{round_['number']:>5}  {seconds(round_):>7.0f}  {metrics['labelled_pixels']:>11}  "
            f"{100 * metrics['labelled_fraction']:>9.3f}%  {100 * metrics['miou']:>7.2f}"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            [r["metrics"] | {"round": r["number"], "seconds": seconds(r)} for r in results],
            indent=2,
        )
    )


def seconds(round_: dict) -> float:
    """From the worker taking the round to its end (the queue wait is not the round's)."""
    started = datetime.fromisoformat(round_["started_at"])
    return (datetime.fromisoformat(round_["finished_at"]) - started).total_seconds()


if __name__ == "__main__":
    main()
