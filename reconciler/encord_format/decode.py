"""An Encord label-row dict -> the canonical `LabelRow`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from reconciler.encord_format._common import EncordFormatError, data_type, failer, frame_labels, row_title
from reconciler.encord_format.answers import AnswerDecoder
from reconciler.encord_format.geometry import decode_geometry
from reconciler.model import (
    ClassificationLabel,
    DataType,
    Geometry,
    LabelRow,
    ObjectLabel,
    RowKey,
    frames_to_ranges,
    normalise_ranges,
)
from reconciler.ontology import ClassificationClass, ObjectClass, Ontology


def _object_class(ontology: Ontology, feature: Any, title: str, what: str) -> ObjectClass:
    node = ontology.node(str(feature))
    if isinstance(node, ObjectClass):
        return node
    why = "is not in the ontology" if node is None else f"({ontology.display_name(str(feature))}) is not an object"
    raise EncordFormatError(f"{title}: {what}: featureHash {feature!r} {why}")


def decode_row(row: dict[str, Any], ontology: Ontology, branch_default: str = "main") -> LabelRow:
    """The canonical form of a label-row dict as `LabelRowV2.to_encord_dict()` or the server writes it.

    Order-insensitive and timestamp-free; tags are left empty (they are not in the dict). Answers the SDK
    keeps but that mean nothing are dropped: answers nested under an option that is not chosen, and dynamic
    answers on frames where the object has no geometry. Raises EncordFormatError, naming the row, for a
    featureHash the ontology does not have (or has elsewhere) and for a malformed dict.
    """
    try:
        return _decode_row(row, ontology, branch_default)
    except EncordFormatError:
        raise
    except (AttributeError, KeyError, IndexError, TypeError, ValueError) as error:
        raise EncordFormatError(f"{row_title(row)}: malformed label row: {error!r}") from error


def _decode_row(row: dict[str, Any], ontology: Ontology, branch_default: str) -> LabelRow:
    title = row_title(row)
    kind = data_type(row)
    key = RowKey(str(row["data_hash"]), str(row.get("branch_name") or branch_default))

    features: dict[str, str] = {}
    geometry: dict[str, dict[int, Geometry]] = defaultdict(dict)
    frame_classifications: dict[str, set[int]] = defaultdict(set)
    for frame, labels in frame_labels(row):
        for entry in labels.get("objects") or []:
            object_hash = str(entry["objectHash"])
            what = f"object {object_hash} on frame {frame}"
            cls = _object_class(ontology, entry.get("featureHash"), title, what)
            if features.setdefault(object_hash, cls.hash) != cls.hash:
                raise EncordFormatError(f"{title}: {what}: featureHash {cls.hash} differs from its other frames")
            try:
                geometry[object_hash][frame] = decode_geometry(cls, entry)
            except (KeyError, IndexError, TypeError, ValueError) as error:
                raise EncordFormatError(f"{title}: {what}: malformed {cls.shape.value}: {error!r}") from None
        for entry in labels.get("classifications") or []:  # older rows: classifications per frame
            frame_classifications[str(entry.get("classificationHash"))].add(frame)

    object_answers = row.get("object_answers") or {}
    object_actions = row.get("object_actions") or {}
    objects = []
    for object_hash, frames in sorted(geometry.items()):
        cls = _object_class(ontology, features[object_hash], title, f"object {object_hash}")
        entries = [
            *((object_answers.get(object_hash) or {}).get("classifications") or []),
            *((object_actions.get(object_hash) or {}).get("actions") or []),
        ]
        decoder = AnswerDecoder(ontology, cls.attributes, failer(title, f"object {object_hash} ({cls.name})"))
        objects.append(
            ObjectLabel(
                hash=object_hash,
                feature=cls.hash,
                frames=tuple(sorted(frames.items())),
                answers=decoder.static(entries),
                dynamic=decoder.dynamic(entries, set(frames)),
            )
        )

    classifications = []
    for classification_hash, answer in sorted((row.get("classification_answers") or {}).items()):
        label = _classification(
            ontology, classification_hash, answer, frame_classifications.get(classification_hash), kind, title
        )
        if label is not None:
            classifications.append(label)
    return LabelRow(key=key, objects=tuple(objects), classifications=tuple(classifications))


def decode_classification(
    ontology: Ontology, classification_hash: str, answer: dict[str, Any], title: str
) -> ClassificationLabel | None:
    """One `classification_answers` entry, or None when it is on no frame (the SDK drops those too)."""
    return _classification(ontology, classification_hash, answer, None, None, title)


def _classification(
    ontology: Ontology,
    classification_hash: str,
    answer: dict[str, Any],
    frames: set[int] | None,
    kind: DataType | None,
    title: str,
) -> ClassificationLabel | None:
    feature = answer.get("featureHash")
    if not feature:
        return None
    what = f"classification {classification_hash}"
    node = ontology.node(str(feature))
    if not isinstance(node, ClassificationClass):
        why = (
            "is not in the ontology"
            if node is None
            else f"({ontology.display_name(str(feature))}) is not a classification"
        )
        raise EncordFormatError(f"{title}: {what}: featureHash {feature!r} {why}")
    if answer.get("range") is not None:
        ranges = normalise_ranges(answer["range"])
    elif frames:
        ranges = frames_to_ranges(frames)
    else:
        ranges = ((0, 0),) if kind is DataType.IMAGE else ()
    if not ranges:
        return None
    decoder = AnswerDecoder(ontology, (node.attribute,), failer(title, f"{what} ({node.name})"))
    answers = decoder.static(answer.get("classifications") or [])
    return ClassificationLabel(hash=classification_hash, feature=node.hash, answers=answers, ranges=ranges)
