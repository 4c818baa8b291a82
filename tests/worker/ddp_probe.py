"""Run by the DDP tests under torchrun (or alone): a few iterations of both training loops on
batches that differ per process, each process saving what it ended with."""

import sys
from pathlib import Path

import torch

from worker.ml import distributed
from worker.ml.models import build_segmenter, build_selector
from worker.ml.training import TrainConfig, train_segmenter, train_selector

NUM_CLASSES = 3


def batches(seed: int):
    generator = torch.Generator().manual_seed(seed)
    while True:
        yield {
            "image": torch.randn(2, 3, 32, 32, generator=generator),
            "label": torch.randint(0, NUM_CLASSES, (2, 32, 32), generator=generator),
        }


def main(out: Path) -> None:
    distributed.init_from_env()
    rank = distributed.rank()
    torch.manual_seed(0)
    model = build_segmenter(NUM_CLASSES, "mobilenet_v3_small")
    cfg = TrainConfig(iterations=3, batch_size=2, checkpoint_every=100, adversarial_weight=0.01)
    train_segmenter(model, cfg, batches(10 + rank), None, batches(20 + rank))
    selector = build_selector(model)
    train_selector(selector, model, cfg, batches(30 + rank), None, batches(40 + rank))
    # Parameters only: DDP keeps them in step; batch-norm statistics stay per process (the
    # first process's are the ones saved).
    torch.save(
        {
            name: {k: v.detach() for k, v in module.named_parameters()}
            for name, module in (("model", model), ("selector", selector))
        },
        out / f"rank{rank}.pt",
    )
    distributed.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
