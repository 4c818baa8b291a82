"""Two heads' outputs with a chosen disagreement, for the selection tests."""

import torch


def two_class_pair(disc: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Two-class head outputs ``[1, 2, H, W]``: inconsistent with discrepancy ``disc`` where
    ``disc > 0``, identical (class 0) elsewhere. Discrepancy = |u - v| for p = (u, 1 - u)."""
    u = torch.where(disc > 0, 0.5 + disc / 2, torch.full_like(disc, 0.9))
    v = torch.where(disc > 0, 0.5 - disc / 2, torch.full_like(disc, 0.9))
    p1 = torch.stack([u, 1 - u])[None]
    p2 = torch.stack([v, 1 - v])[None]
    return p1, p2


def class_pair(cls: torch.Tensor, c: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Heads ``[1, C, H, W]`` whose mean predicts ``cls`` where the heads disagree
    (``cls >= 0``) and that agree on class 0 where ``cls == -1``."""
    h, w = cls.shape
    p1 = torch.full((1, c, h, w), 0.1 / (c - 1))
    p1[0, 0] = 0.9
    p2 = p1.clone()
    for y, x in torch.nonzero(cls >= 0).tolist():
        k, j = int(cls[y, x]), (int(cls[y, x]) + 1) % c
        p1[0, :, y, x] = 0.0
        p2[0, :, y, x] = 0.0
        p1[0, k, y, x], p1[0, j, y, x] = 0.6, 0.4
        p2[0, k, y, x], p2[0, j, y, x] = 0.45, 0.55
    return p1, p2
