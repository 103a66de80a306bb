"""The canonical dict form of the model, and the fingerprints computed over it.

This form is what plan files carry and what fingerprints hash, so it must be deterministic:
keys sorted, numbers as the model holds them, no timestamps. `*_to_dict` and `*_from_dict`
round-trip exactly.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from reconciler.model import (
    GEOMETRY_KEYS,
    SHAPE_BY_KEY,
    AnswerValue,
    ClassificationLabel,
    DynamicAnswer,
    FrameTag,
    Geometry,
    Label,
    LabelRow,
    ObjectLabel,
    RowKey,
)


def _answer_to_json(value: AnswerValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _answer_from_json(value: Any) -> AnswerValue:
    return tuple(value) if isinstance(value, list) else value


def _ranges_from_json(ranges: Any) -> tuple[tuple[int, int], ...]:
    return tuple((int(s), int(e)) for s, e in ranges)


def geometry_to_dict(geometry: Geometry) -> dict[str, Any]:
    return {geometry.shape.key: geometry.value}


def geometry_from_dict(data: dict[str, Any]) -> Geometry:
    ((key, value),) = data.items()
    return Geometry(SHAPE_BY_KEY[key], value)


def object_to_dict(obj: ObjectLabel) -> dict[str, Any]:
    keys = GEOMETRY_KEYS  # geometry_to_dict, inline: a cold plan writes a million objects' frames
    return {
        "hash": obj.hash,
        "feature": obj.feature,
        "frames": {str(frame): {keys[g.shape]: g.value} for frame, g in obj.frames},
        "answers": {attr: _answer_to_json(v) for attr, v in obj.answers},
        "dynamic": [
            {
                "attribute": d.attribute,
                "value": _answer_to_json(d.value),
                "ranges": [list(r) for r in d.ranges],
            }
            for d in obj.dynamic
        ],
        "tags": list(obj.tags),
    }


def object_from_dict(data: dict[str, Any]) -> ObjectLabel:
    return ObjectLabel(
        hash=data["hash"],
        feature=data["feature"],
        frames=tuple((int(f), geometry_from_dict(g)) for f, g in data["frames"].items()),
        answers=tuple((a, _answer_from_json(v)) for a, v in data["answers"].items()),
        dynamic=tuple(
            DynamicAnswer(d["attribute"], _answer_from_json(d["value"]), _ranges_from_json(d["ranges"]))
            for d in data["dynamic"]
        ),
        tags=tuple(data["tags"]),
    )


def classification_to_dict(cls: ClassificationLabel) -> dict[str, Any]:
    return {
        "hash": cls.hash,
        "feature": cls.feature,
        "answers": {attr: _answer_to_json(v) for attr, v in cls.answers},
        "ranges": [list(r) for r in cls.ranges],
        "tags": list(cls.tags),
    }


def classification_from_dict(data: dict[str, Any]) -> ClassificationLabel:
    return ClassificationLabel(
        hash=data["hash"],
        feature=data["feature"],
        answers=tuple((a, _answer_from_json(v)) for a, v in data["answers"].items()),
        ranges=_ranges_from_json(data["ranges"]),
        tags=tuple(data["tags"]),
    )


def label_to_dict(label: Label) -> dict[str, Any]:
    if isinstance(label, ObjectLabel):
        return {"object": object_to_dict(label)}
    return {"classification": classification_to_dict(label)}


def label_from_dict(data: dict[str, Any]) -> Label:
    if "object" in data:
        return object_from_dict(data["object"])
    return classification_from_dict(data["classification"])


def frame_tags_to_dict(tags: tuple[FrameTag, ...]) -> dict[str, list[list[int]]]:
    return {t.name: [list(r) for r in t.ranges] for t in tags}


def frame_tags_from_dict(data: dict[str, Any]) -> tuple[FrameTag, ...]:
    return tuple(FrameTag(name, _ranges_from_json(r)) for name, r in sorted(data.items()))


def row_to_dict(row: LabelRow) -> dict[str, Any]:
    return {
        "data_hash": row.key.data_hash,
        "branch": row.key.branch,
        "objects": [object_to_dict(o) for o in row.objects],
        "classifications": [classification_to_dict(c) for c in row.classifications],
        "tags": list(row.tags),
        "frame_tags": frame_tags_to_dict(row.frame_tags),
    }


def row_from_dict(data: dict[str, Any]) -> LabelRow:
    return LabelRow(
        key=RowKey(data["data_hash"], data["branch"]),
        objects=tuple(object_from_dict(o) for o in data["objects"]),
        classifications=tuple(classification_from_dict(c) for c in data["classifications"]),
        tags=tuple(data["tags"]),
        frame_tags=frame_tags_from_dict(data["frame_tags"]),
    )


def _digest(payload: Any) -> str:
    return hashlib.blake2b(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS), digest_size=16).hexdigest()


def label_fingerprint(label: Label) -> str:
    return _digest(label_to_dict(label))


def row_fingerprint(row: LabelRow, label_fingerprints: dict[str, str] | None = None) -> str:
    """The content fingerprint of a row: equal rows, and only equal rows, share it.

    It hashes the per-label fingerprints, so a caller that already has them (the planner)
    passes them in and the row costs one small hash more.
    """
    fps = label_fingerprints or {label.hash: label_fingerprint(label) for label in row.labels}
    return _digest(
        {
            "key": [row.key.data_hash, row.key.branch],
            "labels": sorted(fps.values()),
            "tags": list(row.tags),
            "frame_tags": frame_tags_to_dict(row.frame_tags),
        }
    )
