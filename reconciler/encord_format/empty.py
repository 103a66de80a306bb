"""An empty label-row dict for a data unit that has no label row yet: the base of its first write."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.encord_format._common import EPOCH
from reconciler.model import DataType, DataUnit


def empty_row_dict(
    data: DataUnit,
    branch: str = "main",
    label_hash: str | None = None,
    extra_units: Sequence[Mapping[str, Any]] | None = None,
    *,
    now: str = EPOCH,
) -> dict[str, Any]:
    """The dict of a label row with no labels, for a data unit that has none yet: a base for `encode_row`.

    For an image group, `extra_units` lists its images in order, each a mapping with `data_hash` (required)
    and optionally `data_title`, `data_sequence` (default: the position), `width`, `height` (default: the
    group's), `data_link` and `data_type` (a MIME type; default: guessed from the title). It is required for
    image groups and must be None otherwise.
    """
    if (data.type is DataType.IMAGE_GROUP) != (extra_units is not None):
        raise ValueError(f"{data.title}: extra_units is required for image groups, and only for them")
    unit: dict[str, Any] = {
        "data_hash": data.hash,
        "data_title": data.title,
        "data_link": "",
        "data_type": _mime(data.title, data.type),
        "data_sequence": 0,
        "width": data.width,
        "height": data.height,
        "labels": {},
    }
    units = {data.hash: unit}
    if data.type is DataType.VIDEO and data.fps:
        unit.update(data_duration=data.frames / data.fps, data_fps=data.fps)
    if extra_units is not None:
        units = {}
        for index, image in enumerate(extra_units):
            image_title = str(image.get("data_title") or f"{data.title}_{index}")
            units[str(image["data_hash"])] = {
                "data_hash": str(image["data_hash"]),
                "data_title": image_title,
                "data_link": image.get("data_link", ""),
                "data_type": image.get("data_type") or _mime(image_title, DataType.IMAGE),
                "data_sequence": str(image.get("data_sequence", index)),
                "width": image.get("width") or data.width,
                "height": image.get("height") or data.height,
                "labels": {},
            }
    return {
        "label_hash": label_hash,
        "branch_name": branch,
        "created_at": now,
        "last_edited_at": now,
        "data_hash": data.hash,
        "dataset_hash": "",
        "dataset_title": "",
        "data_title": data.title,
        "data_type": data.type.value,
        "annotation_task_status": "QUEUED",
        "is_shadow_data": False,
        "object_answers": {},
        "classification_answers": {},
        "object_actions": {},
        "label_status": "NOT_LABELLED",
        "data_units": units,
        "spaces": {},
    }


def _mime(title: str, kind: DataType) -> str:
    guessed, _ = mimetypes.guess_type(title)
    return guessed or ("video/mp4" if kind is DataType.VIDEO else "image/jpeg")
