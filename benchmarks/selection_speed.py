"""Selection cost against one selector forward pass, on the same outputs.

Runs selector B (EfficientNet-Lite0 + two DeepLabv3+ heads, the default) on one image of the
given size, then times each selection function on its outputs at that resolution, as the
round's select stage calls them: LabOR PPL and SPL (and SPL spread, alone and with uniform
or class-balanced random pixels), the RIPU region score and greedy region pick, PixelPick
entropy points. The goal is selection <= 0.5x the forward pass.

    python benchmarks/selection_speed.py                    # 256x192, one thread
    python benchmarks/selection_speed.py --size 1024 512 --threads 2
    python benchmarks/selection_speed.py --selector WORK/storage/projects/3/rounds/0/selector_b.pt \
        --image ../shared/data/camvid2idd/target/train/images/132_475092.jpg

With random weights the two heads disagree almost everywhere, the worst case for the methods
whose cost grows with the inconsistent pixels (PPL, SPL); a trained selector (`--selector`, a
round's selector_b.pt, e.g. from a `label_efficiency.py --work-dir` run) on a real image
(`--image`, resized to --size) shows the usual case. The inconsistent share is printed.

Prints a table (median of --repeat runs, in ms, and the ratio to the forward pass) and writes
JSON to benchmarks/results/selection_speed.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: allocator, lazy imports
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, nargs=2, default=(256, 192), metavar=("W", "H"))
    parser.add_argument("--classes", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--selector", type=Path, help="a trained selector B state dict")
    parser.add_argument("--image", type=Path, help="an image to select on (default: noise)")
    parser.add_argument("--out", type=Path, default=RESULTS / "selection_speed.json")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))
    import torch

    from worker.ml import selection
    from worker.ml.models import build_segmenter, build_selector

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    width, height = args.size
    selector = build_selector(build_segmenter(args.classes, pretrained=True)).eval()
    if args.selector:
        selector.load_state_dict(torch.load(args.selector, map_location="cpu", weights_only=True))
    if args.image:
        from worker.ml.data import SegmentationDataset

        dataset = SegmentationDataset(
            [(str(args.image), None)], lambda key: Path(key).read_bytes(), (height, width)
        )
        image = dataset[0]["image"][None]
    else:
        image = torch.rand(1, 3, height, width)
    rgb = (image * 255).to(torch.uint8)

    def forward():
        with torch.no_grad():
            return selector(image)

    logits1, logits2, features = forward()
    prob1, prob2 = logits1.softmax(1), logits2.softmax(1)
    rows = {"selector forward pass": median_ms(forward, args.repeat)}
    rows |= {
        "select_ppl (40 points)": median_ms(
            lambda: selection.select_ppl(prob1, prob2, features, 40), args.repeat
        ),
        "select_spl (2.2 %)": median_ms(
            lambda: selection.spl_segments(prob1, prob2, 0.022), args.repeat
        ),
        "select_spl (2.2 %, SLIC segments)": median_ms(
            lambda: selection.spl_segments(prob1, prob2, 0.022, image=rgb), args.repeat
        ),
        "select_spl spread (2.2 %, SLIC segments)": median_ms(
            lambda: selection.spl_segments(prob1, prob2, 0.022, image=rgb, spread=True),
            args.repeat,
        ),
        "spl_plus_random (2.2 %, SLIC segments)": median_ms(
            lambda: selection.spl_plus_random(prob1, prob2, 0.022, image=rgb), args.repeat
        ),
        "spl_plus_balanced (2.2 %, SLIC segments)": median_ms(
            lambda: selection.spl_plus_random(prob1, prob2, 0.022, image=rgb, class_balanced=True),
            args.repeat,
        ),
        "ripu_region_score": median_ms(lambda: selection.ripu_region_score(logits1), args.repeat),
        "select_ripu_regions (2.2 %)": median_ms(
            lambda: selection.ripu_region_segments(logits1, 0.022), args.repeat
        ),
        "select_entropy (40 points)": median_ms(
            lambda: selection.select_entropy(prob1, 40, min_distance=8), args.repeat
        ),
    }
    forward_ms = rows["selector forward pass"]
    inconsistent = float(selection.inconsistency_mask(prob1, prob2).float().mean())
    print(
        f"\n{width}x{height}, {args.threads} thread(s), median of {args.repeat}, "
        f"{100 * inconsistent:.1f} % of the pixels inconsistent\n"
    )
    print(f"{'step':<42} {'ms':>8} {'x forward':>10}")
    for name, ms in rows.items():
        print(f"{name:<42} {ms:>8.1f} {ms / forward_ms:>10.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "command": " ".join(["python", *sys.argv]),
        "size": [width, height],
        "threads": args.threads,
        "selector": str(args.selector) if args.selector else "random weights",
        "image": str(args.image) if args.image else "noise",
        "inconsistent_fraction": inconsistent,
        "machine": f"{platform.machine()}, torch {torch.__version__}",
        "ms": rows,
        "ratio_to_forward": {k: v / forward_ms for k, v in rows.items()},
    }
    args.out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
