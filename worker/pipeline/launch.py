"""The process torchrun starts for a distributed training stage (see `torchrun`)."""

import sys

from backend.db import open_session
from backend.models import Round
from worker.ml import distributed
from worker.pipeline.context import load_context
from worker.pipeline.state import ProgressReporter
from worker.pipeline.training_stages import TRAINING_FUNCTIONS


def _run_here(round_id: int, fit: str) -> None:
    distributed.init_from_env()
    try:
        ctx = load_context(round_id)
        with open_session() as session:
            stage = session.get_one(Round, round_id).stage
        report = ProgressReporter(round_id, stage) if distributed.is_main() else _silent
        TRAINING_FUNCTIONS[fit](ctx, report)
    finally:
        distributed.shutdown()


def _silent(*args, **kwargs) -> None:
    """Progress of the processes other than the first: the first speaks for the group."""


if __name__ == "__main__":
    _run_here(int(sys.argv[1]), sys.argv[2])
