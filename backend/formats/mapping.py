"""From a format's label codes to a project's class ids: explicit, validated, and counting what
does not fit, so an import report can say how many pixels of which unknown id were dropped."""

from typing import Literal

import numpy as np

from backend.formats.base import ClassTable, Source, match_by_name, normalise_name
from backend.images import IGNORE_INDEX, InvalidInput

ClassMap = dict[int, int] | Literal["by_name"] | None


def class_mapping(
    source_classes: ClassTable | None, project_classes: ClassTable, class_map: ClassMap
) -> dict[int, int]:
    """Dataset class id -> project class id (or IGNORE_INDEX). Without a class_map the ids must mean
    the same classes: a table whose names disagree with the project's is refused, not guessed."""
    project_ids = {c["id"] for c in project_classes}
    if class_map == "by_name":
        if source_classes is None:
            raise InvalidInput('class_map "by_name" needs a classes.json naming the classes')
        mapping = match_by_name(source_classes, project_classes)
        if not mapping:
            raise InvalidInput("no class name of the dataset matches a project class")
        return mapping
    if isinstance(class_map, dict):
        known = {c["id"] for c in source_classes} if source_classes else set(range(IGNORE_INDEX))
        missing = sorted(set(class_map) - known)
        if missing:
            raise InvalidInput(f"class_map: the dataset has no class ids {missing}")
        invalid = sorted(set(class_map.values()) - project_ids - {IGNORE_INDEX})
        if invalid:
            raise InvalidInput(f"class_map: {invalid} are not project class ids (or 255 to ignore)")
        return dict(class_map)
    if source_classes is None:
        return {i: i for i in project_ids}
    names = {c["id"]: c["name"] for c in project_classes}
    differ = [
        f"{c['id']} is {c['name']!r} here but {names[c['id']]!r} in the project"
        for c in source_classes
        if c["id"] in names and normalise_name(c["name"]) != normalise_name(names[c["id"]])
    ]
    if differ:
        raise InvalidInput(
            f"the dataset's classes are not the project's ({'; '.join(differ[:5])}): "
            'pass class_map {dataset id: project id}, or "by_name"'
        )
    return {c["id"]: c["id"] for c in source_classes if c["id"] in project_ids}


def code_table(source: Source, mapping: dict[int, int]) -> dict[int, int]:
    """Native label code -> project class id or IGNORE_INDEX; codes left out are unknown."""
    table = {}
    for code, class_id in source.codes.items():
        if class_id == IGNORE_INDEX:
            table[code] = IGNORE_INDEX
        elif class_id in mapping:
            table[code] = mapping[class_id]
    return table


def apply_codes(codes: np.ndarray, table: dict[int, int]) -> tuple[np.ndarray, dict[int, int]]:
    """Project labels (uint8, unknown codes -> IGNORE_INDEX) and each unknown code's pixel count."""
    values, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    mapped = np.array([table.get(v, -1) for v in values.tolist()], dtype=np.int32)
    missing = mapped < 0
    unknown = dict(zip(values[missing].tolist(), counts[missing].tolist(), strict=True))
    labels = np.where(missing, IGNORE_INDEX, mapped)[inverse.reshape(codes.shape)]
    return labels.astype(np.uint8), unknown
