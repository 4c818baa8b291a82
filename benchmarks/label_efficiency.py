"""Label efficiency: target-val mIoU against labelled target pixels, per method and round.

Every row is a real segloop project driven through the product's round pipeline in library mode
(one SQLite database and local storage in a work folder, stages run in-process with
`worker.pipeline.advance`), with the oracle answering each round's tasks from the target pool's
ground truth through the same task services the REST API calls. The pool's labels are never
imported: only the oracle reads them, from the dataset folder.

Rows (see METHODS): source only, fully supervised on the target pool, UDA without labels
(AdaptSeg alone and with DACS / ProDA / DASO), the active-learning baselines (random, entropy,
RIPU region and pixel) and LabOR (SPL, PPL, and PPL with each self-training objective).

Same compute: every row runs round 0 and `--rounds` fine-tuning rounds of the same length; rows
without labels fine-tune without them, so round r of every row has had the same training
iterations. Active-learning rows do not train round 0: they start from the round-0 model of the
UDA row with their objective (AdaptSeg alone for the baselines and plain LabOR), so they differ
only in what they select. Independent rows run in parallel worker processes (`--jobs`).

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
import random
import shutil
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
ORACLE_EMAIL = "oracle@benchmark.local"


@dataclass(frozen=True)
class Method:
    """One row: how its project is set up and where its round-0 model comes from."""

    label: str
    kind: str  # "reference" (no labels), "supervised" (all pool labels), "uda", "active"
    selection: str = "random"
    objective: str = "none"
    adversarial: bool = True

    @property
    def seed_row(self) -> str | None:
        """The UDA row whose round-0 model an active-learning row starts from."""
        return f"uda-{self.objective}" if self.kind == "active" else None


METHODS: dict[str, Method] = {
    "source-only": Method("source only", "reference", adversarial=False),
    "supervised": Method("fully supervised (target pool)", "supervised", adversarial=False),
    "uda-none": Method("UDA: AdaptSeg", "uda"),
    "uda-dacs": Method("UDA: AdaptSeg + DACS", "uda", objective="dacs"),
    "uda-proda": Method("UDA: AdaptSeg + ProDA", "uda", objective="proda"),
    "uda-daso": Method("UDA: AdaptSeg + DASO", "uda", objective="daso"),
    "random": Method("random points", "active", "random"),
    "entropy": Method("entropy points", "active", "entropy"),
    "ripu-region": Method("RIPU region", "active", "ripu_region"),
    "ripu-pixel": Method("RIPU pixel", "active", "ripu_pixel"),
    "labor-spl": Method("LabOR SPL", "active", "spl"),
    "labor-ppl": Method("LabOR PPL", "active", "ppl"),
    "labor-ppl+dacs": Method("LabOR PPL + DACS", "active", "ppl", "dacs"),
    "labor-ppl+proda": Method("LabOR PPL + ProDA", "active", "ppl", "proda"),
    "labor-ppl+daso": Method("LabOR PPL + DASO", "active", "ppl", "daso"),
}


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
    seed: int = 0
    device: str = "cpu"
    threads: int = 1
    jobs: int = 1

    def model_settings(self, method: Method) -> dict[str, Any]:
        return {
            "backbone": self.backbone,
            "pretrained": self.pretrained,
            "iterations": self.iterations,
            "finetune_iterations": self.finetune_iterations,
            "selector_iterations": self.selector_iterations,
            "batch_size": self.batch_size,
            "image_size": list(self.image_size),
            "adversarial_weight": 0.001 if method.adversarial else 0.0,
            "checkpoint_every": max(self.iterations, self.finetune_iterations),
            "seed": self.seed,
        }


PRESETS: dict[str, Config] = {
    # Sized on the shared 2-core CPU; see benchmarks/README.md for the measured times.
    "quick": Config(
        data=Path(),
        preset="quick",
        methods=tuple(METHODS),
        rounds=2,
        iterations=200,
        finetune_iterations=80,
        selector_iterations=40,
        image_size=(72, 96),
        backbone="mobilenet_v3_small",
        pretrained=False,
        batch_size=4,
        pool_size=200,
        images_per_round=100,
        device="cpu",
        threads=1,
        jobs=2,
    ),
    # The paper's network at the data's full resolution and the whole pool, for one GPU.
    "full": Config(
        data=Path(),
        preset="full",
        methods=tuple(METHODS),
        rounds=4,
        iterations=4000,
        finetune_iterations=1000,
        selector_iterations=500,
        image_size=(192, 256),
        backbone="resnet101",
        pretrained=True,
        batch_size=8,
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
    "seed",
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
    parser.add_argument("--methods", nargs="+", choices=list(METHODS), help="rows to run")
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
    parser.add_argument("--seed", type=int)
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
    methods = list(args.methods or preset.methods)
    wanted = set(methods) | {METHODS[m].seed_row for m in methods if METHODS[m].seed_row}
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


def stage_pool(data: Path, work_dir: Path, size: int | None, seed: int) -> Path:
    """The pool folder to import: all of target/train, or a seeded random subset of it staged in
    the work folder (hard links where possible; the importer refuses links leaving a folder)."""
    pool = data / "target" / "train"
    if size is None:
        return pool
    names = sorted(p.stem for p in (pool / "images").iterdir() if not p.name.startswith("."))
    if size >= len(names):
        return pool
    staged = work_dir / "pool"
    for name in sorted(random.Random(seed).sample(names, size)):
        for path in (*(pool / "images").glob(f"{name}.*"), pool / "labels" / f"{name}.png"):
            target = staged / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() and not target.exists():
                try:
                    os.link(path, target)
                except OSError:
                    shutil.copyfile(path, target)
    return staged


def create_project(cfg: Config, name: str, pool: Path) -> int:
    """The row's project with its datasets, imported as an admin would (the pool without its
    labels, except for the fully supervised row, which trains on them)."""
    from backend.config import get_settings
    from backend.db import session_scope
    from backend.models import DatasetKind, Project
    from backend.schemas import ProjectCreate
    from backend.services.datasets import import_folder
    from backend.storage import get_storage

    method = METHODS[name]
    body = ProjectCreate.model_validate(
        {
            "name": name,
            "classes": load_classes(cfg.data),
            "selection_method": method.selection,
            "objective": method.objective,
            "points_per_image": cfg.points_per_image,
            "pixel_budget": cfg.pixel_budget,
            "images_per_round": cfg.images_per_round,
            "model_settings": cfg.model_settings(method),
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
    with session_scope() as session:
        project = Project(
            name=body.name,
            classes=[c.model_dump() for c in body.classes],
            selection_method=body.selection_method,
            objective=body.objective,
            objective_config=body.objective_config,
            points_per_image=body.points_per_image,
            pixel_budget=body.pixel_budget,
            images_per_round=body.images_per_round,
            model_settings=body.model_settings.model_dump(mode="json"),
        )
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


@dataclass
class RowResult:
    name: str
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
    """What a worker process needs to run one row; storage keys of models it starts from."""

    name: str
    project_id: int
    oracle_id: int
    seed_model: str | None
    warmup_model: str | None


def run_row(cfg: Config, job: RowJob) -> RowResult:
    """All rounds of one row; between rounds the oracle labels what the round asked for."""
    from backend.storage import get_storage
    from worker.oracle import answer_tasks_inline
    from worker.pipeline.artifacts import RoundKeys

    method = METHODS[job.name]
    storage = get_storage()
    started = time.monotonic()
    keys = RoundKeys(job.project_id, 0)
    if job.seed_model is not None:
        storage.put(keys.model, storage.get(job.seed_model))  # round 0 then skips training
    if job.warmup_model is not None:
        storage.put(keys.warmup_model, storage.get(job.warmup_model))
    row = RowResult(
        job.name,
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
            )
        )
    row.seconds = time.monotonic() - started
    return row


def run_round(project_id: int, selects: bool) -> tuple[Any, dict[str, float]]:
    """Create the project's next round and advance it stage by stage in this process; returns
    it and the seconds each stage took. A round whose selection nobody will label (rows without
    labels, the last round) is cancelled once evaluated, as an admin would, instead of
    selecting and publishing tasks."""
    from backend.db import session_scope
    from backend.models import Project, Round, RoundStatus
    from backend.services.rounds import cancel_round, create_round
    from worker.pipeline import Outcome, advance
    from worker.pipeline.state import STAGES

    after_evaluate = STAGES[STAGES.index("evaluate") + 1]
    with session_scope() as session:
        round_id = create_round(session, session.get(Project, project_id)).id
    stage_seconds: dict[str, float] = {}
    outcome = Outcome.next_stage
    while outcome == Outcome.next_stage:
        with session_scope() as session:
            round_ = session.get(Round, round_id)
            stage = round_.stage
            if not selects and stage == after_evaluate:
                cancel_round(session, round_)
        started = time.monotonic()
        outcome = advance(round_id)
        stage_seconds[stage] = time.monotonic() - started
    with session_scope() as session:
        round_ = session.get(Round, round_id)
    if round_.metrics is None or round_.status == RoundStatus.failed:
        raise RuntimeError(f"round {round_.number} {round_.status}: {round_.error}")
    return round_, stage_seconds


def dependencies(name: str, methods: tuple[str, ...]) -> set[str]:
    """Rows whose models this row starts from: its seed row; for self-training UDA rows, the
    first of them, whose objective-free warm-up (identical for all) the others reuse."""
    method = METHODS[name]
    if method.seed_row is not None:
        return {method.seed_row}
    self_training = [
        m for m in methods if METHODS[m].kind == "uda" and METHODS[m].objective != "none"
    ]
    if name in self_training and self_training[0] != name:
        return {self_training[0]}
    return set()


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
        from sqlalchemy import select

        from backend.db import session_scope
        from backend.models import Round

        with session_scope() as session:
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
        self.rows.write(f"{row.name}: mIoU {summary} ({row.seconds:.0f} s)")
        self.rows.update(1)

    def close(self) -> None:
        for bar in (*self.slots, self.rows):
            bar.close()


def run_all(cfg: Config, work_dir: Path) -> tuple[list[RowResult], int]:
    """Create every project (imports are long SQLite write transactions, so they run here,
    one at a time), then run the rows in `cfg.jobs` processes as their seeds become ready.
    Returns the rows in METHODS order and the number of pool images."""
    from backend.db import session_scope
    from backend.demo import ensure_user
    from backend.migrate import upgrade
    from backend.models import Role
    from worker.pipeline.artifacts import RoundKeys

    upgrade(os.environ["SEGLOOP_DATABASE_URL"])
    with session_scope() as session:
        oracle_id = ensure_user(session, ORACLE_EMAIL, os.urandom(16).hex(), Role.admin).id
    pool = stage_pool(cfg.data, work_dir, cfg.pool_size, cfg.seed)
    pool_images = sum(1 for p in (pool / "images").iterdir() if not p.name.startswith("."))
    projects = {
        name: create_project(cfg, name, pool)
        for name in tqdm(cfg.methods, desc="importing datasets", unit="project")
    }
    needed = {dep for name in cfg.methods for dep in dependencies(name, cfg.methods)}
    # Rows others start from go first: they are the critical path.
    pending = sorted(cfg.methods, key=lambda n: (n not in needed, cfg.methods.index(n)))
    results: dict[str, RowResult] = {}
    running: dict[Future, str] = {}
    view = ProgressView(len(cfg.methods), cfg.jobs)
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(
            cfg.jobs, mp_context=context, initializer=configure_process, initargs=(cfg, work_dir)
        ) as pool_executor:
            while pending or running:
                for name in list(pending):
                    deps = dependencies(name, cfg.methods)
                    if len(running) >= cfg.jobs or not deps <= results.keys():
                        continue
                    pending.remove(name)
                    seed = METHODS[name].seed_row
                    warmup = next(iter(deps)) if deps and seed is None else None
                    job = RowJob(
                        name,
                        projects[name],
                        oracle_id,
                        RoundKeys(projects[seed], 0).model if seed else None,
                        RoundKeys(projects[warmup], 0).warmup_model if warmup else None,
                    )
                    running[pool_executor.submit(run_row, cfg, job)] = name
                done, _ = wait(running, timeout=1.0, return_when=FIRST_COMPLETED)
                for future in done:
                    row = future.result()
                    results[running.pop(future)] = row
                    view.finished(row)
                view.show({name: projects[name] for name in running.values()})
    finally:
        view.close()
    return [results[name] for name in cfg.methods], pool_images


def gap_closed(rows: list[RowResult]) -> dict[tuple[str, int], float | None]:
    """(mIoU − source only) / (fully supervised − source only), each taken at the same round,
    i.e. after the same number of training iterations."""
    by_name = {row.name: row for row in rows}
    low, high = by_name.get("source-only"), by_name.get("supervised")
    gaps: dict[tuple[str, int], float | None] = {}
    for row in rows:
        for result in row.rounds:
            gap = None
            if low is not None and high is not None:
                lo, hi = low.rounds[result.number].miou, high.rounds[result.number].miou
                gap = (result.miou - lo) / (hi - lo) if hi != lo else None
            gaps[(row.name, result.number)] = gap
    return gaps


def labelled_percent(row: RowResult, result: RoundResult) -> float:
    """Cumulative labelled pool pixels in % of the pool; the supervised row has all of them."""
    return 100.0 if row.kind == "supervised" else 100 * result.labelled_fraction


def table(rows: list[RowResult]) -> str:
    gaps = gap_closed(rows)
    lines = [
        f"{'method':<32} {'round':>5} {'labelled %':>10} {'mIoU':>6} {'gap closed':>10}",
        "-" * 67,
    ]
    for row in rows:
        for result in row.rounds:
            gap = gaps[(row.name, result.number)]
            lines.append(
                f"{row.label:<32} {result.number:>5} {labelled_percent(row, result):>10.3f} "
                f"{100 * result.miou:>6.1f} {'' if gap is None else f'{100 * gap:.0f} %':>10}"
            )
    return "\n".join(lines)


def plot(rows: list[RowResult], path: Path, title: str) -> None:
    """mIoU against labelled % (symmetric log: point methods label ~100x fewer pixels than
    region methods): a curve per labelling row, a level per row without selection."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 5.5))
    curves = [row for row in rows if row.kind == "active"]
    markers = "osD^v<>ph*"
    for i, row in enumerate(curves):
        ax.plot(
            [labelled_percent(row, r) for r in row.rounds],
            [100 * r.miou for r in row.rounds],
            marker=markers[i % len(markers)],
            color=f"C{i % 10}",
            linestyle="-" if row.objective == "none" else "--",
            label=row.label,
        )
    for i, row in enumerate(row for row in rows if row.kind != "active"):
        final = row.rounds[-1]
        ax.axhline(
            100 * final.miou,
            color="black" if row.kind == "supervised" else plt.cm.Dark2(i % 8),
            linestyle="-." if row.kind == "supervised" else ":",
            linewidth=1.2,
            label=f"{row.label} ({labelled_percent(row, final):.0f} % labelled)",
        )
    ax.set_xscale("symlog", linthresh=0.01)
    ax.set_xlim(left=0)
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

    print("\n" + table(rows))
    print(f"\nwall time {wall / 60:.1f} min, CPU time {cpu / 60:.1f} min")
    gaps = gap_closed(rows)
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
        "rows": [
            {
                **asdict(row),
                "rounds": [
                    {
                        **asdict(r),
                        "labelled_percent": labelled_percent(row, r),
                        "gap_closed": gaps[(row.name, r.number)],
                    }
                    for r in row.rounds
                ],
            }
            for row in rows
        ],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    title = (
        f"{cfg.data.name}: {cfg.backbone} {cfg.image_size[1]}x{cfg.image_size[0]}, "
        f"{cfg.iterations} + {cfg.rounds} x {cfg.finetune_iterations} iterations, "
        f"{pool_images} pool images, {cfg.images_per_round} labelled per round"
    )
    plot(rows, plot_path, title)
    print(f"wrote {out} and {plot_path}")


if __name__ == "__main__":
    main()
