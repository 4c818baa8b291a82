"""Spaced points: how point methods turn ranked candidate pixels into one image's points."""

from __future__ import annotations

import math

import numpy as np

from .common import Point


def point_spacing(height: int, width: int, n_points: int) -> float:
    """The least distance between one image's points: a third of the side of the square each
    point would own if they tiled the image (12 px for 40 points on 256 x 192). Neighbouring
    pixels carry nearly the same information, and a person labels spread points faster."""
    return round(math.sqrt(height * width / max(n_points, 1)) / 3, 1)


def deal(queues: list[np.ndarray], n_points: int, min_distance: float) -> list[Point]:
    """Round-robin over ``queues`` (``[N, 2]`` (y, x) arrays, best first) with spacing.

    Each turn a queue gives its best pixel at least ``min_distance`` (and at least 1, so
    never a duplicate) from every point chosen so far; queues are scanned lazily from a
    cursor, in vectorised blocks, so full-resolution candidate lists stay cheap. Returns
    ``(x, y)`` points in the order chosen.
    """
    if n_points < 0:
        raise ValueError(f"n_points must be >= 0, got {n_points}")
    need = max(min_distance**2, 1)
    chosen = np.empty((0, 2), dtype=np.int64)
    cursors = {j: 0 for j, q in enumerate(queues) if len(q)}
    while cursors and len(chosen) < n_points:
        for j in list(cursors):
            if len(chosen) == n_points:
                break
            cursors[j] = _next_free(queues[j], cursors[j], chosen, need)
            if cursors[j] == len(queues[j]):
                del cursors[j]
                continue
            chosen = np.concatenate([chosen, queues[j][cursors[j]][None]])
            cursors[j] += 1
    return [(int(x), int(y)) for y, x in chosen]


def _next_free(queue: np.ndarray, start: int, chosen: np.ndarray, need: float) -> int:
    """Index of the first ``queue`` row from ``start`` whose squared distance to every
    ``chosen`` point is ``>= need``; ``len(queue)`` if none."""
    begin, block = start, 64  # the next row is usually free: start small, then grow
    while begin < len(queue):
        rows = queue[begin : begin + block]
        d2 = ((rows[:, None, :] - chosen[None, :, :]) ** 2).sum(axis=-1)
        free = np.flatnonzero((d2 >= need).all(axis=1))
        if len(free):
            return begin + int(free[0])
        begin, block = begin + block, min(block * 4, 16384)
    return len(queue)
