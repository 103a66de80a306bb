"""A remote label row -> the label-file document people write by hand: the inverse of desired/label_file.py.

Pure: `row_document(row, ontology, unit, ...)` gives plain data (dicts, lists, strings, numbers) in the
file format of docs/label-format.md: ids, class names and option labels instead of hashes, `hash:` pinning
each label's existing hash, geometry per frame range (`"4-9"`: consecutive frames with equal geometry),
dynamic answers per range, classification `frames:` only when not every frame, and the tags at each scope.
`round_trip_problem` parses the text of a document back the way `plan` will, so a file is only written when
it declares exactly the remote row.

What the format cannot say raises `Unrepresentable` (the row is skipped and reported, never half written).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler import yamlio
from reconciler.canonical import row_fingerprint
from reconciler.desired.frames import format_range
from reconciler.desired.label_file import parse_label_file
from reconciler.errors import LabelsyncError
from reconciler.identity import label_hash
from reconciler.model import (
    AnswerValue,
    ClassificationLabel,
    DataUnit,
    FrameRange,
    Geometry,
    LabelRow,
    ObjectLabel,
    is_html_value,
)
from reconciler.ontology import Attribute, ClassificationClass, ObjectClass, Ontology


class Unrepresentable(LabelsyncError):
    """The row holds something a label file cannot declare (yet)."""


@dataclass(frozen=True)
class Naming:
    """How the document names things beyond the row itself."""

    default_branch: str = "main"
    by_hash: bool = False
    """Name the data unit by `data_hash:` (another data unit has the same title)."""
    ids: Mapping[str, str] = field(default_factory=dict)
    """Label hash -> id to keep (from the row's existing file)."""
    prune: bool | None = None
    """Write `prune:` with this value (kept from the existing file); None writes none."""
    masks: Mapping[str, str] = field(default_factory=dict)
    """Label hash -> a PNG file (beside the label file) to give an image's bitmask as, instead of its RLE."""
    renamed: Mapping[str, str] = field(default_factory=dict)
    """Label hash -> the old id the existing file's `was:` gives it (kept: the hash derives from it)."""
    protect: bool = False
    """Write `protect: true` at the top (kept from the existing file)."""
    protected: frozenset[str] = frozenset()
    """Hashes of the labels the existing file marks `protect: true` (kept)."""


def row_document(row: LabelRow, ontology: Ontology, unit: DataUnit, naming: Naming = Naming()) -> dict[str, Any]:
    """The label-file document that declares exactly `row` (a row of `unit`)."""
    doc: dict[str, Any] = {"data_hash": unit.hash} if naming.by_hash else {"data": unit.title}
    if row.key.branch != naming.default_branch:
        doc["branch"] = row.key.branch
    if naming.prune is not None:
        doc["prune"] = naming.prune
    if naming.protect:
        doc["protect"] = True
    if row.tags:
        doc["tags"] = list(row.tags)
    if row.frame_tags:
        doc["frame_tags"] = {t.name: _frame_list(t.ranges) for t in row.frame_tags}
    ids = assign_ids(row, ontology, naming.ids)
    pinned = _Pins(row, ids, naming.renamed, naming.protected)
    objects = [
        _object(o, ontology, unit, ids[o.hash], pinned, naming.masks) for o in sorted(row.objects, key=_by_hash)
    ]
    classifications = [
        _classification(c, ontology, unit, ids[c.hash], pinned) for c in sorted(row.classifications, key=_by_hash)
    ]
    objects.sort(key=_natural)
    classifications.sort(key=_natural)
    if objects:
        doc["objects"] = objects
    if classifications:
        doc["classifications"] = classifications
    return doc


def round_trip_problem(
    text: str,
    name: str,
    row: LabelRow,
    ontology: Ontology,
    unit: DataUnit,
    *,
    default_branch: str,
    default_prune: bool,
    base_dir: Path,
) -> str | None:
    """Why the label file `text` would not declare exactly `row` when `plan` reads it, or None."""
    try:
        doc = yamlio.load(text)
    except yamlio.YamlSyntaxError as exc:
        return f"the file would not be valid YAML ({exc})"
    parsed, findings = parse_label_file(
        name, doc, ontology, unit, default_branch=default_branch, default_prune=default_prune, base_dir=base_dir
    )
    if findings:
        return "; ".join(f"{'.'.join(map(str, f.path)) or 'file'}: {f.message}" for f in findings[:3])
    if parsed is None or row_fingerprint(parsed.row) != row_fingerprint(row):
        return "the file would not declare the same labels (a canonical form the format cannot express)"
    return None


# -- ids ---------------------------------------------------------------------------------------------


def slug(name: str, fallback: str) -> str:
    """A readable id stem from a class or question name: `Fruit kind?` -> `fruit-kind`."""
    text = unicodedata.normalize("NFKC", name).casefold()
    stem = re.sub(r"[^\w]+|_+", "-", text).strip("-")
    return stem or fallback


def assign_ids(row: LabelRow, ontology: Ontology, known: Mapping[str, str] = {}) -> dict[str, str]:
    """Label hash -> id, the same for the same labels pull after pull. In order of preference:
    1. the id the row's existing file gives the label;
    2. the id the label's hash derives from, when labelsync made it: found among the relation answers of
       the row and the ids labelsync suggests (`<class slug>-<n>`), so relations keep naming the right label;
    3. `<class slug>-<n>`, numbered in hash order per slug from 1, skipping ids taken.
    """
    labels: list[ObjectLabel | ClassificationLabel] = [
        *sorted(row.objects, key=_by_hash),
        *sorted(row.classifications, key=_by_hash),
    ]
    ids: dict[str, str] = {}
    taken: set[str] = set()

    def give(hash_: str, label_id: str) -> None:
        ids[hash_] = label_id
        taken.add(label_id)

    for label in labels:
        kept = known.get(label.hash)
        if kept and kept not in taken:
            give(label.hash, kept)
    stems = {label.hash: _stem(label, ontology) for label in labels}
    unnamed = {label.hash for label in labels if label.hash not in ids}
    if unnamed:
        for candidate in _candidate_ids(row, ontology, Counter(stems[h] for h in unnamed)):
            derived = label_hash(row.key.data_hash, row.key.branch, candidate)
            if derived in unnamed and candidate not in taken:
                give(derived, candidate)
                unnamed.discard(derived)
                if not unnamed:
                    break
    counters: dict[str, int] = {}
    for label in labels:
        if label.hash in ids:
            continue
        stem = stems[label.hash]
        number = counters.get(stem, 0) + 1
        while f"{stem}-{number}" in taken:
            number += 1
        counters[stem] = number
        give(label.hash, f"{stem}-{number}")
    return ids


def _stem(label: ObjectLabel | ClassificationLabel, ontology: Ontology) -> str:
    fallback = "object" if isinstance(label, ObjectLabel) else "classification"
    return slug(ontology.display_name(label.feature), fallback)


def _candidate_ids(row: LabelRow, ontology: Ontology, per_stem: Counter[str]) -> Iterator[str]:
    """Ids the row's labels may have been given in a file: the labels its relation attributes name, then
    `<stem>` and `<stem>-<n>` (n up to twice the labels of the stem, for labels deleted since)."""
    for obj in row.objects:
        for attribute, value in obj.answers:
            node = ontology.node(attribute)
            if isinstance(value, str) and value and isinstance(node, Attribute) and node.is_relation:
                yield value
    for stem, count in sorted(per_stem.items()):
        yield stem
        for number in range(1, 2 * count + 3):
            yield f"{stem}-{number}"


@dataclass(frozen=True)
class _Pins:
    row: LabelRow
    ids: Mapping[str, str]
    renamed: Mapping[str, str]
    protected: frozenset[str]

    def identity(self, hash_: str) -> dict[str, Any]:
        """`id:`, and `was:` or `hash:` where the id alone does not derive the label's hash (a renamed label keeps
        its `was:`; any other is pinned), as a hand-written file gives them."""
        entry: dict[str, Any] = {"id": self.ids[hash_]}
        key = self.row.key
        old = self.renamed.get(hash_)
        if old is not None and label_hash(key.data_hash, key.branch, old) == hash_:
            entry["was"] = old
        elif label_hash(key.data_hash, key.branch, self.ids[hash_]) != hash_:
            entry["hash"] = hash_
        return entry

    def protection(self, hash_: str) -> dict[str, Any]:
        return {"protect": True} if hash_ in self.protected else {}


def _by_hash(label: ObjectLabel | ClassificationLabel) -> str:
    return label.hash


def _natural(entry: dict[str, Any]) -> tuple[tuple[int, int | str], ...]:
    """Entries by id, numbers by value: cherry-2 before cherry-10."""
    parts = re.split(r"(\d+)", str(entry["id"]))
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)


# -- objects -----------------------------------------------------------------------------------------

Size = tuple[int, int]
"""A frame's (width, height) in pixels."""
GeometryWriter = Callable[[Any, ObjectClass, Size], tuple[str, Any]]


def _ordered(value: Any, first: tuple[str, ...]) -> Any:
    """A dict with these keys first, then any others as they are (so nothing is ever dropped)."""
    if not isinstance(value, dict):
        return value
    return {**{k: value[k] for k in first if k in value}, **{k: v for k, v in value.items() if k not in first}}


def _polygon(value: Any, cls: ObjectClass, size: Size) -> tuple[str, Any]:
    if len(value) == 1 and len(value[0]) == 1:
        return "polygon", value[0][0]
    return "polygons", value


def _bitmask(value: Any, cls: ObjectClass, size: Size) -> tuple[str, Any]:
    if (value.get("top"), value.get("left"), value.get("width"), value.get("height")) != (0, 0, *size):
        raise Unrepresentable(
            f"a {cls.name} bitmask covers {value.get('width')}x{value.get('height')} pixels at "
            f"({value.get('left')}, {value.get('top')}); label files hold masks of the whole "
            f"{size[0]}x{size[1]} frame only"
        )
    return "bitmask", {"rle": value["rle"]}


def _skeleton(value: Any, cls: ObjectClass, size: Size) -> tuple[str, Any]:
    points = _ordered(value, cls.skeleton_points)
    return "skeleton", {name: _ordered(point, ("x", "y")) for name, point in points.items()}


def _ranged(key: str) -> GeometryWriter:
    def write(value: Any, cls: ObjectClass, size: Size) -> tuple[str, Any]:
        if is_html_value(value):
            return key, [
                {side: _ordered(node[side], ("xpath", "offset")) for side in ("start", "end")} for node in value
            ]
        return key, _frame_list(tuple((start, end) for start, end in value))

    return write


GEOMETRY_WRITERS: dict[str, GeometryWriter] = {
    "box": lambda v, cls, size: ("box", _ordered(v, ("x", "y", "w", "h"))),
    "rotated_box": lambda v, cls, size: ("rotated_box", _ordered(v, ("x", "y", "w", "h", "theta"))),
    "point": lambda v, cls, size: ("point", _ordered(v, ("x", "y"))),
    "polyline": lambda v, cls, size: ("polyline", v),
    "polygon": _polygon,
    "bitmask": _bitmask,
    "skeleton": _skeleton,
    "audio": _ranged("audio"),
    "time_range": _ranged("time_range"),
    "text": _ranged("text"),
}
"""The label-file form of each shape's canonical value, keyed by `Shape.key`. A shape not listed is written
as its canonical value under its key (right whenever the file form is the canonical form)."""


def geometry_entry(geometry: Geometry, cls: ObjectClass, size: Size) -> dict[str, Any]:
    """`{box: {...}}`, `{polygon: [...]}`, ...: one geometry, on a frame of `size` pixels, as a label file
    gives it."""
    key = geometry.shape.key
    writer = GEOMETRY_WRITERS.get(key)
    name, value = writer(geometry.value, cls, size) if writer else (key, geometry.value)
    return {name: value}


def _object(
    obj: ObjectLabel, ontology: Ontology, unit: DataUnit, label_id: str, pins: _Pins, masks: Mapping[str, str]
) -> dict[str, Any]:
    node = ontology.node(obj.feature)
    if not isinstance(node, ObjectClass):
        raise Unrepresentable(
            f"object {obj.hash}: featureHash {obj.feature} is not an object class of the ontology"
        )
    entry: dict[str, Any] = {**pins.identity(obj.hash), "class": node.name}
    if unit.frames <= 1 and len(obj.frames) == 1 and obj.frames[0][0] == 0:
        geometry = obj.frames[0][1]
        if geometry.shape.key == "bitmask" and obj.hash in masks:
            entry["bitmask"] = {"png": masks[obj.hash]}  # checked against the RLE by `round_trip_problem`
        else:
            entry.update(geometry_entry(geometry, node, unit.size(0)))
    else:
        entry["frames"] = {
            format_range(frames): geometry_entry(geometry, node, unit.size(frames[0]))
            for frames, geometry in _runs(obj.frames)
        }
    what = f"object {label_id} ({node.name})"
    answers = dict(obj.answers)
    used: set[str] = set()
    attributes = _attributes(node.attributes, answers, used, what, dynamic=False)
    _all_used(answers, used, ontology, what)
    if attributes:
        entry["attributes"] = attributes
    dynamic = _dynamic(obj, node, ontology, what)
    if dynamic:
        entry["dynamic"] = dynamic
    if obj.tags:
        entry["tags"] = list(obj.tags)
    return {**entry, **pins.protection(obj.hash)}


def _runs(frames: tuple[tuple[int, Any], ...]) -> list[tuple[FrameRange, Any]]:
    """Consecutive frames with an equal value, merged: [((4, 9), value), ...]."""
    runs: list[tuple[FrameRange, Any]] = []
    for frame, value in sorted(frames, key=lambda fv: fv[0]):
        if runs and runs[-1][0][1] == frame - 1 and runs[-1][1] == value:
            runs[-1] = ((runs[-1][0][0], frame), value)
        else:
            runs.append(((frame, frame), value))
    return runs


def _dynamic(obj: ObjectLabel, cls: ObjectClass, ontology: Ontology, what: str) -> dict[str, Any]:
    """`{attribute name: {"4-9": answer}}`: each frame's answers (nested ones under the chosen option),
    consecutive frames with the same answer merged."""
    if not obj.dynamic:
        return {}
    per_frame: dict[int, dict[str, AnswerValue]] = {}
    for answer in obj.dynamic:
        for start, end in answer.ranges:
            for frame in range(start, end + 1):
                given = per_frame.setdefault(frame, {})
                if given.setdefault(answer.attribute, answer.value) != answer.value:
                    name = ontology.display_name(answer.attribute)
                    raise Unrepresentable(f"{what}: two answers to the dynamic attribute {name} on frame {frame}")
    out: dict[str, Any] = {}
    used_on: dict[int, set[str]] = {frame: set() for frame in per_frame}
    for attribute in cls.attributes:
        if not attribute.dynamic:
            continue
        answered = [
            (frame, _answer(attribute, answers, used_on[frame], what))
            for frame, answers in sorted(per_frame.items())
            if attribute.hash in answers
        ]
        if answered:
            out[attribute.name] = {format_range(frames): value for frames, value in _runs(tuple(answered))}
    for frame, answers in per_frame.items():
        _all_used(answers, used_on[frame], ontology, f"{what} on frame {frame}")
    return out


# -- classifications ---------------------------------------------------------------------------------


def _classification(
    label: ClassificationLabel, ontology: Ontology, unit: DataUnit, label_id: str, pins: _Pins
) -> dict[str, Any]:
    node = ontology.node(label.feature)
    if not isinstance(node, ClassificationClass):
        raise Unrepresentable(f"classification {label.hash}: featureHash {label.feature} is not a classification")
    what = f"classification {label_id} ({node.name})"
    entry: dict[str, Any] = {**pins.identity(label.hash), "question": node.name}
    answers = dict(label.answers)
    if node.attribute.hash not in answers:
        raise Unrepresentable(f"{what} has no answer: a label file needs one")
    used: set[str] = set()
    entry["answer"] = _answer(node.attribute, answers, used, what)
    _all_used(answers, used, ontology, what)
    if not node.is_global and label.ranges != ((0, max(unit.frames, 1) - 1),):
        entry["frames"] = _frame_list(label.ranges)
    if label.tags:
        entry["tags"] = list(label.tags)
    return {**entry, **pins.protection(label.hash)}


# -- answers -----------------------------------------------------------------------------------------


def _attributes(
    scope: tuple[Attribute, ...], answers: Mapping[str, AnswerValue], used: set[str], what: str, *, dynamic: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attribute in scope:
        if attribute.hash not in answers or (attribute.dynamic and not dynamic):
            continue
        if attribute.name in out:
            raise Unrepresentable(
                f"{what}: two attributes are named {attribute.name!r}: a file cannot tell them apart"
            )
        out[attribute.name] = _answer(attribute, answers, used, what)
    return out


def _answer(attribute: Attribute, answers: Mapping[str, AnswerValue], used: set[str], what: str) -> Any:
    """The file form of one attribute's answer, with the nested answers under a chosen radio option."""
    value = answers[attribute.hash]
    used.add(attribute.hash)
    if attribute.kind == "radio":
        option = next((o for o in attribute.options if o.hash == value), None)
        if option is None:
            raise Unrepresentable(f"{what}: {attribute.name} answers {value!r}, not one of its options")
        if [o.label for o in attribute.options].count(option.label) > 1:
            raise Unrepresentable(f"{what}: {attribute.name} has two options labelled {option.label!r}")
        nested = _attributes(option.attributes, answers, used, what, dynamic=False)
        return {option.label: nested} if nested else option.label
    if attribute.kind == "checklist":
        chosen = set(value) if isinstance(value, tuple) else {value}
        labels = [o.label for o in attribute.options if o.hash in chosen]
        if len(labels) != len(chosen) or len(set(labels)) != len(labels):
            raise Unrepresentable(f"{what}: {attribute.name} answers options its ontology does not name apart")
        return labels
    if attribute.kind == "number":
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    return value


def _all_used(answers: Mapping[str, AnswerValue], used: set[str], ontology: Ontology, what: str) -> None:
    left = [ontology.display_name(a) for a in answers if a not in used]
    if left:
        raise Unrepresentable(f"{what}: answers to {', '.join(sorted(left))} are not under a chosen option")


def _frame_list(ranges: tuple[FrameRange, ...]) -> list[int | str]:
    return [start if start == end else format_range((start, end)) for start, end in ranges]
