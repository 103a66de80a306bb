"""Data units for a new local project: from a manifest YAML, or from an Encord JSON label export."""

from __future__ import annotations

import json
import math
import os
import re
import uuid
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reconciler import yamlio
from reconciler.errors import ConfigError
from reconciler.model import DataType, DataUnit

_NAMESPACE = uuid.UUID("5d0f7c1e-8a43-4c55-9a39-3d1c4e2f6b70")
_UNIT_KEYS = ("title", "hash", "type", "width", "height", "frames", "fps", "media")
MAX_MEDIA = 2048
"""The longest `media:` (a path or a URL) a manifest may give."""

ExtraUnits = dict[str, list[dict[str, Any]]]
"""Per image group data hash, its images: {data_hash, data_title, data_sequence, width, height}."""


def derived_hash(title: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, title))


def read_manifest(path: Path) -> tuple[list[DataUnit], ExtraUnits]:
    """The data units a manifest declares; a ConfigError naming the file, line and key for anything else."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else f"not UTF-8 text ({exc.reason})"
        raise ConfigError(f"cannot read the manifest {path}: {reason}") from None
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
        if not isinstance(item, dict) or not isinstance(item.get("title"), str) or not item["title"]:
            raise fail(index, "title", "every data unit needs a title")
        unknown = [k for k in item if k not in _UNIT_KEYS]
        if unknown:
            raise fail(index, str(unknown[0]), f"unknown key; known: {', '.join(_UNIT_KEYS)}")
        given_type = item.get("type", "image")
        kind = next((t for t in DataType if t.value == given_type and t is not DataType.UNKNOWN), None)
        if kind is None:
            known = ", ".join(t.value for t in DataType if t is not DataType.UNKNOWN)
            raise fail(index, "type", f"expected one of {known}, not {_yaml(given_type)}")
        for key in ("width", "height", "frames"):
            value = item.get(key, 1)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise fail(index, key, f"expected a positive whole number, not {_yaml(value)}")
        fps = item.get("fps", 0.0)
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not 0 <= fps < math.inf:
            raise fail(index, "fps", f"expected a number of frames per second, 0 or more, not {_yaml(fps)}")
        given = item.get("hash")
        if given is not None and (not isinstance(given, str) or not given):
            raise fail(index, "hash", f"expected the data unit's hash as a string, not {_yaml(given)}")
        media = item.get("media", "")
        problem = _media_problem(media)
        if problem:
            raise fail(index, "media", problem)
        unit = DataUnit(
            hash=given or derived_hash(item["title"]),
            title=item["title"],
            type=kind,
            frames=int(item.get("frames", 1)),
            width=int(item.get("width", 1)),
            height=int(item.get("height", 1)),
            fps=float(fps),
            media=media if not media or _is_web(media) else os.path.normpath(path.parent / media),
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


def _is_web(media: str) -> bool:
    return media.lower().startswith(("http://", "https://"))


def _media_problem(media: Any) -> str | None:
    """Why a manifest's `media:` is not a path relative to the manifest or an http(s) URL; None when it is."""
    expected = "expected the data unit's file: a path relative to the manifest's directory, or an http(s) URL"
    if not isinstance(media, str):
        return f"{expected}, not {_yaml(media)}"
    if not media:
        return None
    if len(media) > MAX_MEDIA:
        return f"{expected} of at most {MAX_MEDIA} characters, not {len(media)}"
    if not media.isprintable() or media != media.strip():
        return f"{expected}, without control characters or surrounding spaces: {_yaml(media)[:80]}"
    if _is_web(media):
        try:
            host = urlsplit(media).netloc
        except ValueError:
            host = ""
        if "@" in host:
            return f"{expected} without credentials in it"
        return None if host else f"{expected}: {_yaml(media)[:80]} names no host"
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]+:", media):
        return f"{expected}: {_yaml(media)[:80]} is a URL of another kind"
    if Path(media).is_absolute() or media.startswith(("/", "\\")):
        return f"{expected}, not the absolute path {_yaml(media)[:80]}"
    return None


def _yaml(value: Any) -> str:
    """A value as the YAML file spells it."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _range_ends(row: dict[str, Any]) -> list[int]:
    """The last frames that classifications and dynamic answers name: frames the row must have. A hint
    only: entries of another shape are left to the decoder."""
    answers = list(_values(row.get("classification_answers")))
    for actions in _values(row.get("object_actions")):
        if isinstance(actions, dict) and isinstance(actions.get("actions"), list):
            answers += actions["actions"]
    ends = []
    for answer in answers:
        ranges = answer.get("range") if isinstance(answer, dict) else None
        for r in ranges if isinstance(ranges, list) else ():
            if isinstance(r, list) and r and isinstance(r[-1], (int, str)) and str(r[-1]).isdigit():
                ends.append(int(r[-1]))
    return ends


def _values(value: Any) -> list[Any]:
    return list(value.values()) if isinstance(value, dict) else []


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


def units_from_export(rows: list[Any], source: str = "the export") -> tuple[list[DataUnit], ExtraUnits]:
    """The data units behind an Encord JSON export (a list of label-row dicts, one per data unit and branch).

    A ConfigError naming `source`, the row and the key for anything an export does not hold. (Places are
    written as prefixes of a key: "SOURCE: label row 3 (data unit H): " or "...: data_units.H.".)"""
    units: dict[str, DataUnit] = {}
    extra: ExtraUnits = {}
    rows_seen: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ConfigError(
                f"{source}: label row {index} is {_kind(row)}, not a label row: is this an Encord JSON label export?"
            )
        data_hash = row.get("data_hash")
        if not isinstance(data_hash, str) or not data_hash:
            raise ConfigError(
                f"{source}: label row {index} has no `data_hash`: is this an Encord JSON label export?"
            )
        at = f"{source}: label row {index} (data unit {data_hash}): "
        branch = _text(row, "branch_name", at) or "main"
        if (data_hash, branch) in rows_seen:
            raise ConfigError(
                f"{source}: label rows {rows_seen[data_hash, branch]} and {index} are both the row of data unit"
                f" {data_hash} on branch {branch}: an export has one row per data unit and branch; remove one"
            )
        rows_seen[data_hash, branch] = index
        type_name = _text(row, "data_type", at) or "image"
        kind = next((t for t in DataType if t.value == type_name.lower()), None)
        if kind is None:
            known = ", ".join(t.value for t in DataType)
            raise ConfigError(f"{at}data_type: {type_name!r} is not a data type Encord has ({known})")
        keyed = _parts(row, at)
        if kind is DataType.IMAGE_GROUP:
            keyed.sort(key=lambda kv: _sequence(kv[1]))
        parts = [part for _, part in keyed]
        first = parts[0] if parts else {}
        first_at = f"{at}data_units.{keyed[0][0]}." if keyed else at
        frames = len(parts) if kind is DataType.IMAGE_GROUP else 1
        fps = _number(first, "data_fps", first_at)
        if kind.framed:
            duration = _number(first, "data_duration", first_at)
            labels = first.get("labels") or {}
            if not isinstance(labels, dict):
                raise ConfigError(f"{first_at}labels: expected an object of frames, not {_kind(labels)}")
            labelled = [int(f) for f in labels if str(f).isdigit()] + _range_ends(row)
            slices = _number(first, "data_frames", first_at) or _number(first, "number_of_frames", first_at)
            frames = max(round(fps * duration), int(slices), max(labelled, default=0) + 1)
        units[data_hash] = DataUnit(
            hash=data_hash,
            title=_text(row, "data_title", at) or data_hash,
            type=kind,
            frames=frames,
            width=int(_number(first, "width", first_at)),
            height=int(_number(first, "height", first_at)),
            fps=fps,
            sizes=tuple(image_size(p) for p in parts) if kind is DataType.IMAGE_GROUP else (),
            file_type=_text(first, "data_type", first_at),
        )
        if kind is DataType.IMAGE_GROUP:
            extra[data_hash] = [_image(part, i, f"{at}data_units.{key}.") for i, (key, part) in enumerate(keyed)]
    return list(units.values()), extra


def _parts(row: dict[str, Any], at: str) -> list[tuple[str, dict[str, Any]]]:
    """The row's `data_units` by key: its file, or each image of an image group."""
    parts = row.get("data_units") or {}
    if not isinstance(parts, dict):
        raise ConfigError(f"{at}data_units: expected an object of data units, not {_kind(parts)}")
    for key, part in parts.items():
        if not isinstance(part, dict):
            raise ConfigError(f"{at}data_units.{key}: expected an object, not {_kind(part)}")
    return [(str(key), part) for key, part in parts.items()]


def _image(part: dict[str, Any], position: int, image_at: str) -> dict[str, Any]:
    """One image of an image group, as `ExtraUnits` keeps it."""
    image_hash = part.get("data_hash")
    if not isinstance(image_hash, str) or not image_hash:
        raise ConfigError(f"{image_at}data_hash: every image of an image group needs one")
    sequence = part.get("data_sequence", position)
    if isinstance(sequence, bool) or not isinstance(sequence, (int, str)) or not str(sequence).isdigit():
        raise ConfigError(f"{image_at}data_sequence: expected a whole number, 0 or more, not {sequence!r}")
    return {
        "data_hash": image_hash,
        "data_title": _text(part, "data_title", image_at),
        "data_sequence": int(sequence),
        "width": part.get("width"),
        "height": part.get("height"),
    }


def _number(d: dict[str, Any], key: str, at: str) -> float:
    """A count or measure Encord writes as a number (or a numeric string); 0 where absent."""
    value = d.get(key)
    if value is None or value == "":
        return 0.0
    number = math.nan
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        with suppress(ValueError):
            number = float(value)
    if not 0 <= number < math.inf:
        raise ConfigError(f"{at}{key}: expected a number, 0 or more, not {value!r}")
    return number


def _text(d: dict[str, Any], key: str, at: str) -> str:
    """A string Encord writes; "" where absent."""
    value = d.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(f"{at}{key}: expected a string, not {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)
