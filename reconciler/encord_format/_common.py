"""What the decoder and the encoder share: the error, timestamps, data types and frame layout."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

from reconciler.errors import LabelsyncError
from reconciler.model import DataType

EPOCH = "Thu, 01 Jan 1970 00:00:00 UTC"
"""The default timestamp `encode_row` writes on new labels: deterministic; pass `now=` for a real one."""

_TIMESTAMP_FORMAT = "%a, %d %b %Y %H:%M:%S UTC"


class EncordFormatError(LabelsyncError, ValueError):
    """A label-row dict that does not fit the ontology or Encord's format, or a row that cannot be encoded."""


Fail = Callable[[str], EncordFormatError]
"""Makes the error for one label, its message prefixed with where it is."""


def failer(title: str, what: str) -> Fail:
    return lambda message: EncordFormatError(f"{title}: {what}: {message}")


def encord_timestamp(moment: datetime) -> str:
    """A datetime in Encord's label-row format, e.g. `Thu, 01 Feb 2024 10:00:00 UTC`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime(_TIMESTAMP_FORMAT)


def snake(name: str) -> str:
    """The `value` Encord derives from a display name."""
    return name.lower().replace(" ", "_")


def row_title(row: dict[str, Any]) -> str:
    return str(row.get("data_title") or row.get("data_hash") or "<untitled label row>")


def row_data_type(row: dict[str, Any]) -> DataType | None:
    """The row's data type, None for one newer than labelsync."""
    try:
        return DataType(str(row.get("data_type", "")).lower())
    except ValueError:
        return None


def data_type(row: dict[str, Any]) -> DataType:
    """The row's data type, which labelsync must be able to declare labels on."""
    kind = row_data_type(row)
    if kind is None or not kind.declarable:
        declarable = ", ".join(t.value for t in DataType if t.declarable)
        raise EncordFormatError(
            f"{row_title(row)}: labelsync cannot write labels on a {row.get('data_type')!r} row yet"
            f" (it declares {declarable})"
        )
    return kind


def unit_frame(kind: DataType, unit: dict[str, Any]) -> int:
    """The frame an image or image-group data unit stands for."""
    return 0 if kind is DataType.IMAGE else int(unit.get("data_sequence", 0))


def frame_labels(row: dict[str, Any], kind: DataType) -> Iterator[tuple[int, dict[str, Any]]]:
    """(frame, {"objects": [...], "classifications": [...]}) for every frame that has a labels entry."""
    for unit in (row.get("data_units") or {}).values():
        labels = unit.get("labels") or {}
        if kind.framed:
            for frame, frame_data in labels.items():
                try:
                    number = int(frame)
                except ValueError:
                    raise EncordFormatError(f"{row_title(row)}: frame key {frame!r} is not a number") from None
                yield number, frame_data or {}
        else:
            yield unit_frame(kind, unit), labels
