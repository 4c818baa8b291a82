"""Data-parallel training on two gloo processes started by torchrun: the code path a
multi-GPU worker runs with NCCL, on this CPU."""

import logging
import os
import subprocess
import sys
import threading
import time

import pytest
import torch

from backend.config import get_settings
from backend.db import open_session
from backend.models import Project, Round
from backend.services.rounds import cancel_round, create_round
from backend.storage import get_storage
from tests.worker.test_round_variants import (  # noqa: F401
    FAST_MODEL,
    _run_round,
    _tasks,
    environment,
)
from worker.pipeline.runner import Outcome, advance
from worker.pipeline.torchrun import torchrun_command


def _torchrun(processes: int, out) -> None:
    subprocess.run(
        torchrun_command(processes, "tests.worker.ddp_probe", str(out)),
        check=True,
        timeout=600,
        env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": "."},
    )


def test_two_processes_end_with_the_same_weights_learnt_from_both_shards(tmp_path):
    (tmp_path / "ddp").mkdir()
    (tmp_path / "alone").mkdir()
    _torchrun(2, tmp_path / "ddp")
    subprocess.run(
        [sys.executable, "-m", "tests.worker.ddp_probe", str(tmp_path / "alone")],
        check=True,
        timeout=600,
    )
    first, second = (torch.load(tmp_path / "ddp" / f"rank{r}.pt") for r in (0, 1))
    alone = torch.load(tmp_path / "alone" / "rank0.pt")
    for part in ("model", "selector"):
        ranks, single = (first[part], second[part]), alone[part]
        for name, value in ranks[0].items():
            torch.testing.assert_close(value, ranks[1][name], msg=f"{part}.{name} differs")
        # The same first process trained alone on its own shard ends elsewhere: the second
        # process's gradients were averaged in.
        assert any(not torch.allclose(v, single[k]) for k, v in ranks[0].items())


@pytest.fixture
def two_train_processes():
    settings = get_settings()
    settings.train_processes = 2
    yield
    settings.train_processes = 1


def test_a_round_trains_on_two_processes_and_publishes_its_tasks(
    environment,  # noqa: F811
    two_train_processes,
    caplog,
):
    caplog.set_level(logging.INFO, logger="worker.pipeline.torchrun")
    project_id = environment(selection_method="ppl", objective="dacs")
    round_ = _run_round(project_id)
    assert round_.status == "done", round_.error
    launches = [r.getMessage() for r in caplog.records if "processes" in r.getMessage()]
    assert launches == [
        f"round {round_.id}: fit_model on 2 processes",
        f"round {round_.id}: fit_selector on 2 processes",
    ]
    storage = get_storage()
    prefix = f"projects/{project_id}/rounds/0"
    assert storage.exists(f"{prefix}/model_a.pt") and storage.exists(f"{prefix}/selector_b.pt")
    assert round_.metrics["miou"] is not None
    assert 1 <= len(_tasks(round_.id)) <= 2


def _wait_for_training(round_id: int, iterations: int) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with open_session() as session:
            if f"/{iterations} " in (session.get(Round, round_id).message or ""):
                return
        time.sleep(0.2)
    raise AssertionError("training did not start")


def _cancel_once_training(round_id: int, iterations: int) -> None:
    _wait_for_training(round_id, iterations)
    with open_session() as session:
        cancel_round(session, session.get(Round, round_id))


def test_cancel_stops_both_training_processes_at_a_safe_point(
    environment,  # noqa: F811
    two_train_processes,
):
    iterations = 100_000
    project_id = environment(model_settings={**FAST_MODEL, "iterations": iterations})
    with open_session() as session:
        round_id = create_round(session, session.get(Project, project_id)).id
    assert advance(round_id) == Outcome.next_stage  # prepare
    canceller = threading.Thread(target=_cancel_once_training, args=(round_id, iterations))
    canceller.start()
    assert advance(round_id) == Outcome.finished  # train_model, until cancelled
    canceller.join()
    with open_session() as session:
        round_ = session.get(Round, round_id)
    assert (round_.status, round_.message) == ("cancelled", "cancelled during train_model")
    assert not get_storage().exists(f"projects/{project_id}/rounds/0/model_a.pt")
    leftovers = subprocess.run(["pgrep", "-f", "worker.pipeline.launch"], capture_output=True)
    assert leftovers.stdout == b"", "a training process outlived the cancel"


def _training_processes() -> str:
    found = subprocess.run(
        ["pgrep", "-af", "worker.pipeline.launch|torch.distributed.run"], capture_output=True
    )
    return found.stdout.decode()


def test_a_worker_killed_during_ddp_training_leaves_no_training_behind(
    environment,  # noqa: F811
):
    iterations = 100_000
    project_id = environment(model_settings={**FAST_MODEL, "iterations": iterations})
    with open_session() as session:
        round_id = create_round(session, session.get(Project, project_id)).id
    assert advance(round_id) == Outcome.next_stage  # prepare
    worker = subprocess.Popen(
        [sys.executable, "-c", f"from worker.pipeline.runner import advance; advance({round_id})"],
        env={**os.environ, "SEGLOOP_TRAIN_PROCESSES": "2"},
    )
    _wait_for_training(round_id, iterations)
    assert "worker.pipeline.launch" in _training_processes()
    worker.kill()
    worker.wait()
    deadline = time.monotonic() + 60
    while _training_processes() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _training_processes() == "", "training outlived the worker that started it"
