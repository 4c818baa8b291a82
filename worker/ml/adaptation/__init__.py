"""Self-training objectives (DACS, ProDA, DASO) for the target pixels nobody labelled.

Each objective reads every one of its settings from `config`; the defaults and valid ranges
live with the API's validation (backend/objectives.py), which completes a config first. The
method modules are imported by `build_objective` only, for the objective asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import Objective, SoftLabelStore

__all__ = ["build_objective"]


def build_objective(
    name: str,
    config: dict[str, Any],
    num_classes: int,
    ignore_index: int = 255,
    soft_label_store: SoftLabelStore | None = None,
) -> Objective | None:
    """The objective `name` with its complete `config`; None for "none".

    ValueError on an unknown name, or ProDA without a store for its soft labels.
    """
    if name == "dacs":
        from .dacs import DACSObjective

        return DACSObjective(config, num_classes, ignore_index)
    if name == "proda":
        if soft_label_store is None:
            raise ValueError("proda needs a soft_label_store for the warm-up model's soft labels")
        from .proda import ProDAObjective

        return ProDAObjective(config, num_classes, soft_label_store, ignore_index)
    if name == "daso":
        from .daso import DASOObjective

        return DASOObjective(config, num_classes, ignore_index)
    if name == "none":
        return None
    raise ValueError(f"unknown objective {name!r}")
