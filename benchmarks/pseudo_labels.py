"""How trustworthy a model's pseudo-labels are: per-class accuracy against confidence.

Self-training (DACS, ProDA, DASO) learns from a model's own predictions on target pixels nobody
labelled. This reads a model A checkpoint (a round's model_a.pt, or a recipe.py model) and, on
the tuning split (splits.py: held-out pool images, never target/val), prints per predicted class
the share of pixels kept and the accuracy of those kept at each confidence threshold, then
where each true class goes (the confusion, with all predictions and with the confident ones)
and the model's mIoU on the split.

    python benchmarks/pseudo_labels.py ../shared/data/camvid2idd MODEL.pt
    python benchmarks/pseudo_labels.py DATA MODEL.pt --thresholds 0 0.9 0.968 0.99

Writes benchmarks/results/pseudo_labels.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from splits import tuning_split
from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("model", type=Path, help="state dict of model A")
    parser.add_argument("--backbone", default="efficientnet_lite0")
    parser.add_argument("--pool-size", type=int, default=200, help="as label_efficiency.py")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.0, 0.9, 0.968])
    parser.add_argument("--out", type=Path, default=RESULTS / "pseudo_labels.json")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))
    import torch

    from worker.ml.data import SegmentationDataset
    from worker.ml.metrics import confusion_matrix, iou_from_confusion
    from worker.ml.models import build_segmenter
    from worker.ml.training import predict

    torch.set_num_threads(2)
    classes = json.loads((args.data / "classes.json").read_text())["classes"]
    names = [c["name"] for c in classes]
    model = build_segmenter(len(classes), args.backbone)
    model.load_state_dict(torch.load(args.model, map_location="cpu", weights_only=True))
    pool = args.data / "target" / "train"
    items = [
        (str(pool / "images" / f"{n}.jpg"), str(pool / "labels" / f"{n}.png"))
        for n in tuning_split(pool, args.pool_size)
    ]
    dataset = SegmentationDataset(items, lambda key: Path(key).read_bytes(), (192, 256))
    # confusion[t, true, predicted]: pixels whose confidence reaches threshold t
    n = len(classes)
    confusion = np.zeros((len(args.thresholds), n, n))
    for i in tqdm(range(len(dataset)), desc="predicting", unit="image"):
        item = dataset[i]
        confidence, predicted = predict(model, item["image"][None])[0].max(0)
        label = item["label"]
        for t, threshold in enumerate(args.thresholds):
            unsure = confidence < threshold
            confusion[t] += confusion_matrix(predicted, label.masked_fill(unsure, 255), n)
    kept = confusion.sum(axis=1)  # [t, predicted]
    right = np.diagonal(confusion, axis1=1, axis2=2)
    total = kept[0].sum()
    header = "".join(f"  kept@{t:<6} acc@{t:<6}" for t in args.thresholds)
    print(f"\n{'predicted class':<18}{header}")
    rows = {}
    for k, name in enumerate(names):
        cells = []
        for t in range(len(args.thresholds)):
            share = kept[t, k] / total
            accuracy = right[t, k] / kept[t, k] if kept[t, k] else float("nan")
            cells.append((share, accuracy))
        rows[name] = [{"kept": s, "accuracy": a} for s, a in cells]
        print(f"{name:<18}" + "".join(f"  {100 * s:>10.1f}% {100 * a:>9.1f}%" for s, a in cells))
    overall = [
        {"kept": kept[t].sum() / total, "accuracy": right[t].sum() / max(kept[t].sum(), 1)}
        for t in range(len(args.thresholds))
    ]
    print(
        f"{'all':<18}"
        + "".join(f"  {100 * o['kept']:>10.1f}% {100 * o['accuracy']:>9.1f}%" for o in overall)
    )
    # Where each true class goes: all its pixels, and only those predicted confidently.
    for t in (0, len(args.thresholds) - 1):
        print(f"\n% of each true class predicted as ... (confidence >= {args.thresholds[t]})")
        print(f"{'true class':<18}" + "".join(f"{name[:10]:>11}" for name in names))
        for k, name in enumerate(names):
            shares = confusion[t, k] / max(confusion[0, k].sum(), 1)
            print(f"{name:<18}" + "".join(f"{100 * x:>10.1f}%" for x in shares))
    miou, per_class_iou = iou_from_confusion(confusion[0])
    print(f"\nmIoU on the tuning split: {100 * miou:.1f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "miou": miou,
        "per_class_iou": per_class_iou,
        "model": str(args.model),
        "thresholds": args.thresholds,
        "per_class": rows,
        "all": overall,
        "classes": names,
        "confusion": confusion.tolist(),
    }
    args.out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
