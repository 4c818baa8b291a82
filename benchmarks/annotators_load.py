"""The timed run: everyone logs in and labels a warm-up task untimed, then the clock runs while
a probe times the disk's fsyncs and the CPU of the API, PostgreSQL and the clients is read."""

import argparse
import asyncio
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import aiohttp
import numpy as np
from annotators_clients import ENDPOINTS, Annotator, Recorder, annotate, log_in
from annotators_report import percentiles, summarise
from annotators_seed import Seeded
from tqdm import tqdm


class DiskProbe(threading.Thread):
    """Syncs one small write to `directory` ten times a second while the clock runs: the
    disk's own fsync latency, the floor under every durable submission."""

    def __init__(self, directory: Path) -> None:
        super().__init__(daemon=True)
        self.path = directory / f"fsync-probe-{uuid.uuid4().hex[:8]}"
        self.latencies: list[float] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while not self.stopped.wait(0.1):
                start = time.perf_counter()
                os.pwrite(fd, os.urandom(4096), 0)
                os.fdatasync(fd)
                self.latencies.append((time.perf_counter() - start) * 1000)
        finally:
            os.close(fd)
            self.path.unlink()

    def stop(self) -> dict[str, float]:
        self.stopped.set()
        self.join()
        found = np.array(self.latencies)
        return {**percentiles(found, ""), "max_ms": round(float(found.max()), 2)}


async def run_load(
    args: argparse.Namespace,
    base_url: str,
    seeded: Seeded,
    probe_dir: Path,
    cpu_meter: Callable[[], dict[str, float]] | None = None,
) -> dict:
    """Everyone logs in (argon2 is slow on purpose) and labels the warm-up tasks; then the
    clock runs. The seed's files are flushed to disk before it starts: their writeback would
    otherwise land in the timed minute and slow its fsyncs."""
    recorder = Recorder()
    cpu_before: dict[str, float] = {}
    annotators = [
        Annotator(
            email,
            aiohttp.ClientSession(
                base_url,
                connector=aiohttp.TCPConnector(limit=1),
                timeout=aiohttp.ClientTimeout(total=60),
            ),
        )
        for email in seeded.emails
    ]
    try:
        logged_in = await asyncio.gather(
            *(log_in(a, seeded.password, recorder) for a in annotators)
        )
        working = [a for a, ok in zip(annotators, logged_in, strict=True) if ok]
        with tqdm(total=len(working) * args.warm_up_tasks, desc="warm-up", unit="task") as bar:
            untimed = Recorder()
            await asyncio.gather(
                *(
                    annotate(a, seeded.project_id, args.warm_up_tasks, 0, 0, untimed, bar)
                    for a in working
                )
            )
        total = len(working) * args.tasks_per_annotator
        os.sync()
        disk = DiskProbe(probe_dir)
        disk.start()
        with tqdm(total=total, unit="task", mininterval=1) as progress:
            cpu_before = cpu_meter() if cpu_meter else {}
            clients_cpu = time.process_time()
            machine_before = machine_cpu_ticks()
            started = time.perf_counter()
            submitted = await asyncio.gather(
                *(
                    annotate(
                        a,
                        seeded.project_id,
                        args.tasks_per_annotator,
                        args.think_seconds,
                        args.ramp_up_seconds,
                        recorder,
                        progress,
                    )
                    for a in working
                )
            )
            seconds = time.perf_counter() - started
            cpu_after = cpu_meter() if cpu_meter else {}
            cpu_before["clients"] = clients_cpu
            cpu_after["clients"] = time.process_time()
            machine_after = machine_cpu_ticks()
        disk_fsync = disk.stop()
    finally:
        await asyncio.gather(*(a.client.close() for a in annotators))
    result = summarise(args, recorder, sum(submitted), seconds)
    busy, total = (
        after - before for after, before in zip(machine_after, machine_before, strict=True)
    )
    result["machine_cpu_busy_percent"] = round(100 * busy / max(total, 1), 1)
    result["disk_fsync_ms"] = disk_fsync
    requests = sum(len(recorder.latencies[e]) for e in ENDPOINTS if e != "login")
    result["cpu_ms_per_request"] = {
        name: round((cpu_after[name] - cpu_before[name]) * 1000 / max(requests, 1), 2)
        for name in cpu_after
    }
    return result


def machine_cpu_ticks() -> tuple[int, int]:
    """Busy and total CPU ticks of the whole machine since boot (/proc/stat), to tell how
    loaded it was while the clock ran: whatever else runs on it slows segloop too."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)
