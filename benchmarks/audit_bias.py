"""Where audit estimates come from: each later round's model scored densely, with the target
pool's ground truth, on the images its audit points lie on, split by whether an earlier round
trained on the image. Reads the work folder of a label_efficiency.py run (--work-dir).

    python benchmarks/audit_bias.py WORK ../shared/data/camvid2idd "labor-ppl seed 0" ...

The pool's labels are read for this analysis only (they are the oracle's answers anyway);
target/val is not touched."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from label_efficiency_projects import use_work_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work_dir", type=Path, help="label_efficiency.py's --work-dir")
    parser.add_argument("data", type=Path, help="the dataset folder the run used")
    parser.add_argument("projects", nargs="+", help='project names, e.g. "labor-ppl seed 0"')
    args = parser.parse_args()
    os.environ["CUDA_VISIBLE_DEVICES"] = ""
    use_work_dir(args.work_dir.resolve())
    print(
        "| project | round | audit estimate | dense, all audit images | trained on before "
        "| never trained on |\n|---|---|---|---|---|---|"
    )
    for name in args.projects:
        for row in project_rows(name, args.data / "target" / "train" / "labels"):
            print("| " + " | ".join(row) + " |", flush=True)


def project_rows(name: str, labels_dir: Path) -> list[list[str]]:
    from sqlalchemy import select

    from backend.db import open_session
    from backend.models import AnnotationTask, Project, Round, TaskPurpose

    with open_session() as session:
        project_id = session.scalar(select(Project.id).where(Project.name == name))
        rounds = session.execute(
            select(Round.id, Round.number, Round.audit)
            .where(Round.project_id == project_id)
            .order_by(Round.number)
        ).all()
        tasks = session.execute(
            select(AnnotationTask.image_id, AnnotationTask.purpose, Round.number)
            .join(Round, Round.id == AnnotationTask.round_id)
            .where(AnnotationTask.project_id == project_id)
        ).all()
    audited = {image for image, purpose, _ in tasks if purpose == TaskPurpose.audit}
    rows = []
    for round_id, number, audit in rounds[1:]:
        trained = {i for i, purpose, n in tasks if purpose == TaskPurpose.train and n < number}
        seen, unseen = audited & trained, audited - trained
        scores = [dense_miou(round_id, ids, labels_dir) for ids in (audited, seen, unseen)]
        rows.append(
            [name, str(number), f"{100 * audit['miou']:.1f}"]
            + [
                f"{score:.1f} ({len(ids)} images)"
                for score, ids in zip(scores, (audited, seen, unseen), strict=True)
            ]
        )
    return rows


def dense_miou(round_id: int, image_ids: set[int], labels_dir: Path) -> float:
    """The round's model A on every labelled pixel of these pool images (mIoU, %)."""
    import numpy as np
    from PIL import Image as PILImage
    from sqlalchemy import select

    from backend.db import open_session
    from backend.models import Image
    from worker.ml.inference import predict_labels
    from worker.ml.metrics import confusion_matrix, iou_from_confusion
    from worker.pipeline.context import load_context, load_model

    ctx = load_context(round_id)
    model = load_model(ctx, ctx.keys.model)
    classes = len(ctx.classes)
    confusion = np.zeros((classes, classes), dtype=np.int64)
    with open_session() as session:
        images = session.execute(
            select(Image.image_key, Image.name).where(Image.id.in_(image_ids))
        ).all()
    for key, name in images:
        predicted = predict_labels(model, ctx.storage.get(key), ctx.settings.model.image_size)
        truth = np.asarray(PILImage.open(labels_dir / f"{name}.png"))
        confusion += confusion_matrix(predicted, truth, classes)
    return 100 * iou_from_confusion(confusion)[0]


if __name__ == "__main__":
    main()
