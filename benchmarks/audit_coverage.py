"""Which audit interval keeps its level on real data: a simulation on target-pool images that no
label-efficiency row uses (the pool outside the quick preset's subset, like recipe.py's tuning
split), never on target/val.

A model (a state dict from recipe.py's work folder) predicts every such image once. Its mIoU over
all their pixels is the truth an audit estimates. Each repetition holds out `images` of them at
random, draws `points` uniform pixels spread evenly over those (as worker.pipeline.audit does)
and builds each interval from the same bootstrap draws. Coverage is how often the truth lies
inside; the product wants the level it claims (90 %). `product (t-widened)` is the product's own
interval (worker.ml.audit.estimate); the others are the candidates it was chosen from.

    python benchmarks/audit_coverage.py ../shared/data/camvid2idd /work/runs/recipe/MODEL.pt ...

Prints one table row per (model, images, points, interval); JSON to --out.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from statistics import NormalDist

import numpy as np
from scipy import stats
from splits import pool_names, pool_subset
from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from worker.ml import audit  # noqa: E402


def _miou(matrices: np.ndarray) -> np.ndarray:
    return audit.scores(matrices)[1]


def predictions(data: Path, state_dict: Path, names: list[str], classes: int):
    """(predicted, truth) of each image's labelled pixels; kept beside the model, reused for
    the same images (the cache's name holds a digest of them)."""
    digest = hashlib.sha1("\n".join(names).encode()).hexdigest()[:12]
    cache = state_dict.with_suffix(f".{digest}.predictions.npz")
    if cache.exists():
        arrays = np.load(cache)
        return [(arrays[f"p{i}"], arrays[f"t{i}"]) for i in range(len(names))]
    import torch

    from worker.ml.data import decode_label
    from worker.ml.inference import predict_labels
    from worker.ml.models import build_segmenter

    torch.set_num_threads(1)
    model = build_segmenter(classes)
    model.load_state_dict(torch.load(state_dict, weights_only=True))
    model.eval()
    pool = data / "target" / "train"
    out = []
    with torch.no_grad():
        for name in tqdm(names, desc=f"predict {state_dict.stem}", leave=False):
            image = next((pool / "images").glob(f"{name}.*")).read_bytes()
            truth = decode_label(next((pool / "labels").glob(f"{name}.*")).read_bytes())
            predicted = predict_labels(model, image, truth.shape)
            keep = truth.ravel() != 255
            out.append((predicted.ravel()[keep], truth.ravel()[keep]))
    arrays = {f"{k}{i}": a for i, pair in enumerate(out) for k, a in zip("pt", pair, strict=True)}
    np.savez(cache, **arrays)
    return out


def draw_points(per_image, chosen, points: int, rng: np.random.Generator):
    """An audit: `points` uniform labelled pixels spread evenly over the `chosen` images, as
    worker.pipeline.audit draws them. Returns (predicted, truth, image id) per image."""
    drawn = []
    for r, image in enumerate(chosen):
        predicted, truth = per_image[image]
        k = points // len(chosen) + (r < points % len(chosen))
        pixels = rng.choice(len(truth), size=k, replace=False)
        drawn.append((predicted[pixels], truth[pixels], np.full(k, image)))
    return drawn


def double_bootstrap(
    matrices: np.ndarray, estimate: float, boot_idx: np.ndarray, level: float, inner: int, seed: int
) -> tuple[float, float]:
    """The percentile interval at levels calibrated by a second bootstrap (Hall 1986; Beran
    1987): each tail at the level that the resamples' own intervals missed their estimate."""
    rng = np.random.default_rng(seed)
    n = len(matrices)
    u = []
    for chunk in np.array_split(boot_idx, max(1, len(boot_idx) // 50)):
        positions = rng.integers(0, n, size=(len(chunk), inner, n))
        picked = np.take_along_axis(chunk[:, None, :], positions, axis=2)
        inner_miou = _miou(matrices[picked].sum(2))
        u.extend(np.mean(inner_miou <= estimate, axis=1))
    tail = (1 - level) / 2
    low_level, high_level = np.quantile(u, [tail, 1 - tail])
    outer = _miou(matrices[boot_idx].sum(1))
    low, high = np.nanquantile(outer, [low_level, high_level])
    return float(low), float(high)


def intervals(matrices: np.ndarray, level: float, resamples: int, seed: int) -> dict:
    """The other candidate intervals of mIoU, from per-image confusion matrices [n, C, C]."""
    n = len(matrices)
    estimate = float(_miou(matrices.sum(0)))
    draws = np.random.default_rng(seed).multinomial(n, np.full(n, 1 / n), size=resamples)
    boot = _miou(np.einsum("ri,ijk->rjk", draws, matrices))
    tail = (1 - level) / 2
    low_q, high_q = np.nanquantile(boot, [tail, 1 - tail])
    normal = NormalDist()
    z = normal.inv_cdf(1 - tail)
    sd = float(np.nanstd(boot, ddof=1))
    # Jackknife over images: BCa's acceleration, and the leave-one-out spread.
    loo = _miou(matrices.sum(0)[None] - matrices)
    centred = loo.mean() - loo
    accel = float((centred**3).sum() / (6 * (centred**2).sum() ** 1.5)) if centred.any() else 0.0
    below = float(np.clip(np.mean(boot < estimate), 1 / resamples, 1 - 1 / resamples))
    z0 = normal.inv_cdf(below)

    def bca(q: float) -> float:
        zq = normal.inv_cdf(q)
        return normal.cdf(z0 + (z0 + zq) / (1 - accel * (z0 + zq)))

    bca_low, bca_high = np.nanquantile(boot, [bca(tail), bca(1 - tail)])
    t = float(stats.t.ppf(1 - tail, n - 1))
    return {
        "percentile": (low_q, high_q),
        "basic": (2 * estimate - high_q, 2 * estimate - low_q),
        "normal-t": (estimate - t * sd, estimate + t * sd),
        "bca": (bca_low, bca_high),
        "percentile-t": (
            estimate - (estimate - low_q) * t / z,
            estimate + (high_q - estimate) * t / z,
        ),
        "double": double_bootstrap(
            matrices,
            estimate,
            np.random.default_rng(seed).integers(0, n, size=(500, n)),
            level,
            100,
            seed,
        ),
    }, estimate


def simulate(per_image, classes, images, points, repetitions, level, seed, val_size):
    """Coverage, mean width and mean error of each interval over `repetitions` audits, against
    the mIoU of all images and (`... vs val`) against that of `val_size` other images drawn
    like a validation set, whose own sampling noise the benchmark's target includes."""
    rng = np.random.default_rng(seed)
    image_matrices = np.stack([audit.confusion(p, t, classes) for p, t in per_image])
    truth_miou = float(_miou(image_matrices.sum(0)))
    hits: dict[str, list[bool]] = {}
    widths: dict[str, list[float]] = {}
    errors = []
    for rep in range(repetitions):
        order = rng.permutation(len(per_image))
        chosen, val = order[:images], order[images : images + val_size]
        val_miou = float(_miou(image_matrices[val].sum(0)))
        drawn = draw_points(per_image, chosen, points, rng)
        matrices = np.stack([audit.confusion(p, t, classes) for p, t, _ in drawn])
        found, estimate = intervals(matrices, level, 1000, rep)
        product = audit.estimate(
            *map(np.concatenate, zip(*drawn, strict=True)), classes, level=level, seed=rep
        ).miou_interval
        found["product (t-widened)"] = (product.low, product.high)
        errors.append(estimate - truth_miou)
        for name, (low, high) in found.items():
            hits.setdefault(name, []).append(bool(low <= truth_miou <= high))
            hits.setdefault(f"{name} vs val", []).append(bool(low <= val_miou <= high))
            widths.setdefault(name, []).append(float(high - low))
            widths.setdefault(f"{name} vs val", []).append(float(high - low))
    return truth_miou, float(np.mean(errors)), float(np.std(errors)), hits, widths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("models", type=Path, nargs="+", help="state dicts (recipe.py's work)")
    parser.add_argument("--images", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--points", type=int, nargs="+", default=[200, 400])
    parser.add_argument("--repetitions", type=int, default=500)
    parser.add_argument("--val-size", type=int, default=204, help="as camvid2idd's target/val")
    parser.add_argument("--quick-pool-size", type=int, default=200)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/audit_coverage.json")
    args = parser.parse_args(argv)
    classes = len(json.loads((args.data / "classes.json").read_text())["classes"])
    pool = args.data / "target" / "train"
    used = set(pool_subset(pool, args.quick_pool_size))
    names = [n for n in pool_names(pool) if n not in used]
    rows = []
    print(f"{len(names)} target-pool images outside the quick preset's pool")
    header = f"{'model':<24} {'imgs':>4} {'pts':>4} {'interval':<28} {'cover':>6} {'width':>6}"
    for path in args.models:
        per_image = predictions(args.data, path, names, classes)
        for images in args.images:
            for points in args.points:
                truth, bias, spread, hits, widths = simulate(
                    per_image, classes, images, points, args.repetitions, 0.9, 0, args.val_size
                )
                print(
                    f"\n{path.stem}: truth {100 * truth:.1f}, {images} images, {points} points:"
                    f" estimate - truth {100 * bias:+.1f} (sd {100 * spread:.1f})\n{header}"
                )
                for name in hits:
                    cover, width = 100 * np.mean(hits[name]), 100 * np.mean(widths[name])
                    print(
                        f"{path.stem[:24]:<24} {images:>4} {points:>4} {name:<28} "
                        f"{cover:>5.1f}% {width:>6.1f}"
                    )
                    rows.append(
                        {
                            "model": path.stem,
                            "truth": truth,
                            "images": images,
                            "points": points,
                            "interval": name,
                            "coverage": float(np.mean(hits[name])),
                            "mean_width": float(np.mean(widths[name])),
                            "mean_error": bias,
                            "error_sd": spread,
                        }
                    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"command": " ".join(sys.argv), "rows": rows}, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
