"""One training stage on several processes: the worker's task starts torchrun and waits.

    python -m torch.distributed.run --standalone --nproc-per-node N \\
        -m worker.pipeline.launch ROUND_ID fit_model

Every process loads the round from the database and storage and trains on its own batches;
DDP averages the gradients and the first process writes checkpoints, the model and progress
under the worker's lease. A killed group resumes from its last checkpoint like a single
process would, since the stage's task is redelivered as usual.
"""

import ctypes
import logging
import os
import signal
import subprocess
import sys
import tempfile
from collections import deque

from backend.db import open_session
from backend.models import Round
from worker.pipeline.state import RUNNER_ID, CancelRequested, LeaseLost

log = logging.getLogger(__name__)
ERROR_LINES = 20
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def torchrun_command(processes: int, module: str, *args: str) -> list[str]:
    """torchrun on this machine (`--standalone`: it picks a free rendezvous port itself)."""
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc-per-node={processes}",
        "-m",
        module,
        *args,
    ]


def _stop_with_parent() -> None:
    """In torchrun's process before it starts: SIGTERM it (it then stops its training
    processes) when the thread that started it dies, even by kill -9, so a killed worker
    leaves no training behind and the redelivered stage resumes from the last checkpoint."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def run_distributed(round_id: int, fit: str, processes: int) -> None:
    """Run `fit` of the round on `processes` torchrun processes; raise as the stage would."""
    command = torchrun_command(processes, "worker.pipeline.launch", str(round_id), fit)
    env = {**os.environ, "SEGLOOP_RUNNER_ID": RUNNER_ID}
    log.info("round %s: %s on %d processes", round_id, fit, processes)
    with tempfile.TemporaryFile("w+") as output:
        returncode = subprocess.run(
            command,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=_stop_with_parent if sys.platform == "linux" else None,
        ).returncode
        output.seek(0)
        lines = output.read().splitlines()
    for line in lines:
        log.info("torchrun: %s", line)
    if returncode == 0:
        return
    with open_session() as session:
        round_ = session.get_one(Round, round_id)
        if round_.cancel_requested:
            raise CancelRequested()
        if round_.runner_id != RUNNER_ID:
            raise LeaseLost(f"round {round_id} is no longer ours")
    tail = "\n".join(deque((line for line in lines if line.strip()), maxlen=ERROR_LINES))
    raise RuntimeError(f"{fit} on {processes} processes exited with {returncode}:\n{tail}")
