"""Shared stand-ins for the objective tests: a tiny model with the segmenter's contract,
a random target pool, and a minimal training loop."""

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import default_collate

from backend.objectives import validate_objective_config
from worker.ml import adaptation


class TinySeg(nn.Module):
    """Stand-in with the model contract: logits at input resolution, features at half."""

    def __init__(self, num_classes: int = 3, dim: int = 8) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.encoder = nn.Sequential(
            nn.Conv2d(3, dim, 3, stride=2, padding=1), nn.BatchNorm2d(dim), nn.ReLU()
        )
        self.head = nn.Conv2d(dim, num_classes, 1)

    def forward_with_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.encoder(x)
        logits = F.interpolate(self.head(features), x.shape[-2:], mode="bilinear")
        return logits, features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_with_features(x)[0]


def random_pool(n: int, num_classes: int, size=(16, 16), labelled_fraction: float = 0.05):
    """Target images with a few labelled pixels, 255 elsewhere."""
    pool = []
    for i in range(n):
        label = torch.randint(num_classes, size)
        label[torch.rand(size) > labelled_fraction] = 255
        pool.append({"image": torch.randn(3, *size), "label": label, "index": i})
    return pool


def run_round(objective, model, num_classes: int, iterations: int = 4, batch: int = 2):
    """A minimal training loop: source CE + the objective, SGD, EMA after each step."""
    pool = random_pool(2 * batch, num_classes)
    objective.prepare(model, pool, "cpu")
    optimiser = torch.optim.SGD(model.parameters(), lr=0.05)
    logs = []
    for iteration in range(iterations):
        model.train()
        source = {
            "image": torch.randn(batch, 3, 16, 16),
            "label": torch.randint(num_classes, (batch, 16, 16)),
            "index": torch.arange(batch),
        }
        start = (iteration * batch) % len(pool)
        target = default_collate(pool[start : start + batch])
        source_ce = F.cross_entropy(model(source["image"]), source["label"], ignore_index=255)
        loss, log = objective.loss(model, source, target, iteration)
        optimiser.zero_grad()
        (source_ce + loss).backward()
        optimiser.step()
        objective.after_step(model, iteration)
        logs.append((loss.item(), log))
    return logs


def build_objective(
    name: str, config: dict[str, Any] | None = None, num_classes: int = 3, **kwargs
):
    """The objective as a round builds it: `config` over the API's defaults."""
    return adaptation.build_objective(
        name, validate_objective_config(name, config), num_classes, **kwargs
    )
