"""Write a canonical `LabelRow` into an Encord label-row dict as a patch: only the labels that differ change.

`encode_row(row, ontology, base)` decodes `base` (the row as fetched), compares it label by label with `row`
(what the plan says the row must hold) and edits a copy of `base` for the labels that differ only: it
removes deleted labels with their answers and actions, rewrites changed ones and adds new ones. Everything
else — other labels, labels labelsync cannot declare, data unit fields, keys it has never seen — is carried
over unchanged. A changed label starts from its entries as they were, so the fields labelsync does not
manage (reviews, confidence, createdAt/By, lastEditedBy, manualAnnotation, isDeleted, unknown keys) stay;
a changed frame or answer gets lastEditedAt `now`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from reconciler.encord_format._common import (
    EPOCH,
    EncordFormatError,
    Fail,
    data_type,
    failer,
    row_title,
    snake,
    unit_frame,
)
from reconciler.encord_format.answers import AnswerDecoder, answer_entry, dynamic_entry
from reconciler.encord_format.decode import decode_row
from reconciler.encord_format.geometry import (
    GEOMETRY_FIELD,
    decode_geometry,
    encode_geometry,
    skeleton_point_hashes,
)
from reconciler.encord_format.ranges import RANGE_KEYS, decode_range, encode_range
from reconciler.model import (
    ClassificationLabel,
    DataType,
    DynamicAnswer,
    Geometry,
    Label,
    LabelRow,
    ObjectLabel,
    Shape,
    is_html_value,
)
from reconciler.ontology import Attribute, ClassificationClass, ObjectClass, Ontology, walk_attributes

_GEOMETRY_KEYS = frozenset({*GEOMETRY_FIELD.values(), "polygons"})


@dataclass(frozen=True)
class _Stamp:
    now: str
    author: str | None

    def edited(self, entry: dict[str, Any]) -> None:
        entry["lastEditedAt"] = self.now
        if self.author is not None:
            entry["lastEditedBy"] = self.author

    def created(self) -> dict[str, Any]:
        return {
            "createdAt": self.now,
            "createdBy": self.author,
            "lastEditedAt": self.now,
            "lastEditedBy": self.author,
            "confidence": 1.0,
            "manualAnnotation": True,
        }


def _content(label: Label) -> Label:
    """A label without its tags: tags are not in the dict."""
    return replace(label, tags=())


def encode_row(
    row: LabelRow, ontology: Ontology, base: dict[str, Any], *, now: str = EPOCH, author: str | None = None
) -> dict[str, Any]:
    """A copy of `base` (the remote row's dict, or `empty_row_dict`) patched to hold `row`'s labels.

    `base` is not modified. New or changed entries are stamped `now` and `author` (None lets the server fill
    in the user). Names, colours and values of written entries come from the ontology. Raises
    EncordFormatError for a row that does not fit `base` or the ontology.
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
    was = {label.hash: label for label in decode_row(base, ontology, row.key.branch).labels}
    want = {label.hash: _content(label) for label in row.labels}
    touched = sorted(h for h in was.keys() | want.keys() if was.get(h) != want.get(h))
    out = copy.deepcopy(base)
    out.setdefault("branch_name", row.key.branch)
    if touched:
        _Patch(out, ontology, kind, _Stamp(now, author), title).apply(touched, want)
    return out


class _Patch:
    def __init__(self, out: dict[str, Any], ontology: Ontology, kind: DataType, stamp: _Stamp, title: str) -> None:
        self.out = out
        self.ontology = ontology
        self.kind = kind
        self.stamp = stamp
        self.title = title
        self.emptied: set[int] = set()
        """Frames this patch took entries from: dropped if nothing is left on them."""
        units = (out.get("data_units") or {}).values()
        self.html = any(isinstance(unit, dict) and unit.get("data_type") == "text/html" for unit in units)
        """The row's file is an HTML document: its text ranges are xpaths."""

    def apply(self, touched: list[str], want: dict[str, Label]) -> None:
        old_frames = self._take_frame_entries(set(touched))
        object_answers = self.out.setdefault("object_answers", {})
        object_actions = self.out.setdefault("object_actions", {})
        classification_answers = self.out.setdefault("classification_answers", {})
        for label_hash in touched:
            old_answer = object_answers.pop(label_hash, None)
            old_actions = object_actions.pop(label_hash, None)
            old_classification = classification_answers.pop(label_hash, None)
            label = want.get(label_hash)
            if isinstance(label, ObjectLabel):
                self._object(label, old_frames.get(label_hash, {}), old_answer, old_actions)
            elif isinstance(label, ClassificationLabel):
                self._classification(label, old_classification, old_frames.get(label_hash, {}))
        self._drop_empty_frames()

    # -- frames ----------------------------------------------------------------------------------

    def _frames(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(frame, that frame's {"objects", "classifications"} dict) for every frame of the row's units."""
        for unit in (self.out.get("data_units") or {}).values():
            labels = unit.setdefault("labels", {})
            if self.kind.framed:
                for frame, frame_labels in labels.items():
                    yield int(frame), frame_labels
            else:
                yield unit_frame(self.kind, unit), labels

    def _frame(self, frame: int) -> dict[str, Any]:
        """The labels dict of one frame, created when the frame has none yet."""
        units = list((self.out.get("data_units") or {}).values())
        if self.kind.framed and units:
            labels: dict[str, Any] = units[0].setdefault("labels", {})
            return labels.setdefault(str(frame), {"objects": [], "classifications": []})  # type: ignore[no-any-return]
        for unit in units:
            if unit_frame(self.kind, unit) == frame:
                return unit.setdefault("labels", {})  # type: ignore[no-any-return]
        raise EncordFormatError(f"{self.title}: labels on frame {frame}, which no data unit of the row holds")

    def _take_frame_entries(self, hashes: set[str]) -> dict[str, dict[int, dict[str, Any]]]:
        """Remove the per-frame entries of these labels from every frame; return them by hash and frame."""
        taken: dict[str, dict[int, dict[str, Any]]] = {}
        for frame, labels in self._frames():
            for key, hash_key in (("objects", "objectHash"), ("classifications", "classificationHash")):
                entries = labels.get(key)
                if not entries:
                    continue
                kept = []
                for entry in entries:
                    label_hash = str(entry.get(hash_key))
                    if label_hash in hashes:
                        taken.setdefault(label_hash, {})[frame] = entry
                    else:
                        kept.append(entry)
                if len(kept) != len(entries):
                    labels[key] = kept
                    self.emptied.add(frame)
        return taken

    def _drop_empty_frames(self) -> None:
        if not self.kind.framed:
            return
        for unit in (self.out.get("data_units") or {}).values():
            labels = unit.get("labels") or {}
            emptied = [
                f for f, v in labels.items() if int(f) in self.emptied and isinstance(v, dict) and _empty(v)
            ]
            for frame in emptied:
                del labels[frame]

    # -- objects ---------------------------------------------------------------------------------

    def _object(
        self,
        obj: ObjectLabel,
        old_frames: dict[int, dict[str, Any]],
        old_answer: dict[str, Any] | None,
        old_actions: dict[str, Any] | None,
    ) -> None:
        cls = self.ontology.node(obj.feature)
        if not isinstance(cls, ObjectClass) or not cls.shape.declarable:
            raise EncordFormatError(
                f"{self.title}: object {obj.hash}: featureHash {obj.feature!r} is not an object in the ontology"
            )
        fail = failer(self.title, f"object {obj.hash} ({cls.name})")
        if not self.kind.takes(cls.shape):
            raise fail(f"labelsync cannot write {cls.shape.value} objects on a {self.kind.value} row")
        if any(geometry.shape is not cls.shape for _, geometry in obj.frames):
            raise fail(f"{cls.name} is a {cls.shape.value}, not a {obj.frames[0][1].shape.value}")
        if cls.shape.ranged:
            old_answer = self._ranged_object(obj, cls, old_answer, fail)
        points = skeleton_point_hashes(self.ontology, cls) if cls.shape is Shape.SKELETON else {}
        for frame, geometry in () if cls.shape.ranged else obj.frames:
            entry = self._frame_object(obj.hash, cls, geometry, points, old_frames.get(frame))
            self._frame(frame).setdefault("objects", []).append(entry)
        answer = dict(old_answer or {})
        old_answers = (old_answer or {}).get("classifications") or []
        old_list = (old_actions or {}).get("actions") or []
        if old_frames and any(e.get("featureHash") != cls.hash for e in old_frames.values()):
            answer.pop("objectNumber", None)  # a number counts objects of one class
            old_answers, old_list = self._own(cls, old_answers), self._own(cls, old_list)
        answer["classifications"] = self._answers(cls.attributes, obj.answers, old_answers, fail, dynamic=False)
        answer["objectHash"] = obj.hash
        self.out["object_answers"][obj.hash] = answer
        if obj.dynamic or old_list:
            actions = dict(old_actions or {})
            actions["actions"] = self._dynamic(cls.attributes, obj.dynamic, old_list, fail)
            actions["objectHash"] = obj.hash
            self.out["object_actions"][obj.hash] = actions

    def _ranged_object(
        self, obj: ObjectLabel, cls: ObjectClass, old: dict[str, Any] | None, fail: Fail
    ) -> dict[str, Any]:
        """The answers entry of an object that is ranges of the file, its ranges written (its answers are
        written by the caller). Kept as it was where class and ranges did not change."""
        if len(obj.frames) != 1 or obj.frames[0][0] != 0:
            raise fail("an object of ranges of the file stands on frame 0 only")
        geometry = obj.frames[0][1]
        if is_html_value(geometry.value) != self.html:
            form = "xpath ranges of an HTML document" if self.html else "character ranges"
            raise fail(f"this row's file takes {form}")
        if old is not None and old.get("featureHash") == cls.hash and _same_range(cls, old, geometry):
            return old
        if old is not None:
            entry = {k: v for k, v in old.items() if k not in RANGE_KEYS}
        else:
            entry = {k: v for k, v in self.stamp.created().items() if k != "confidence"}  # as the SDK writes it
        entry.update(
            featureHash=cls.hash,
            name=cls.name,
            color=cls.color,
            shape=cls.shape.value,
            value=snake(cls.name),
            **encode_range(geometry),
        )
        if old is not None:
            self.stamp.edited(entry)
        return entry

    def _frame_object(
        self,
        object_hash: str,
        cls: ObjectClass,
        geometry: Geometry,
        points: dict[str, str],
        old: dict[str, Any] | None,
    ) -> dict[str, Any]:
        if old is not None and old.get("featureHash") == cls.hash and _same_geometry(cls, old, geometry):
            return old
        entry = {k: v for k, v in old.items() if k not in _GEOMETRY_KEYS} if old else self.stamp.created()
        entry.update(
            name=cls.name,
            color=cls.color,
            shape=cls.shape.value,
            value=snake(cls.name),
            objectHash=object_hash,
            featureHash=cls.hash,
        )
        if old is not None:
            self.stamp.edited(entry)
        if entry.get("lastEditedBy") is None:
            entry.pop("lastEditedBy", None)
        old_skeleton = old.get("skeleton") if old and old.get("featureHash") == cls.hash else None
        entry.update(encode_geometry(cls, geometry, points, old_skeleton))
        return entry

    # -- answers ---------------------------------------------------------------------------------

    def _answers(
        self,
        scope: tuple[Attribute, ...],
        answers: tuple[tuple[str, Any], ...],
        old: list[dict[str, Any]],
        fail: Fail,
        *,
        dynamic: bool,
    ) -> list[dict[str, Any]]:
        """The answer entries for `answers`, in the old entries' order: an answer that did not change keeps its
        old entries as they were, a changed one keeps its old entry's other keys, a new one comes last;
        entries labelsync does not manage stay."""
        managed = {a.hash for a in walk_attributes(scope) if a.dynamic is dynamic}
        decoder = AnswerDecoder(self.ontology, scope, fail)
        wanted = dict(answers)
        by_feature: dict[str, list[dict[str, Any]]] = {}
        for entry in old:
            by_feature.setdefault(str(entry.get("featureHash")), []).append(entry)
        result = []
        placed: set[str] = set()
        for entry in old:
            feature = str(entry.get("featureHash"))
            if feature not in managed:
                result.append(entry)
            elif feature not in placed and feature in wanted:
                placed.add(feature)
                before = by_feature[feature]
                if decoder.value_of(before) == wanted[feature]:
                    result.extend(before)
                else:
                    result.append(answer_entry(self.ontology, feature, wanted[feature], fail, base=before[0]))
        for feature, value in answers:
            if feature not in placed:
                result.append(answer_entry(self.ontology, feature, value, fail, base=None))
        return result

    def _own(self, cls: ObjectClass, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """For an object whose class changed: `entries` but answers to the old class's attributes (known to the
        ontology, not `cls`'s), which Encord refuses on the new class. Entries the ontology does not know stay."""
        in_scope = {a.hash for a in walk_attributes(cls.attributes)}
        return [
            e
            for e in entries
            if str(e.get("featureHash")) in in_scope or self.ontology.node(str(e.get("featureHash"))) is None
        ]

    def _dynamic(
        self,
        scope: tuple[Attribute, ...],
        answers: tuple[DynamicAnswer, ...],
        old: list[dict[str, Any]],
        fail: Fail,
    ) -> list[dict[str, Any]]:
        managed = {a.hash for a in walk_attributes(scope) if a.dynamic}
        kept = [e for e in old if str(e.get("featureHash")) not in managed]
        firsts: dict[str, dict[str, Any]] = {}
        for entry in old:
            firsts.setdefault(str(entry.get("featureHash")), entry)
        written = [dynamic_entry(self.ontology, d, fail, base=firsts.get(d.attribute)) for d in answers]
        return kept + written

    # -- classifications ---------------------------------------------------------------------------

    def _classification(
        self, label: ClassificationLabel, old: dict[str, Any] | None, old_frames: dict[int, dict[str, Any]]
    ) -> None:
        node = self.ontology.node(label.feature)
        fail = failer(self.title, f"classification {label.hash}")
        if not isinstance(node, ClassificationClass):
            raise fail(f"featureHash {label.feature!r} is not a classification in the ontology")
        if old is not None and old.get("featureHash") != label.feature:
            old = None
        entry = dict(old) if old is not None else {**self.stamp.created(), "spaces": {}}
        if old is not None:
            self.stamp.edited(entry)
        entry.update(
            classifications=self._answers(
                (node.attribute,), label.answers, (old or {}).get("classifications") or [], fail, dynamic=False
            ),
            classificationHash=label.hash,
            featureHash=node.hash,
            range=[] if self.kind.ranged_shape else [[start, end] for start, end in label.ranges],
        )
        self.out["classification_answers"][label.hash] = entry
        for frame, frame_entry in old_frames.items():  # older rows also list classifications per frame
            if any(start <= frame <= end for start, end in label.ranges):
                self._frame(frame).setdefault("classifications", []).append(frame_entry)


def _empty(frame_labels: dict[str, Any]) -> bool:
    return not frame_labels.get("objects") and not frame_labels.get("classifications") and len(frame_labels) <= 2


def _same_range(cls: ObjectClass, old: dict[str, Any], geometry: Geometry) -> bool:
    try:
        return decode_range(cls, old) == geometry
    except (KeyError, IndexError, TypeError, ValueError):
        return False


def _same_geometry(cls: ObjectClass, old: dict[str, Any], geometry: Geometry) -> bool:
    try:
        return decode_geometry(cls, old) == geometry
    except (KeyError, IndexError, TypeError, ValueError):
        return False
