"""Audit estimates recomputed offline from a label_efficiency.py work folder, as the product
computes them and restricted to audit images the estimated model never trained on: what a
held-out audit set would give, without re-running the rounds. Prints coverage of target/val
by the 90 % intervals and the round each picks, per variant.

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
    variants: dict[str, list[tuple[str, int, dict, dict]]] = {"all": [], "never trained": []}
    for name in args.projects:
        for variant, rows in project_estimates(name).items():
            variants[variant] += rows
    print("| variant | rounds | mIoU inside | accuracy inside | mean mIoU error | largest loss |")
    print("|---|---|---|---|---|---|")
    for variant, rows in variants.items():
        miou_in = sum(e["miou_low"] <= v["miou"] <= e["miou_high"] for *_, v, e in rows)
        acc_in = sum(e["acc_low"] <= v["acc"] <= e["acc_high"] for *_, v, e in rows)
        error = np.mean([e["miou"] - v["miou"] for *_, v, e in rows])
        print(
            f"| {variant} | {len(rows)} | {miou_in} | {acc_in} | {100 * error:+.1f} "
            f"| {100 * largest_loss(rows):.1f} |"
        )


def largest_loss(rows: list) -> float:
    """Over projects: val mIoU of the best round by val minus that of the round by estimate."""
    by_project: dict[str, list] = {}
    for name, number, v, e in rows:
        by_project.setdefault(name, []).append((number, v, e))
    losses = []
    for rounds in by_project.values():
        by_estimate = max(rounds, key=lambda r: (r[2]["miou"], r[0]))
        by_val = max(rounds, key=lambda r: (r[1]["miou"], r[0]))
        losses.append(by_val[1]["miou"] - by_estimate[1]["miou"])
    return max(losses)


def project_estimates(name: str) -> dict[str, list]:
    from sqlalchemy import select

    from backend.audit_schemas import AUDIT_LEVEL
    from backend.db import open_session
    from backend.models import AnnotationTask, Project, Round, TaskPurpose
    from backend.storage import get_storage
    from worker.ml import audit
    from worker.ml.data import decode_label
    from worker.pipeline.artifacts import RoundKeys
    from worker.pipeline.audit import read_audit_labels

    storage = get_storage()
    with open_session() as session:
        project_id = session.scalar(select(Project.id).where(Project.name == name))
        seed = session.scalar(select(Project.model_settings).where(Project.id == project_id))[
            "seed"
        ]
        classes = len(session.get_one(Project, project_id).classes)
        rounds = session.execute(
            select(Round.number, Round.metrics)
            .where(Round.project_id == project_id)
            .order_by(Round.number)
        ).all()
        trained = session.execute(
            select(AnnotationTask.image_id, Round.number)
            .join(Round, Round.id == AnnotationTask.round_id)
            .where(
                AnnotationTask.project_id == project_id,
                AnnotationTask.purpose == TaskPurpose.train,
            )
        ).all()
    labels = read_audit_labels(storage, project_id)
    out: dict[str, list] = {"all": [], "never trained": []}
    for number, metrics in rounds:
        keys = RoundKeys(project_id, number)
        maps = {i: decode_label(storage.get(keys.audit_prediction(i))) for i in
                {label["image_id"] for label in labels}}  # fmt: skip
        seen = {image for image, n in trained if n < number}
        truth = {"miou": metrics["miou"], "acc": metrics["pixel_accuracy"]}
        for variant, kept in (
            ("all", labels),
            ("never trained", [label for label in labels if label["image_id"] not in seen]),
        ):
            result = audit.estimate(
                np.array([maps[label["image_id"]][label["y"], label["x"]] for label in kept]),
                np.array([label["class_id"] for label in kept]),
                np.array([label["image_id"] for label in kept]),
                classes,
                level=AUDIT_LEVEL,
                seed=seed % 2**32,  # the product's bootstrap draws
            )
            estimate = {
                "miou": result.miou,
                "miou_low": result.miou_interval.low,
                "miou_high": result.miou_interval.high,
                "acc_low": result.pixel_accuracy_interval.low,
                "acc_high": result.pixel_accuracy_interval.high,
            }
            out[variant].append((name, number, truth, estimate))
    return out


if __name__ == "__main__":
    main()
