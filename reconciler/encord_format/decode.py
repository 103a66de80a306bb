"""An Encord label-row dict -> the canonical `LabelRow`, and what of it labelsync cannot declare.

Decoding never drops anything silently: a label labelsync cannot declare (a shape or data type it does
not model yet, a class or option the ontology does not have, an answer entry with no class, malformed
geometry) is left out of the model and counted in `LabelRow.carried`; the patching encoder keeps it in
the dict as it is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from reconciler.encord_format._common import (
    EncordFormatError,
    failer,
    frame_labels,
    row_data_type,
    row_title,
)
from reconciler.encord_format.answers import AnswerDecoder
from reconciler.encord_format.geometry import decode_geometry
from reconciler.encord_format.ranges import decode_range
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

_MALFORMED = (AttributeError, KeyError, IndexError, TypeError, ValueError)


def decode_row(row: dict[str, Any], ontology: Ontology, branch_default: str = "main") -> LabelRow:
    """The canonical form of a label-row dict as `LabelRowV2.to_encord_dict()` or the server writes it.

    Order-insensitive and timestamp-free; tags are left empty (they are not in the dict). Answers the SDK
    keeps but that mean nothing are dropped: answers nested under an option that is not chosen, and dynamic
    answers on frames where the object has no geometry. Labels that cannot be declared are counted in
    `carried`. Raises EncordFormatError, naming the row, only for a dict that is not a label row at all.
    """
    try:
        key = RowKey(str(row["data_hash"]), str(row.get("branch_name") or branch_default))
    except (KeyError, TypeError, AttributeError) as error:
        raise EncordFormatError(f"{row_title(row)}: malformed label row: {error!r}") from error
    kind = row_data_type(row)
    if kind is None or not kind.declarable:
        return LabelRow(key, carried=_label_count(row))
    try:
        return _Decoding(row, ontology, kind).decode(key)
    except EncordFormatError:
        raise
    except _MALFORMED as error:
        raise EncordFormatError(f"{row_title(row)}: malformed label row: {error!r}") from error


def _label_count(row: dict[str, Any]) -> int:
    """How many labels a row holds, for one labelsync does not read at all."""
    hashes: set[str] = set(row.get("object_answers") or {}) | set(row.get("classification_answers") or {})
    for space in (row.get("spaces") or {}).values():
        if isinstance(space, dict):
            for labels in (space.get("labels") or {}).values():
                if isinstance(labels, dict):
                    hashes.update(str(o.get("objectHash")) for o in labels.get("objects") or [])
    return len(hashes)


@dataclass
class _Decoding:
    row: dict[str, Any]
    ontology: Ontology
    kind: DataType
    carried: set[str] = field(default_factory=set)
    frame_classifications: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def __post_init__(self) -> None:
        self.title = row_title(self.row)

    def decode(self, key: RowKey) -> LabelRow:
        objects = self._objects()
        classifications = self._classifications()
        return LabelRow(
            key=key, objects=tuple(objects), classifications=tuple(classifications), carried=len(self.carried)
        )

    def _object_class(self, feature: Any) -> ObjectClass | None:
        node = self.ontology.node(str(feature))
        return node if isinstance(node, ObjectClass) and self.kind.takes(node.shape) else None

    def _ranged_objects(self, features: dict[str, str], geometry: dict[str, dict[int, Geometry]]) -> None:
        for object_hash, entry in (self.row.get("object_answers") or {}).items():
            cls = self._object_class(entry.get("featureHash")) if isinstance(entry, dict) else None
            if cls is None or entry.get("spaces"):
                continue
            try:
                geometry[str(object_hash)][0] = decode_range(cls, entry)
            except _MALFORMED:
                continue
            features[str(object_hash)] = cls.hash

    def _objects(self) -> list[ObjectLabel]:
        features: dict[str, str] = {}
        geometry: dict[str, dict[int, Geometry]] = defaultdict(dict)
        if self.kind.ranged_shape is not None:
            self._ranged_objects(features, geometry)
        for frame, labels in frame_labels(self.row, self.kind):
            for entry in labels.get("objects") or []:
                object_hash = str(entry.get("objectHash"))
                cls = self._object_class(entry.get("featureHash"))
                if cls is None or features.setdefault(object_hash, cls.hash) != cls.hash:
                    self.carried.add(object_hash)
                    continue
                try:
                    geometry[object_hash][frame] = decode_geometry(cls, entry)
                except _MALFORMED:
                    self.carried.add(object_hash)
            for entry in labels.get("classifications") or []:  # older rows: classifications per frame
                self.frame_classifications[str(entry.get("classificationHash"))].add(frame)

        object_answers = self.row.get("object_answers") or {}
        object_actions = self.row.get("object_actions") or {}
        self.carried.update(str(h) for h in object_answers if h not in geometry)
        objects = []
        for object_hash, frames in sorted(geometry.items()):
            if object_hash in self.carried:
                continue
            cls = self._object_class(features[object_hash])
            assert cls is not None
            entries = [
                *((object_answers.get(object_hash) or {}).get("classifications") or []),
                *((object_actions.get(object_hash) or {}).get("actions") or []),
            ]
            decoder = AnswerDecoder(self.ontology, cls.attributes, failer(self.title, f"object {object_hash}"))
            try:
                objects.append(
                    ObjectLabel(
                        hash=object_hash,
                        feature=cls.hash,
                        frames=tuple(sorted(frames.items())),
                        answers=decoder.static(entries),
                        dynamic=decoder.dynamic(entries, set(frames)),
                    )
                )
            except (EncordFormatError, *_MALFORMED):
                self.carried.add(object_hash)
        return objects

    def _classifications(self) -> list[ClassificationLabel]:
        labels = []
        for classification_hash, answer in sorted((self.row.get("classification_answers") or {}).items()):
            try:
                label = decode_classification(
                    self.ontology,
                    str(classification_hash),
                    answer,
                    self.title,
                    self.frame_classifications.get(classification_hash),
                    self.kind,
                )
            except (EncordFormatError, *_MALFORMED):
                label = None
            if label is None:
                self.carried.add(str(classification_hash))
            else:
                labels.append(label)
        return labels


def decode_classification(
    ontology: Ontology,
    classification_hash: str,
    answer: dict[str, Any],
    title: str,
    frames: set[int] | None = None,
    kind: DataType | None = None,
) -> ClassificationLabel | None:
    """One `classification_answers` entry, or None when it cannot be declared: no or an unknown class, or
    on no frame although it is not global (the SDK drops those)."""
    node = ontology.node(str(answer.get("featureHash")))
    if not isinstance(node, ClassificationClass):
        return None
    if node.is_global:
        ranges: tuple[tuple[int, int], ...] = ()
    elif kind is not None and kind.ranged_shape is not None:
        ranges = () if answer.get("range") else ((0, 0),)  # the whole file; a part of it cannot be declared
    elif answer.get("range") is not None:
        ranges = normalise_ranges(answer["range"])
    elif frames:
        ranges = frames_to_ranges(frames)
    else:
        ranges = ((0, 0),) if kind is DataType.IMAGE else ()
    if not ranges and not node.is_global:
        return None
    decoder = AnswerDecoder(ontology, (node.attribute,), failer(title, f"classification {classification_hash}"))
    answers = decoder.static(answer.get("classifications") or [])
    return ClassificationLabel(hash=classification_hash, feature=node.hash, answers=answers, ranges=ranges)
