"""Label efficiency: target-val mIoU against labelled target pixels, per method and round.

Every row is a real segloop project driven through the product's round pipeline in library mode
(one SQLite database and local storage in a work folder, stages run in-process with
`worker.pipeline.advance`), with the oracle answering each round's tasks from the target pool's
ground truth through the same task services the REST API calls. The pool's labels are never
imported: only the oracle reads them, from the dataset folder.

Rows (see METHODS): source only, fully supervised on the target pool, UDA without labels
(DACS; ProDA, DASO and AdaptSeg on request), the active-learning baselines (random points, random
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

Its parts: label_efficiency_config.py (rows and presets), label_efficiency_projects.py (process
settings, projects and imports), label_efficiency_rows.py (one row's rounds, in a worker
process), label_efficiency_scheduler.py (all rows over the processes) and
label_efficiency_report.py (summary, table and plot).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from label_efficiency_audit import audit_report, audit_table
from label_efficiency_config import METHODS, PRESETS, Config
from label_efficiency_projects import configure_process
from label_efficiency_report import iteration_costs, labelled_percent, plot, summarise, table
from label_efficiency_scheduler import run_all

RESULTS = Path(__file__).resolve().parent / "results"
# Config fields that the option of the same name overrides when it is given.
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
    "audit_share",
    "audit_min_points",
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
    parser.add_argument("--audit-share", type=float, help="audit points per point asked (0.05)")
    parser.add_argument("--audit-min-points", type=int, help="audit points per round at least (20)")
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


def main(argv: list[str] | None = None) -> None:
    """Run every row, print the table and the cost per iteration, write the JSON and the plot."""
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
    audit = audit_report(rows)
    if audit["rounds"]:
        print("\n" + audit_table(audit))
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
        "audit": audit,
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
