"""Is the audit's mIoU point estimate biased, and is it the classes an audit never sees?

Like audit_coverage.py (whose predictions it shares): a model predicts the target-pool images
outside the quick preset's pool (never target/val), its mIoU over all their pixels is the
truth, and each simulated audit draws `points` pixels spread evenly over `images` of them. It
compares the product's estimate (mIoU over the classes in the truth or the prediction, so a
class predicted but never labelled counts as IoU 0) with one over the classes in the truth only.

    python benchmarks/audit_point_bias.py ../shared/data/camvid2idd MODEL_A.pt ...
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from audit_coverage import draw_points, predictions
from splits import pool_names, pool_subset
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from worker.ml import audit  # noqa: E402


def miou_over_true_classes(matrix: np.ndarray) -> float:
    ious = audit.iou_per_class(matrix)
    return float(ious[matrix.sum(1) > 0].mean())


def simulate(per_image, classes: int, images: int, points: int, audits: int) -> dict[str, float]:
    image_matrices = np.stack([audit.confusion(p, t, classes) for p, t in per_image])
    truth = float(audit.scores(image_matrices.sum(0))[1])
    rng = np.random.default_rng(0)
    product, true_classes, unseen = [], [], []
    for _ in tqdm(range(audits), desc="audits", leave=False):
        chosen = rng.permutation(len(per_image))[:images]
        predicted, labels, _ = map(
            np.concatenate, zip(*draw_points(per_image, chosen, points, rng), strict=True)
        )
        matrix = audit.confusion(predicted, labels, classes)
        product.append(float(audit.scores(matrix)[1]) - truth)
        true_classes.append(miou_over_true_classes(matrix) - truth)
        unseen.append(bool(((matrix.sum(1) == 0) & (matrix.sum(0) > 0)).any()))
    errors, seen = np.array(product), ~np.array(unseen)
    return {
        "truth": truth,
        "product_error_mean": float(errors.mean()),
        "product_error_sd": float(errors.std()),
        "true_classes_error_mean": float(np.mean(true_classes)),
        "share_with_unseen_class": float(1 - seen.mean()),
        "product_error_with_unseen_class": float(errors[~seen].mean()) if (~seen).any() else 0.0,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("models", nargs="+", type=Path, help="state dicts of segmenters")
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--points", type=int, default=400)
    parser.add_argument("--audits", type=int, default=2000)
    parser.add_argument("--quick-pool-size", type=int, default=200)
    args = parser.parse_args(argv)
    classes = len(json.loads((args.data / "classes.json").read_text())["classes"])
    pool = args.data / "target" / "train"
    used = set(pool_subset(pool, args.quick_pool_size))
    names = [n for n in pool_names(pool) if n not in used]
    print(
        "| model | truth | product: mean error (sd) | truth's classes only: mean error "
        "| audits with a predicted, unlabelled class | their mean error |"
    )
    print("|---|---|---|---|---|---|")
    for model in args.models:
        r = simulate(
            predictions(args.data, model, names, classes),
            classes,
            args.images,
            args.points,
            args.audits,
        )
        print(
            f"| {model} | {100 * r['truth']:.1f} | {100 * r['product_error_mean']:+.2f} "
            f"({100 * r['product_error_sd']:.2f}) | {100 * r['true_classes_error_mean']:+.2f} "
            f"| {100 * r['share_with_unseen_class']:.1f} % "
            f"| {100 * r['product_error_with_unseen_class']:+.2f} |"
        )


if __name__ == "__main__":
    main()
