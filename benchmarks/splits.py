"""The fixed subsets of a dataset's target pool that the benchmarks share.

- the **pool subset**: what `label_efficiency.py --pool-size N` imports as the pool to label;
- the **tuning split**: pool images outside that subset whose labels only recipe tuning reads
  (`recipe.py`), so settings are never chosen on target/val.

Both are seeded samples of the sorted image names: data, the same for every training seed.
"""

from __future__ import annotations

import random
from pathlib import Path

POOL_SEED = 0
TUNING_SEED = 1
TUNING_SIZE = 150


def pool_names(pool: Path) -> list[str]:
    return sorted(p.stem for p in (pool / "images").iterdir() if not p.name.startswith("."))


def pool_subset(pool: Path, size: int | None) -> list[str]:
    """The pool subset (all names when `size` is None or covers the pool)."""
    names = pool_names(pool)
    if size is None or size >= len(names):
        return names
    return sorted(random.Random(POOL_SEED).sample(names, size))


def tuning_split(pool: Path, pool_size: int, size: int = TUNING_SIZE) -> list[str]:
    """Held-out pool images for tuning, disjoint from the pool subset of `pool_size`."""
    chosen = set(pool_subset(pool, pool_size))
    rest = [name for name in pool_names(pool) if name not in chosen]
    return sorted(random.Random(TUNING_SEED).sample(rest, min(size, len(rest))))
