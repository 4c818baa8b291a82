"""The run summed up: latency percentiles per endpoint, client-side and the server's own,
throughput and errors, as JSON and as the printed table."""

import argparse
import os
import platform

import numpy as np
from annotators_clients import ENDPOINTS, Recorder


def percentiles(values: np.ndarray, prefix: str) -> dict[str, float]:
    """p50, p95 and p99 in ms, rounded; zeros when nothing was measured."""
    found = np.percentile(values, [50, 95, 99]) if len(values) else np.zeros(3)
    return {
        f"{prefix}p{q}_ms": round(float(v), 2) for q, v in zip((50, 95, 99), found, strict=True)
    }


def summarise(args: argparse.Namespace, recorder: Recorder, submitted: int, seconds: float):
    """The JSON result: the settings, the throughput, and per endpoint its requests, errors
    and latency percentiles, as the clients saw them and as the server reported them."""
    endpoints = {}
    for endpoint in ENDPOINTS:
        values = np.array(recorder.latencies[endpoint])
        server = np.array(recorder.server[endpoint])
        endpoints[endpoint] = {
            "requests": len(values) + sum(recorder.errors[endpoint].values()),
            "errors": recorder.errors[endpoint],
            **percentiles(values, ""),
            "max_ms": round(float(values.max()), 2) if len(values) else 0.0,
            **percentiles(server, "server_"),
        }
    requests = sum(e["requests"] for name, e in endpoints.items() if name != "login")
    return {
        "config": {
            "annotators": args.annotators,
            "tasks_per_annotator": args.tasks_per_annotator,
            "think_seconds": args.think_seconds,
            "ramp_up_seconds": args.ramp_up_seconds,
            "warm_up_tasks_per_annotator": args.warm_up_tasks,
            "points_per_task": args.points,
            "api_workers": args.workers,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "seconds": round(seconds, 2),
        "submitted": submitted,
        "throughput": {
            "submissions_per_s": round(submitted / seconds, 1),
            "requests_per_s": round(requests / seconds, 1),  # logins excluded
        },
        "endpoints": endpoints,
    }


def print_table(result: dict) -> None:
    """Client-side latency, then the server's own time (Server-Timing) in the last columns."""
    print(f"\n{'endpoint':<10} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'max ms':>8} {'server p50':>10} {'server p99':>10}")  # fmt: skip
    for name, e in result["endpoints"].items():
        errors = sum(e["errors"].values())
        print(
            f"{name:<10} {e['requests']:>8} {errors:>6} {e['p50_ms']:>8.1f} "
            f"{e['p95_ms']:>8.1f} {e['p99_ms']:>8.1f} {e['max_ms']:>8.1f} "
            f"{e['server_p50_ms']:>10.1f} {e['server_p99_ms']:>10.1f}"
        )
    t = result["throughput"]
    if result.get("cpu_ms_per_request"):
        print(f"\nCPU per request (ms): {result['cpu_ms_per_request']}")
    busy = result["machine_cpu_busy_percent"]
    print(f"machine CPU busy while timed: {busy} % of {os.cpu_count()} CPUs")
    disk = result["disk_fsync_ms"]
    print(
        f"disk fsync while timed (ms): p50 {disk['p50_ms']:.1f}, p99 {disk['p99_ms']:.1f}, "
        f"max {disk['max_ms']:.1f}"
    )
    print(
        f"\n{result['submitted']} submissions in {result['seconds']} s: "
        f"{t['submissions_per_s']} submissions/s, {t['requests_per_s']} requests/s"
    )
    for name, e in result["endpoints"].items():
        if e["errors"]:
            print(f"errors on {name}: {e['errors']}")
