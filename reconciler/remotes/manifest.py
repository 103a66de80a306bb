"""Data units for a new local project: from a manifest YAML, or from an Encord JSON label export."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from reconciler import yamlio
from reconciler.errors import ConfigError
from reconciler.model import DataType, DataUnit

_NAMESPACE = uuid.UUID("5d0f7c1e-8a43-4c55-9a39-3d1c4e2f6b70")
_UNIT_KEYS = ("title", "hash", "type", "width", "height", "frames", "fps")

ExtraUnits = dict[str, list[dict[str, Any]]]
"""Per image group data hash, its images: {data_hash, data_title, data_sequence, width, height}."""


def derived_hash(title: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, title))


def read_manifest(path: Path) -> tuple[list[DataUnit], ExtraUnits]:
    text = path.read_text(encoding="utf-8")
    try:
        doc = yamlio.load(text)
    except yamlio.YamlSyntaxError as exc:
        raise ConfigError(f"{path}:{exc.line or 1}: invalid YAML: {exc}") from None
    items = doc.get("data_units") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise ConfigError(f"{path}:1: expected `data_units:`, a list of data units")
    units, extra, seen = [], {}, set()

    def fail(index: int, key: str, message: str) -> ConfigError:
        (line,) = yamlio.lines_of(text, [("data_units", index, key)])
        return ConfigError(f"{path}:{line}: data_units[{index}].{key}: {message}")

    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("title"), str):
            raise fail(index, "title", "every data unit needs a title")
        unknown = [k for k in item if k not in _UNIT_KEYS]
        if unknown:
            raise fail(index, unknown[0], f"unknown key; known: {', '.join(_UNIT_KEYS)}")
        try:
            kind = DataType(item.get("type", "image"))
        except ValueError:
            raise fail(index, "type", "expected image, video or img_group") from None
        for key in ("width", "height", "frames"):
            if not isinstance(item.get(key, 1), int) or item.get(key, 1) < 1:
                raise fail(index, key, "expected a positive whole number")
        unit = DataUnit(
            hash=str(item.get("hash") or derived_hash(item["title"])),
            title=item["title"],
            type=kind,
            frames=int(item.get("frames", 1)),
            width=int(item.get("width", 1)),
            height=int(item.get("height", 1)),
            fps=float(item.get("fps", 0.0)),
        )
        if unit.hash in seen:
            raise fail(index, "hash", f"duplicate data unit hash {unit.hash}")
        seen.add(unit.hash)
        units.append(unit)
        if kind is DataType.IMAGE_GROUP:
            extra[unit.hash] = [
                {
                    "data_hash": derived_hash(f"{unit.title}/{i}"),
                    "data_title": f"{unit.title}/{i}",
                    "data_sequence": i,
                    "width": unit.width,
                    "height": unit.height,
                }
                for i in range(unit.frames)
            ]
    return units, extra


def _range_ends(row: dict[str, Any]) -> list[Any]:
    """The last frames that classifications and dynamic answers name: frames the row must have."""
    answers = [*(row.get("classification_answers") or {}).values()]
    answers += [a for actions in (row.get("object_actions") or {}).values() for a in actions.get("actions") or []]
    return [r[-1] for a in answers if isinstance(a, dict) for r in a.get("range") or [] if str(r[-1]).isdigit()]


def _sequence(unit: dict[str, Any]) -> int:
    sequence = unit.get("data_sequence", 0)
    return int(sequence) if str(sequence).isdigit() else 0


def image_size(image: Any) -> tuple[int, int]:
    """(width, height) of one image of an image group as Encord describes it; (0, 0) where it does not say."""
    if not isinstance(image, dict):
        return (0, 0)
    width, height = image.get("width"), image.get("height")
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        return (width, height)
    return (0, 0)


def units_from_export(rows: list[dict[str, Any]]) -> tuple[list[DataUnit], ExtraUnits]:
    """The data units behind an Encord JSON export (a list of label-row dicts)."""
    units: dict[str, DataUnit] = {}
    extra: ExtraUnits = {}
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("data_hash"), str):
            raise ConfigError(f"label row {index} of the export has no `data_hash`: is this an Encord JSON export?")
        try:
            kind = DataType(str(row.get("data_type", "image")).lower())
        except ValueError:
            known = ", ".join(t.value for t in DataType)
            raise ConfigError(
                f"{row['data_hash']}: data type {row.get('data_type')!r} is not one Encord has ({known})"
            ) from None
        parts = [p for p in (row.get("data_units") or {}).values() if isinstance(p, dict)]
        if kind is DataType.IMAGE_GROUP:
            parts.sort(key=_sequence)
        first = parts[0] if parts else {}
        frames = len(parts) if kind is DataType.IMAGE_GROUP else 1
        if kind.framed:
            fps = float(first.get("data_fps") or 0)
            duration = float(first.get("data_duration") or 0)
            labelled = [int(f) for f in first.get("labels") or {} if str(f).isdigit()]
            labelled += [int(end) for end in _range_ends(row)]
            slices = int(first.get("data_frames") or first.get("number_of_frames") or 0)
            frames = max(round(fps * duration), slices, max(labelled, default=0) + 1)
        units[row["data_hash"]] = DataUnit(
            hash=row["data_hash"],
            title=str(row.get("data_title") or row["data_hash"]),
            type=kind,
            frames=frames,
            width=int(first.get("width") or 0),
            height=int(first.get("height") or 0),
            fps=float(first.get("data_fps") or 0),
            sizes=tuple(image_size(p) for p in parts) if kind is DataType.IMAGE_GROUP else (),
            file_type=str(first.get("data_type") or ""),
        )
        if kind is DataType.IMAGE_GROUP:
            extra[row["data_hash"]] = [
                {
                    "data_hash": p["data_hash"],
                    "data_title": p.get("data_title", ""),
                    "data_sequence": int(p.get("data_sequence", i)),
                    "width": p.get("width"),
                    "height": p.get("height"),
                }
                for i, p in enumerate(parts)
            ]
    return list(units.values()), extra
