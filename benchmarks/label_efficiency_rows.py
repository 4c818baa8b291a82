"""One row in one worker process: its rounds advanced stage by stage through the product's
pipeline, the oracle's answers between them, and what each round measured."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from label_efficiency_config import METHODS, Config


@dataclass
class RoundResult:
    """What one round measured, what it cost (seconds per stage), and what was labelled."""

    number: int
    status: str
    labelled_pixels: int
    labelled_fraction: float
    miou: float
    pixel_accuracy: float | None
    per_class_iou: dict[str, float | None]
    tasks: int
    seconds: float
    stage_seconds: dict[str, float]
    labelled_classes: dict[str, int] = field(default_factory=dict)
    # The audit estimate as the row's last round left it (later rounds re-estimate earlier
    # models on the audit labels gathered since).
    audit: dict[str, Any] | None = None


@dataclass
class RowResult:
    """One row and seed, round by round: an entry of the JSON's runs."""

    name: str
    seed: int
    label: str
    kind: str
    selection: str
    objective: str
    adversarial: bool
    project_id: int
    rounds: list[RoundResult] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class RowJob:
    """What a worker process needs to run one row; the storage key of the model it starts from."""

    name: str
    seed: int
    project_id: int
    oracle_id: int
    start_model: str | None


def run_row(cfg: Config, job: RowJob) -> RowResult:
    """All rounds of one row; between rounds the oracle labels what the round asked for."""
    from backend.storage import get_storage
    from worker.oracle import answer_tasks_inline
    from worker.pipeline.artifacts import RoundKeys

    method = METHODS[job.name]
    storage = get_storage()
    started = time.monotonic()
    keys = RoundKeys(job.project_id, 0)
    if job.start_model is not None:
        storage.put(keys.model, storage.get(job.start_model))  # round 0 then skips training
    row = RowResult(
        job.name,
        job.seed,
        method.label,
        method.kind,
        method.selection if method.kind == "active" else "-",
        method.objective,
        method.adversarial,
        job.project_id,
    )
    labels = cfg.data / "target" / "train" / "labels"
    for number in range(cfg.rounds + 1):
        round_started = time.monotonic()
        selects = method.kind == "active" and number < cfg.rounds
        round_, stage_seconds = run_round(job.project_id, selects)
        oracle_started = time.monotonic()
        tasks = 0
        if selects:
            tasks = answer_tasks_inline(job.project_id, labels, job.oracle_id, progress=False)[
                "tasks"
            ]
        stage_seconds["oracle"] = time.monotonic() - oracle_started
        metrics = round_.metrics
        labelled_classes = labelled_class_counts(job.project_id, list(metrics["per_class_iou"]))
        row.rounds.append(
            RoundResult(
                number=round_.number,
                status=str(round_.status),
                labelled_pixels=metrics["labelled_pixels"],
                labelled_fraction=metrics["labelled_fraction"],
                miou=metrics["miou"],
                pixel_accuracy=metrics.get("pixel_accuracy"),
                per_class_iou=metrics["per_class_iou"],
                tasks=tasks,
                seconds=time.monotonic() - round_started,
                stage_seconds=stage_seconds,
                labelled_classes=labelled_classes,
            )
        )
    _final_audit(row)
    row.seconds = time.monotonic() - started
    return row


def _final_audit(row: RowResult) -> None:
    from sqlalchemy import select

    from backend.db import open_session
    from backend.models import Round

    with open_session() as session:
        audits = dict(
            session.execute(
                select(Round.number, Round.audit).where(Round.project_id == row.project_id)
            ).all()
        )
    for result in row.rounds:
        result.audit = audits.get(result.number)


def labelled_class_counts(project_id: int, names: list[str]) -> dict[str, int]:
    """Labelled pixels per class over every answer so far: what a method asked people for."""
    import numpy as np
    from sqlalchemy import select

    from backend.db import open_session
    from backend.models import Annotation, AnnotationTask, TaskPurpose
    from backend.storage import get_storage
    from worker.ml.data import decode_label

    counts = np.zeros(256, dtype=np.int64)
    with open_session() as session:
        annotations = session.scalars(
            select(Annotation)
            .join(AnnotationTask, AnnotationTask.id == Annotation.task_id)
            .where(
                AnnotationTask.project_id == project_id,
                AnnotationTask.purpose == TaskPurpose.train,
            )
        ).all()
        for annotation in annotations:
            if annotation.label_key:
                label = decode_label(get_storage().get(annotation.label_key))
                counts += np.bincount(label.ravel(), minlength=256)
            for point in annotation.labels:
                counts[point["class_id"]] += 1
    return {name: int(counts[i]) for i, name in enumerate(names)}


def run_round(project_id: int, selects: bool) -> tuple[Any, dict[str, float]]:
    """Create the project's next round and advance it stage by stage in this process; returns
    it and the seconds each stage took. A round whose selection nobody will label (rows without
    labels, the last round) is cancelled once evaluated, as an admin would, instead of
    selecting and publishing tasks."""
    from backend.db import open_session
    from backend.models import Project, Round, RoundStatus
    from backend.services.rounds import cancel_round, create_round
    from worker.pipeline.runner import Outcome, advance
    from worker.pipeline.state import STAGES

    after_evaluate = STAGES[STAGES.index("evaluate") + 1]
    with open_session() as session:
        round_id = create_round(session, session.get(Project, project_id)).id
    stage_seconds: dict[str, float] = {}
    outcome = Outcome.next_stage
    while outcome == Outcome.next_stage:
        with open_session() as session:
            round_ = session.get(Round, round_id)
            stage = STAGES[0] if round_.stage == "queued" else round_.stage
            if not selects and stage == after_evaluate:
                cancel_round(session, round_)
        started = time.monotonic()
        outcome = advance(round_id)
        stage_seconds[stage] = time.monotonic() - started
    with open_session() as session:
        round_ = session.get(Round, round_id)
    if round_.metrics is None or round_.status == RoundStatus.failed:
        raise RuntimeError(f"round {round_.number} {round_.status}: {round_.error}")
    return round_, stage_seconds
