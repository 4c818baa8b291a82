"""Recipe search for model A: what each training setting buys, measured on the tuning split.

Trains with the product's own loop (`worker.ml.training.train_segmenter`) straight from a dataset
folder, without projects or rounds, and evaluates on the **tuning split** (splits.py): held-out
target-pool images that `label_efficiency.py` never uses, so no setting is chosen on target/val.

Each variant is one training run; its `mode` says on what:

- `source`: source labels only (round 0 of a project before anyone labels);
- `pool`: the labelled pool subset (the fully supervised ceiling);
- `points`: a round of point labels: the `source` model of the same settings fine-tuned on
  source batches plus `points` random points (at least 12 px apart) on each of `images` pool
  images, as a round of random points would;
- `uda`: a round of self-training without labels: the `source` model fine-tuned on source
  batches with `objective` (DACS, ProDA, DASO; `objective_options` over its defaults) on the
  unlabelled pool subset.

    python benchmarks/recipe.py ../shared/data/camvid2idd                 # every variant
    python benchmarks/recipe.py ../shared/data/camvid2idd --variants base no-aug

Variants run two at a time (one torch thread each); the table goes to stdout, the JSON (every
variant's settings, mIoU, per-class IoU and seconds) to benchmarks/results/recipe.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from splits import pool_subset, tuning_split
from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"


@dataclass(frozen=True)
class Variant:
    mode: str = "source"  # source | pool | points | uda
    backbone: str = "efficientnet_lite0"
    pretrained: bool = True
    iterations: int = 300
    batch_size: int = 8
    optimizer: str = "adamw"
    lr: float = 1e-3
    backbone_lr_scale: float = 0.1
    warmup_fraction: float = 0.05
    scale: tuple[float, float] = (0.75, 1.5)
    jitter: float = 0.2
    flip: bool = True
    frozen_norm: bool = False
    adversarial_weight: float = 0.0
    # points mode: the source model it starts from (None: as this variant)
    source_iterations: int = 300
    source_lr: float | None = None
    source_batch_size: int | None = None
    points: int = 40
    images: int = 100
    # points mode: source images per fine-tuning step (None: batch_size; 0: target only), and
    # the labelled target's weight in the loss
    round_source_batch: int | None = None
    target_weight: float = 1.0
    # uda mode
    objective: str = "none"
    objective_options: tuple[tuple[str, float], ...] = ()
    seed: int = 0

    def source_model(self) -> Variant:
        """The source-only run a `points` variant starts from."""
        return replace(
            self,
            mode="source",
            iterations=self.source_iterations,
            objective="none",
            objective_options=(),
            lr=self.source_lr or self.lr,
            batch_size=self.source_batch_size or self.batch_size,
            source_lr=None,
            source_batch_size=None,
            round_source_batch=None,
            target_weight=1.0,
            frozen_norm=False,
        )

    def key(self) -> str:
        return hashlib.sha1(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]


BASE = Variant()
ROUND = Variant(mode="points", iterations=150)
VARIANTS: dict[str, Variant] = {
    "base": BASE,
    "sgd-0.01": replace(BASE, optimizer="sgd", lr=0.01),
    "adamw-3e-4": replace(BASE, lr=3e-4),
    "adamw-3e-3": replace(BASE, lr=3e-3),
    "same-lr-backbone": replace(BASE, backbone_lr_scale=1.0),
    "no-warmup": replace(BASE, warmup_fraction=0.0),
    "batch-4": replace(BASE, batch_size=4),
    "no-aug": replace(BASE, scale=(1.0, 1.0), jitter=0.0, flip=False),
    "flip-only": replace(BASE, scale=(1.0, 1.0), jitter=0.0),
    "scale-0.5-2": replace(BASE, scale=(0.5, 2.0)),
    "jitter-0.4": replace(BASE, jitter=0.4),
    "adversarial": replace(BASE, adversarial_weight=0.001),
    "600-iterations": replace(BASE, iterations=600),
    "random-init": replace(BASE, pretrained=False),
    "pool": replace(BASE, mode="pool"),
    "round": ROUND,
    "round-frozen-norm": replace(ROUND, frozen_norm=True),
    "round-lr-3e-4": replace(ROUND, lr=3e-4),
    "round-100-it": replace(ROUND, iterations=100),
    "round-batch-4": replace(ROUND, batch_size=4),
}
# Second pass, after the first showed the backbone's lower rate was the main brake.
ALL = replace(BASE, backbone_lr_scale=1.0)
ALL_ROUND = replace(ALL, mode="points", iterations=150)
VARIANTS |= {
    "all-lr-5e-4": replace(ALL, lr=5e-4),
    "all-lr-2e-3": replace(ALL, lr=2e-3),
    "all-batch-4-600": replace(ALL, batch_size=4, iterations=600),
    "all-pool": replace(ALL, mode="pool"),
    "all-round": ALL_ROUND,
    "all-round-frozen-norm": replace(ALL_ROUND, frozen_norm=True),
    "all-round-batch-4": replace(ALL_ROUND, batch_size=4, source_batch_size=8),
    "all-round-lr-3e-4": replace(ALL_ROUND, lr=3e-4, source_lr=1e-3),
}
# Fine-tuning rounds with fewer source images per step (cheaper), or a heavier target loss.
ROUND_B4 = VARIANTS["all-round-batch-4"]
VARIANTS |= {
    "round-source-2": replace(ROUND_B4, round_source_batch=2),
    "round-target-only": replace(ROUND_B4, round_source_batch=0),
    "round-target-weight-2": replace(ROUND_B4, target_weight=2.0),
}
# Self-training rounds from the same start, b4 x 150 like the label-efficiency rows.
UDA = replace(ALL, mode="uda", iterations=150, batch_size=4, source_batch_size=8)
VARIANTS |= {
    "uda-none": replace(UDA, objective="none"),
    "uda-dacs": replace(UDA, objective="dacs"),
    "uda-dacs-lr-1e-4": replace(UDA, objective="dacs", lr=1e-4, source_lr=1e-3),
    "uda-dacs-teacher-0.999": replace(
        UDA, objective="dacs", objective_options=(("ema_alpha", 0.999),)
    ),
    "uda-proda": replace(UDA, objective="proda"),
    "uda-dacs-pixelwise": replace(UDA, objective="dacs", objective_options=(("pixelwise", 1),)),
    "uda-dacs-image-weight": replace(UDA, objective="dacs", objective_options=(("pixelwise", 0),)),
    "uda-proda-threshold-0.9": replace(
        UDA, objective="proda", objective_options=(("pseudo_threshold", 0.9),)
    ),
    "uda-dacs-threshold-0.9": replace(
        UDA, objective="dacs", objective_options=(("pseudo_threshold", 0.9),)
    ),
    "uda-dacs-pixelwise-lr-1e-4": replace(
        UDA, objective="dacs", objective_options=(("pixelwise", 1),), lr=1e-4, source_lr=1e-3
    ),
}


def _items(folder: Path, names: list[str] | None = None) -> list[tuple[str, str]]:
    images = sorted(p for p in (folder / "images").iterdir() if not p.name.startswith("."))
    wanted = None if names is None else set(names)
    return [
        (str(p), str(folder / "labels" / f"{p.stem}.png"))
        for p in images
        if wanted is None or p.stem in wanted
    ]


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


def _point_labels(items: list[tuple[str, str]], v: Variant, out: Path) -> list[tuple[str, str]]:
    """Random points (>= 12 px apart) on `v.images` pool images, as sparse label PNGs."""
    import numpy as np
    import torch
    from PIL import Image

    from worker.ml.data import decode_label
    from worker.ml.selection import select_random

    rng = random.Random(v.seed)
    chosen = rng.sample(items, min(v.images, len(items)))
    generator = torch.Generator().manual_seed(v.seed)
    out.mkdir(parents=True, exist_ok=True)
    labelled = []
    for image_path, label_path in chosen:
        full = decode_label(_read(label_path))
        [points] = select_random((1, *full.shape), v.points, generator=generator, min_distance=12)
        sparse = np.full_like(full, 255)
        for x, y in points:
            sparse[y, x] = full[y, x]
        target = out / f"{Path(image_path).stem}.png"
        Image.fromarray(sparse).save(target)
        labelled.append((image_path, str(target)))
    return labelled


def run_variant(name: str, v: Variant, data: str, work: str, pool_size: int) -> dict:
    """Train and evaluate one variant (in a worker process: one torch thread)."""
    import torch

    torch.set_num_threads(1)
    sys.path.insert(0, str(REPO))
    from worker.ml.data import Augment, SegmentationDataset, infinite_batches
    from worker.ml.metrics import evaluate
    from worker.ml.models import build_segmenter
    from worker.ml.training import TrainConfig, train_segmenter

    root, work_dir = Path(data), Path(work)
    pool = root / "target" / "train"
    classes = len(json.loads((root / "classes.json").read_text())["classes"])
    size = (192, 256)
    augment = Augment(scale=v.scale, flip=v.flip, jitter=v.jitter)

    def batches(items: list[tuple[str, str]], seed: int, batch_size: int | None = None):
        dataset = SegmentationDataset(items, _read, size=size, augment=augment)
        return infinite_batches(dataset, v.batch_size if batch_size is None else batch_size, seed)

    cfg = TrainConfig(
        iterations=v.iterations,
        batch_size=v.batch_size,
        lr=v.lr,
        optimizer=v.optimizer,
        backbone_lr_scale=v.backbone_lr_scale,
        warmup_fraction=v.warmup_fraction,
        frozen_norm=v.frozen_norm,
        target_weight=v.target_weight,
        adversarial_weight=v.adversarial_weight,
        checkpoint_every=10**9,
        seed=v.seed,
    )
    torch.manual_seed(v.seed)
    model = build_segmenter(classes, v.backbone, v.pretrained)
    source_items = _items(root / "source" / "train")
    pool_items = _items(pool, pool_subset(pool, pool_size))
    started = time.monotonic()
    if v.mode in ("points", "uda"):
        start = work_dir / f"{v.source_model().key()}.pt"
        if not start.exists():
            raise RuntimeError(f"{name}: run its source model first ({start})")
        model.load_state_dict(torch.load(start, weights_only=True))
    if v.mode == "points":
        labelled = _point_labels(pool_items, v, work_dir / f"points-{v.key()}")
        source_batch = v.round_source_batch
        source = None if source_batch == 0 else batches(source_items, v.seed, source_batch)
        train_segmenter(model, cfg, source, batches(labelled, v.seed + 1))
    elif v.mode == "uda":
        from backend.objectives import validate_objective_config
        from worker.ml.adaptation import build_objective
        from worker.ml.adaptation.base import DirectorySoftLabelStore

        objective = build_objective(
            v.objective,
            validate_objective_config(v.objective, dict(v.objective_options)),
            classes,
            soft_label_store=DirectorySoftLabelStore(work_dir / f"soft-{v.key()}"),
        )
        # Not augmented: objectives keep per-image state by pool index (as the pipeline).
        unlabelled = SegmentationDataset([(i, None) for i, _ in pool_items], _read, size=size)
        if objective is not None:
            objective.prepare(model, unlabelled, "cpu")
        train_segmenter(
            model,
            cfg,
            batches(source_items, v.seed),
            None,
            infinite_batches(unlabelled, v.batch_size, v.seed + 2),
            objective=objective,
        )
    else:
        train_items = pool_items if v.mode == "pool" else source_items
        unlabelled = None
        if v.adversarial_weight > 0:
            unlabelled = batches([(i, None) for i, _ in pool_items], v.seed + 2)
        train_segmenter(model, cfg, batches(train_items, v.seed), None, unlabelled)
    seconds = time.monotonic() - started
    torch.save(model.state_dict(), work_dir / f"{v.key()}.pt")
    tuning = SegmentationDataset(_items(pool, tuning_split(pool, pool_size)), _read, size=size)
    result = evaluate(model, tuning, classes)
    return {"name": name, "variant": asdict(v), "seconds": seconds, **result}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--pool-size", type=int, default=200, help="as label_efficiency.py")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--work-dir", type=Path, default=RESULTS / "recipe-work")
    parser.add_argument("--out", type=Path, default=RESULTS / "recipe.json")
    args = parser.parse_args(argv)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    runs = [
        (f"{n} seed {s}", replace(VARIANTS[n], seed=s)) for s in args.seeds for n in args.variants
    ]
    # Source models that point rounds start from run first, once (kept in the work folder).
    needed = {
        v.source_model().key(): v.source_model() for _, v in runs if v.mode in ("points", "uda")
    }
    have = {v.key() for _, v in runs}
    fresh = {k: v for k, v in needed.items() if not (args.work_dir / f"{k}.pt").exists()}
    runs = [(f"(start of) {k}", v) for k, v in fresh.items() if k not in have] + runs
    stages = [
        [r for r in runs if r[1].mode in ("source", "pool")],
        [r for r in runs if r[1].mode in ("points", "uda")],
    ]
    results = []
    with ProcessPoolExecutor(args.jobs) as pool, tqdm(total=len(runs), unit="run") as bar:
        for stage in stages:
            futures = [
                pool.submit(run_variant, n, v, str(args.data), str(args.work_dir), args.pool_size)
                for n, v in stage
            ]
            for future in as_completed(futures):
                result = future.result()
                miou, seconds = 100 * result["miou"], result["seconds"]
                bar.write(f"{result['name']}: {miou:.1f} ({seconds:.0f} s)")
                bar.update(1)
                results.append(result)
    order = {n: i for i, (n, _) in enumerate(runs)}
    results.sort(key=lambda r: order[r["name"]])
    print(f"\n{'variant':<28} {'mode':<7} {'tuning mIoU':>11} {'seconds':>8}")
    for r in results:
        mode, miou = r["variant"]["mode"], 100 * r["miou"]
        print(f"{r['name']:<28} {mode:<7} {miou:>11.1f} {r['seconds']:>8.0f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"command": " ".join(sys.argv), "runs": results}, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
