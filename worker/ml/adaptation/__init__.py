"""Self-training objectives (DACS, ProDA, DASO) for the target pixels nobody labelled.

Importing this package stays torch-free (the API uses `config`); the method modules, which need
torch, are imported only by `build_objective`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import OBJECTIVE_DEFAULTS, OBJECTIVE_NAMES, validate_objective_config

if TYPE_CHECKING:
    from .base import Objective, SoftLabelStore

__all__ = ["OBJECTIVE_DEFAULTS", "OBJECTIVE_NAMES", "build_objective", "validate_objective_config"]


def build_objective(
    name: str,
    config: dict[str, Any] | None,
    num_classes: int,
    ignore_index: int = 255,
    soft_label_store: SoftLabelStore | None = None,
) -> Objective | None:
    """The objective `name` with `config` over its defaults; None for "none".

    ValueError on an unknown name or setting, a value out of range, or ProDA without a store
    for its soft labels.
    """
    config = validate_objective_config(name, config)
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
    return None
