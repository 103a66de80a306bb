"""The canonical `LabelRow` -> an Encord label-row dict, in the shape `LabelRowV2.to_encord_dict()` writes."""

from __future__ import annotations

import copy
import mimetypes
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.encord_format._common import (
    EPOCH,
    EncordFormatError,
    Fail,
    data_type,
    failer,
    frame_labels,
    row_title,
    snake,
    unit_frame,
)
from reconciler.encord_format.answers import encode_answer, encode_dynamic
from reconciler.encord_format.decode import decode_classification
from reconciler.encord_format.geometry import decode_geometry, encode_geometry, skeleton_point_hashes
from reconciler.model import ClassificationLabel, DataType, DataUnit, Geometry, LabelRow, ObjectLabel, Shape
from reconciler.ontology import ClassificationClass, ObjectClass, Ontology


@dataclass(frozen=True)
class _Stamp:
    now: str
    author: str | None


def _provenance(old: dict[str, Any] | None, unchanged: bool, stamp: _Stamp) -> dict[str, Any]:
    """createdAt/By from the label as it was (if it was), lastEditedAt/By kept only if it is unchanged."""
    fields: dict[str, Any] = {
        "createdAt": (old or {}).get("createdAt") or stamp.now,
        "createdBy": old.get("createdBy") if old is not None else stamp.author,
    }
    if old is not None and unchanged:
        fields["lastEditedAt"] = old.get("lastEditedAt") or fields["createdAt"]
        fields["lastEditedBy"] = old.get("lastEditedBy")
        fields["confidence"] = old.get("confidence", 1.0)
        fields["manualAnnotation"] = old.get("manualAnnotation", True)
    else:
        fields.update(lastEditedAt=stamp.now, lastEditedBy=stamp.author, confidence=1.0, manualAnnotation=True)
    return fields


def _unchanged_geometry(cls: ObjectClass, old: dict[str, Any], geometry: Geometry) -> bool:
    try:
        return decode_geometry(cls, old) == geometry
    except (KeyError, IndexError, TypeError, ValueError):
        return False


def _frame_object(
    obj: ObjectLabel,
    cls: ObjectClass,
    geometry: Geometry,
    points: dict[str, str],
    old: dict[str, Any] | None,
    stamp: _Stamp,
) -> dict[str, Any]:
    if old is not None and old.get("featureHash") != cls.hash:
        old = None
    meta = _provenance(old, old is not None and _unchanged_geometry(cls, old, geometry), stamp)
    entry: dict[str, Any] = {
        "name": cls.name,
        "color": cls.color,
        "shape": cls.shape.value,
        "value": snake(cls.name),
        "createdAt": meta["createdAt"],
        "createdBy": meta["createdBy"],
        "confidence": meta["confidence"],
        "objectHash": obj.hash,
        "featureHash": cls.hash,
        "manualAnnotation": meta["manualAnnotation"],
        "lastEditedAt": meta["lastEditedAt"],
    }
    if meta["lastEditedBy"] is not None:
        entry["lastEditedBy"] = meta["lastEditedBy"]
    entry.update(encode_geometry(cls, geometry, points))
    return entry


def _classification(
    label: ClassificationLabel, ontology: Ontology, old: dict[str, Any] | None, stamp: _Stamp, title: str
) -> dict[str, Any]:
    node = ontology.node(label.feature)
    fail = failer(title, f"classification {label.hash}")
    if not isinstance(node, ClassificationClass):
        raise fail(f"featureHash {label.feature!r} is not a classification in the ontology")
    if old is not None and old.get("featureHash") != label.feature:
        old = None
    unchanged = False
    if old is not None:
        try:
            was = decode_classification(ontology, label.hash, old, title)
            unchanged = was is not None and (was.answers, was.ranges) == (label.answers, label.ranges)
        except EncordFormatError:
            pass
    meta = _provenance(old, unchanged, stamp)
    return {
        "classifications": [encode_answer(ontology, f, v, fail) for f, v in label.answers],
        "classificationHash": label.hash,
        "featureHash": node.hash,
        "spaces": {},
        "range": [[start, end] for start, end in label.ranges],
        "createdBy": meta["createdBy"],
        "createdAt": meta["createdAt"],
        "lastEditedBy": meta["lastEditedBy"],
        "lastEditedAt": meta["lastEditedAt"],
        "confidence": meta["confidence"],
        "manualAnnotation": meta["manualAnnotation"],
    }


def encode_row(
    row: LabelRow, ontology: Ontology, base: dict[str, Any], *, now: str = EPOCH, author: str | None = None
) -> dict[str, Any]:
    """`base` (the remote row's dict, or `empty_row_dict`) with its labels replaced by `row`'s.

    Everything but the labels is kept from `base`, which is not modified. A label that `base` already has
    keeps its createdAt/createdBy (per frame for objects), and its lastEditedAt/By, confidence and
    manualAnnotation where it did not change; anything new or changed is stamped `now` and `author`
    (None lets the server fill in the user), confidence 1.0, manual. Names, colours and values come
    from the ontology. Raises EncordFormatError for a row that does not fit `base` or the ontology.
    """
    title = row_title(base)
    kind = data_type(base)
    if (
        str(base.get("data_hash")) != row.key.data_hash
        or base.get("branch_name", row.key.branch) != row.key.branch
    ):
        raise EncordFormatError(
            f"{title}: the base dict is for {base.get('data_hash')}@{base.get('branch_name')}, not {row.key}"
        )
    stamp = _Stamp(now, author)
    old_entries = {
        (str(e.get("objectHash")), f): e for f, labels in frame_labels(base) for e in labels.get("objects") or []
    }
    old_features = {h: e.get("featureHash") for (h, _), e in old_entries.items()}
    old_answers = base.get("object_answers") or {}

    on_frame: dict[int, list[dict[str, Any]]] = defaultdict(list)
    object_answers: dict[str, Any] = {}
    object_actions: dict[str, Any] = {}
    for obj in row.objects:
        cls = ontology.node(obj.feature)
        if not isinstance(cls, ObjectClass):
            raise EncordFormatError(
                f"{title}: object {obj.hash}: featureHash {obj.feature!r} is not an object in the ontology"
            )
        fail: Fail = failer(title, f"object {obj.hash} ({cls.name})")
        points = skeleton_point_hashes(ontology, cls) if cls.shape is Shape.SKELETON else {}
        for frame, geometry in obj.frames:
            if geometry.shape is not cls.shape:
                raise fail(f"{cls.name} is a {cls.shape.value}, not a {geometry.shape.value}")
            on_frame[frame].append(
                _frame_object(obj, cls, geometry, points, old_entries.get((obj.hash, frame)), stamp)
            )
        answer: dict[str, Any] = {
            "classifications": [encode_answer(ontology, f, v, fail) for f, v in obj.answers],
            "objectHash": obj.hash,
        }
        number = (old_answers.get(obj.hash) or {}).get("objectNumber")
        if number is not None and old_features.get(obj.hash) == cls.hash:
            answer["objectNumber"] = number
        object_answers[obj.hash] = answer
        if obj.dynamic:
            actions = [encode_dynamic(ontology, d, fail) for d in obj.dynamic]
            object_actions[obj.hash] = {"actions": actions, "objectHash": obj.hash}

    old_classifications = base.get("classification_answers") or {}
    classification_answers = {
        c.hash: _classification(c, ontology, old_classifications.get(c.hash), stamp, title)
        for c in row.classifications
    }
    labels = {
        "object_answers": object_answers,
        "classification_answers": classification_answers,
        "object_actions": object_actions,
        "data_units": _data_units(base, kind, on_frame, title),
    }
    out = {k: labels[k] if k in labels else copy.deepcopy(v) for k, v in base.items()}
    out.update({k: v for k, v in labels.items() if k not in out})
    out.setdefault("branch_name", row.key.branch)
    return out


def _data_units(
    base: dict[str, Any], kind: DataType, on_frame: dict[int, list[dict[str, Any]]], title: str
) -> dict[str, Any]:
    units: dict[str, Any] = {}
    placed: set[int] = set()
    for unit_hash, unit in (base.get("data_units") or {}).items():
        labels: dict[str, Any]
        if kind is DataType.VIDEO:
            frames = sorted(set(on_frame) - placed)
            labels = {str(f): {"objects": on_frame[f], "classifications": []} for f in frames}
            placed.update(frames)
        else:
            frame = unit_frame(kind, unit)
            labels = {"objects": on_frame.get(frame, []), "classifications": []}
            placed.add(frame)
        units[unit_hash] = {k: labels if k == "labels" else copy.deepcopy(v) for k, v in unit.items()}
        units[unit_hash]["labels"] = labels
    missing = sorted(set(on_frame) - placed)
    if missing:
        raise EncordFormatError(f"{title}: labels on frame {missing[0]}, which no data unit of the row holds")
    return units


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
