"""Distribution alignment of pseudo-labels (ReMixMatch, Berthelot et al., ICLR 2020), per pixel.

A teacher that drifts predicts one class more and more often (on camvid2idd, DACS' teacher
turned half the road into far-object within two rounds, benchmarks/README.md "Seeds 6-8 of
DACS"). Alignment multiplies the teacher's class probabilities by prior / running mean of its
own predictions and renormalises, so a class predicted more often than the prior loses its
close calls. The prior is the mean prediction of the round's starting model over the target
pool (ours: ReMixMatch takes the labelled data's class frequencies, which a target domain
without labels does not have).
"""

from __future__ import annotations

from collections.abc import Sized
from typing import cast

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader, Dataset, Subset

# The prior is a mean over this many pool images, evenly spaced: a few seconds on a CPU, and
# class shares of a street scene are stable well before it.
PRIOR_IMAGES = 64
PRIOR_BATCH_SIZE = 8


@torch.no_grad()
def mean_prediction(model: nn.Module, pool: Dataset, device: torch.device) -> Tensor:
    """The model's mean softmax [C] over up to PRIOR_IMAGES images of the pool, in eval mode."""
    size = len(cast(Sized, pool))  # torch's Dataset declares no __len__
    if size == 0:
        raise ValueError("distribution alignment needs a non-empty target pool for its prior")
    step = max(1, size // PRIOR_IMAGES)
    sample = Subset(pool, range(0, size, step)[:PRIOR_IMAGES])
    was_training = model.training
    model.eval()
    try:
        sums: Tensor | None = None
        pixels = 0
        for batch in DataLoader(sample, batch_size=PRIOR_BATCH_SIZE):
            prob = model(batch["image"].to(device)).softmax(dim=1)
            batch_sum = prob.sum(dim=(0, 2, 3))
            sums = batch_sum if sums is None else sums + batch_sum
            pixels += prob[:, 0].numel()
    finally:
        model.train(was_training)
    assert sums is not None  # the sample is not empty
    return sums / pixels


class DistributionAlignment:
    """Rescales probabilities [B,C,H,W] by prior / running mean of the probabilities seen."""

    def __init__(self, prior: Tensor, momentum: float) -> None:
        self.prior = prior
        self.running = prior.clone()
        self.momentum = momentum

    def __call__(self, prob: Tensor) -> Tensor:
        self.running.lerp_(prob.mean(dim=(0, 2, 3)), 1.0 - self.momentum)
        aligned = prob * (self.prior / self.running.clamp(min=1e-8))[:, None, None]
        return aligned / aligned.sum(dim=1, keepdim=True)

    def state_dict(self) -> dict[str, Tensor]:
        return {"prior": self.prior, "running": self.running}

    @classmethod
    def from_state(cls, state: dict[str, Tensor], momentum: float) -> DistributionAlignment:
        alignment = cls(state["prior"].clone(), momentum)
        alignment.running = state["running"].clone()
        return alignment
