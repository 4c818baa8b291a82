"""Audit estimates recomputed offline from a label_efficiency.py work folder with the
product's estimator and bootstrap seeds: coverage of target/val by the 90 % intervals, and the
round each rule serves against the best round by target/val. Rules: the highest estimate (the
product before stop 21) and the latest round unless an earlier one is measurably better on
the same audit points (the product now; backend.services.audit).

    python benchmarks/audit_variants.py WORK "random seed 0" "labor-ppl seed 0" ...
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from label_efficiency_projects import use_work_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work_dir", type=Path, help="label_efficiency.py's --work-dir")
    parser.add_argument("projects", nargs="+", help='project names, e.g. "labor-ppl seed 0"')
    args = parser.parse_args()
    os.environ["CUDA_VISIBLE_DEVICES"] = ""
    use_work_dir(args.work_dir.resolve())
    from backend.services.audit import choose_round

    print("| project | round | audit mIoU [90 %] | target/val | inside | vs latest [90 %] |")
    print("|---|---|---|---|---|---|")
    losses: dict[str, list[float]] = {"highest estimate": [], "latest unless measurably worse": []}
    inside, rounds = 0, 0
    for name in args.projects:
        estimates = project_estimates(name)
        for e in estimates:
            rounds += 1
            inside += e["low"] <= e["val"] <= e["high"]
            low, high = e["versus"] or (None, None)
            versus = f"[{100 * low:+.1f}, {100 * high:+.1f}]" if e["versus"] else "-"
            print(
                f"| {name} | {e['round']} | {100 * e['miou']:.1f} [{100 * e['low']:.1f}, "
                f"{100 * e['high']:.1f}] | {100 * e['val']:.1f} "
                f"| {'yes' if e['low'] <= e['val'] <= e['high'] else 'no'} | {versus} |"
            )
        best = max(e["val"] for e in estimates)
        highest = max(estimates, key=lambda e: (e["miou"], e["round"]))
        served = estimates[choose_round([served_view(e) for e in estimates])[0]]
        losses["highest estimate"].append(best - highest["val"])
        losses["latest unless measurably worse"].append(best - served["val"])
    print(f"\nmIoU inside the interval: {inside} of {rounds} rounds")
    for rule, values in losses.items():
        print(
            f"served by {rule}: largest loss {100 * max(values):.1f} mIoU, "
            f"{sum(v <= 0.01 for v in values)} of {len(values)} rows within 1 point"
        )


def served_view(estimate: dict):
    """What the product's rule reads of an estimate (backend.services.audit.choose_round)."""
    from backend.audit_schemas import Interval, RoundAudit

    low, high = estimate["versus"] or (0.0, 0.0)
    versus = Interval(low=low, high=high) if estimate["versus"] else None
    return RoundAudit(
        points=0, images=0, labels_as_of_round=0, miou=estimate["miou"], versus_latest=versus
    )


def project_estimates(name: str) -> list[dict]:
    """Per round (in order): estimate, interval, target/val mIoU and the paired interval
    against the project's last round, all on every audit label in the folder."""
    from sqlalchemy import select

    from backend.audit_schemas import AUDIT_LEVEL
    from backend.db import open_session
    from backend.models import Project, Round
    from backend.storage import get_storage
    from worker.ml import audit
    from worker.ml.data import decode_label
    from worker.pipeline.artifacts import RoundKeys
    from worker.pipeline.audit import read_audit_labels

    storage = get_storage()
    with open_session() as session:
        project = session.scalars(select(Project).where(Project.name == name)).one()
        project_id, classes = project.id, len(project.classes)
        seed = project.model_settings["seed"] % 2**32  # the product's bootstrap draws
        rounds = session.execute(
            select(Round.number, Round.metrics)
            .where(Round.project_id == project_id)
            .order_by(Round.number)
        ).all()
    labels = read_audit_labels(storage, project_id)
    truth = np.array([label["class_id"] for label in labels])
    images = np.array([label["image_id"] for label in labels])
    predicted = []
    for number, _ in rounds:
        keys = RoundKeys(project_id, number)
        maps = {i: decode_label(storage.get(keys.audit_prediction(i))) for i in set(images)}
        predicted.append(np.array([maps[lb["image_id"]][lb["y"], lb["x"]] for lb in labels]))
    out = []
    for (number, metrics), prediction in zip(rounds, predicted, strict=True):
        result = audit.estimate(prediction, truth, images, classes, level=AUDIT_LEVEL, seed=seed)
        versus = None
        if prediction is not predicted[-1]:
            gain = audit.compare(
                prediction, predicted[-1], truth, images, classes, level=AUDIT_LEVEL, seed=seed
            )
            versus = (gain.low, gain.high)
        out.append(
            {
                "round": number,
                "miou": result.miou,
                "low": result.miou_interval.low,
                "high": result.miou_interval.high,
                "val": metrics["miou"],
                "versus": versus,
            }
        )
    return out


if __name__ == "__main__":
    main()
