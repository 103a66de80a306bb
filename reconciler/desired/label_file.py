"""One label file (already parsed YAML) -> `LabelFile`: the canonical row plus what the file said.

Pure: the caller supplies the parsed document, the ontology and the data unit (when known);
problems come back as findings with field paths, never as exceptions. Work is bounded by what the
file can mean, not by what it says: frame ranges never reach past the data unit's frames (or, when it
is not known, past `MAX_FRAMES`), and overlaps are found from ranges, not frame by frame.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from reconciler.desired.answers import AnswerParser, Answers
from reconciler.desired.frames import MAX_FRAMES, format_range, parse_frame_key
from reconciler.desired.geometry import GEOMETRY_FIELDS, GeometryParser, keys_for
from reconciler.diagnostics import FieldPath, Finding, brief, shown
from reconciler.identity import label_hash
from reconciler.model import (
    ClassificationLabel,
    DataType,
    DataUnit,
    DynamicAnswer,
    FrameRange,
    FrameTag,
    Geometry,
    LabelRow,
    ObjectLabel,
    RowKey,
    frames_to_ranges,
    normalise_ranges,
    sorted_unique,
)
from reconciler.ontology import Attribute, ClassificationClass, ObjectClass, Ontology, suggest

_PINNED_HASH = re.compile(r"[A-Za-z0-9+/=_-]{1,64}")
PINNED_HASH = _PINNED_HASH
"""What a pinned `hash:` may be."""
_BRANCH = re.compile(r"[^\x00-\x20\x7f-\x9f](?:[^\x00-\x1f\x7f-\x9f]{0,253}[^\x00-\x20\x7f-\x9f])?")
"""A branch name: 1 to 255 characters, no control characters, no space at either end."""
MAX_FRAME_ENTRIES = 5_000_000
"""Frames with geometry one file may give over all its objects. Each is a frame of the row held in memory
(5,000,000 take about a gigabyte and half a minute to check); a label row Encord serves has far fewer."""
TOP_LEVEL_KEYS = (
    "data",
    "data_hash",
    "branch",
    "prune",
    "protect",
    "tags",
    "frame_tags",
    "objects",
    "classifications",
)
OBJECT_KEYS = (
    "id",
    "was",
    "class",
    "hash",
    "protect",
    "attributes",
    "dynamic",
    "tags",
    "frames",
    *GEOMETRY_FIELDS,
)
CLASSIFICATION_KEYS = ("id", "was", "question", "answer", "frames", "tags", "hash", "protect")
_OBJECT_KEY_SET = frozenset(OBJECT_KEYS)
LABEL_LISTS = ("objects", "classifications")


class DataRef(NamedTuple):
    """How a file names its data unit, and the branch. (The loader's per-file records are named tuples, not
    dataclasses: a warm plan of 50,000 files makes several per file, and a tuple is built in C.)"""

    title: str | None
    hash: str | None
    branch: str

    def __str__(self) -> str:
        name = self.title if self.title is not None else f"data_hash {self.hash}"
        return name if self.branch == "main" else f"{name} (branch {self.branch})"


@dataclass(frozen=True)
class LabelFile:
    path: str
    ref: DataRef
    prune: bool
    row: LabelRow
    ids: dict[str, str] = field(default_factory=dict, compare=False)
    """Label hash -> the id the file gave it, for display."""
    renamed: dict[str, str] = field(default_factory=dict, compare=False)
    """Label hash -> the old id its `was:` gives (the hash derives from it): the label is renamed, not replaced."""
    protect: bool = False
    """`protect: true` at the top of the file: no label of its row is deleted."""
    protected: frozenset[str] = field(default_factory=frozenset, compare=False)
    """Hashes of the labels the file marks `protect: true`."""
    paths: dict[str, FieldPath] = field(default_factory=dict, compare=False, repr=False)
    """Label hash -> where the file declares it (`("objects", 2)`): what `lines` are found from."""
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    """Label hash -> the line declaring it (its `id:`), found by the loader for files it plans (not for
    unchanged ones): the provenance each change carries."""
    tags_line: int | None = field(default=None, compare=False, repr=False)
    """The line of the file's `tags:` (or `frame_tags:`), where it has one and its lines were found."""


@dataclass(frozen=True)
class BaseVersion:
    """What the last committed version of a label file (git, at the plan's `--base`) said of its labels: the
    ids of its hashes (a deleted label is named by them), their lines, and which were protected."""

    ids: Mapping[str, str] = field(default_factory=dict)
    lines: Mapping[str, int] = field(default_factory=dict)
    protected: frozenset[str] = frozenset()
    file_protected: bool = False


def read_ref(doc: Any, default_branch: str) -> DataRef | None:
    """The data unit and branch a document names, if it names them well enough to look up."""
    if not isinstance(doc, dict):
        return None
    title, data_hash = doc.get("data"), doc.get("data_hash")
    branch = doc.get("branch", default_branch)
    if (title is None) == (data_hash is None) or not valid_branch(branch):
        return None
    if not _name(title if title is not None else data_hash):
        return None
    return DataRef(title=title, hash=data_hash, branch=branch)


def valid_branch(branch: Any) -> bool:
    """A branch name: text of 1 to 255 characters without control characters or a space at either end."""
    return isinstance(branch, str) and _BRANCH.fullmatch(branch) is not None


def _name(value: Any) -> bool:
    """A title or a hash: text (any: Encord titles may even be blank), never a number YAML read."""
    return isinstance(value, str)


def parse_label_file(
    path: str,
    doc: Any,
    ontology: Ontology,
    data: DataUnit | None,
    *,
    default_branch: str = "main",
    default_prune: bool = True,
    base_dir: Path | None = None,
) -> tuple[LabelFile | None, list[Finding]]:
    parser = _FileParser(path, ontology, data, base_dir or Path(path).parent)
    result = parser.parse(doc, default_branch, default_prune)
    return result, parser.findings


class _FileParser:
    def __init__(self, path: str, ontology: Ontology, data: DataUnit | None, base_dir: Path) -> None:
        self.path = path
        self.ontology = ontology
        self.data = data
        self.findings: list[Finding] = []
        self.answers = AnswerParser(self.report)
        self.geometry = GeometryParser(self.report, base_dir, data)
        self.ids: dict[str, str] = {}
        self.seen_ids: dict[str, FieldPath] = {}
        self.renamed: dict[str, str] = {}
        self.seen_was: dict[str, FieldPath] = {}
        self.protected: set[str] = set()
        self.paths: dict[str, FieldPath] = {}
        self.frame_entries = 0
        self._unfit_by_class: dict[str, str] = {}
        self.classes: dict[str, ObjectClass] = {}
        for cls in ontology.objects:
            self.classes.setdefault(cls.name, cls)
        self.questions: dict[str, ClassificationClass] = {}
        for question in ontology.classifications:
            self.questions.setdefault(question.name, question)

    def report(self, path: FieldPath, message: str) -> None:
        self.findings.append(Finding(self.path, path, message))

    def parse(self, doc: Any, default_branch: str, default_prune: bool) -> LabelFile | None:
        if not isinstance(doc, dict):
            self.report((), "a label file is a mapping with `data:` (or `data_hash:`) and `objects:`")
            return None
        self._unknown_keys(doc, TOP_LEVEL_KEYS, ())
        ref = read_ref(doc, default_branch)
        if ref is None:
            self._why_no_ref(doc, default_branch)
            return None
        prune = doc.get("prune", default_prune)
        if not isinstance(prune, bool):
            self.report(("prune",), "expected true or false")
        protect = doc.get("protect", False)
        if not isinstance(protect, bool):
            self.report(("protect",), f"expected true or false, got {shown(protect)}")
        self.data_hash = self.data.hash if self.data else (ref.hash or ref.title or "")
        self.branch = ref.branch
        objects = [
            o
            for i, item in enumerate(self._list(doc, "objects"))
            if (o := self._object(item, ("objects", i))) is not None
        ]
        indexed = [
            (i, c)
            for i, item in enumerate(self._list(doc, "classifications"))
            if (c := self._classification(item, ("classifications", i))) is not None
        ]
        self._overlapping_classifications(indexed)
        classifications = [c for _, c in indexed]
        tags, frame_tags = self._data_tags(doc)
        row = LabelRow(
            key=RowKey(self.data_hash, ref.branch),
            objects=tuple(sorted(objects, key=lambda o: o.hash)),
            classifications=tuple(sorted(classifications, key=lambda c: c.hash)),
            tags=tags,
            frame_tags=frame_tags,
        )
        self._duplicate_hashes(row)
        self._was_names_another_label()
        return LabelFile(
            self.path,
            ref,
            bool(prune),
            row,
            self.ids,
            renamed=self.renamed,
            protect=protect is True,
            protected=frozenset(self.protected),
            paths=self.paths,
        )

    def _why_no_ref(self, doc: dict[str, Any], default_branch: str) -> None:
        if (doc.get("data") is None) == (doc.get("data_hash") is None):
            self.report((), "name the data unit with exactly one of `data: <title>` or `data_hash: <hash>`")
            return
        key = "data" if doc.get("data") is not None else "data_hash"
        if not _name(doc[key]):
            what = "title" if key == "data" else "hash"
            self.report((key,), f"expected the data unit's {what} as text, got {shown(doc[key])} (quote it)")
        branch = doc.get("branch", default_branch)
        if not valid_branch(branch):
            self.report(
                ("branch",),
                f"expected a branch name (text of 1 to 255 characters, no control characters, no space at"
                f" either end), got {shown(branch)}",
            )

    # -- pieces ---------------------------------------------------------------------------------

    def _unknown_keys(self, item: dict[str, Any], known: tuple[str, ...], path: FieldPath) -> None:
        for key in item:
            if key not in known:
                self.report((*path, str(key)), f'unknown key "{brief(key)}"{suggest(brief(key), known)}')

    def _list(self, doc: dict[str, Any], key: str) -> list[Any]:
        value = doc.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.report((key,), f"expected a list of {key} (`{key}: []` for none), got {shown(value)}")
            return []
        return value

    def _identity(self, item: dict[str, Any], path: FieldPath) -> str | None:
        label_id = item.get("id")
        if label_id.__class__ is not str or not label_id:  # the usual id, text, is taken as it is
            if not isinstance(label_id, (str, int)) or isinstance(label_id, bool) or str(label_id) == "":
                self.report((*path, "id"), "every label needs an `id`, unique in its file and stable over time")
                return None
            label_id = str(label_id)
        if label_id in self.seen_ids:
            first = self.seen_ids[label_id]
            self.report((*path, "id"), f'duplicate id "{label_id}" (first used at {first[0]}[{first[1]}])')
            return None
        self.seen_ids[label_id] = path
        old_id = self._was(item, label_id, path) if "was" in item else None
        protect = item.get("protect", False)
        if not isinstance(protect, bool):
            self.report((*path, "protect"), f"expected true or false, got {shown(protect)}")
        pinned = item.get("hash")
        if pinned is not None:
            if not (isinstance(pinned, str) and _PINNED_HASH.fullmatch(pinned)):
                self.report(
                    (*path, "hash"), "a pinned hash is 1 to 64 letters, digits or + / = - _ (as Encord's are)"
                )
                return None
            hash_ = pinned
        else:
            hash_ = label_hash(self.data_hash, self.branch, old_id or label_id)
        self.ids[hash_] = label_id
        self.paths[hash_] = path
        if old_id is not None:
            self.renamed[hash_] = old_id
        if protect is True:
            self.protected.add(hash_)
        return hash_

    def _was(self, item: dict[str, Any], label_id: str, path: FieldPath) -> str | None:
        """The old id `was:` gives (its hash is kept), checked; None without one (or when it is a finding)."""
        if "was" not in item:
            return None
        old = item["was"]
        if not isinstance(old, (str, int)) or isinstance(old, bool) or str(old) == "":
            self.report((*path, "was"), f"expected the label's old id (text), got {shown(old)}")
            return None
        old = str(old)
        if "hash" in item:
            self.report(
                (*path, "was"),
                "give either `was:` (the hash derives from the old id) or a pinned `hash:`, not both",
            )
            return None
        if old == label_id:
            self.report((*path, "was"), f"`was: {brief(old)}` is the label's own id: remove `was:`")
            return None
        if old in self.seen_was:
            first = self.seen_was[old]
            self.report((*path, "was"), f'two labels were "{brief(old)}" (also {first[0]}[{first[1]}])')
            return None
        self.seen_was[old] = path
        return old

    def _was_names_another_label(self) -> None:
        for old, path in self.seen_was.items():
            other = self.seen_ids.get(old)
            if other is not None:
                self.report(
                    (*path, "was"),
                    f'"{brief(old)}" is the id of another label ({other[0]}[{other[1]}]): a `was:` names an id'
                    " no label of the file has any more",
                )

    def _frame(self, key: Any, path: FieldPath) -> FrameRange | None:
        frame_range = parse_frame_key(key)
        if frame_range is None:
            self.report(path, f'"{brief(key)}" is not a frame or a range of frames like "4-9"')
            return None
        if self.data is None and frame_range[1] >= MAX_FRAMES:
            self.report(
                path,
                f"frame {format_range(frame_range)} is beyond the {MAX_FRAMES:,} frames labelsync checks a file"
                " against when it does not know the data unit (0 to"
                f" {MAX_FRAMES - 1:,})",
            )
            return None
        if self.data is not None and frame_range[1] >= self.data.frames:
            self.report(
                path,
                f"frame {format_range(frame_range)} is beyond {self.data.title}, "
                f"which has {self.data.frames} frame{'s' if self.data.frames != 1 else ''} (0 to {self.data.frames - 1})",
            )
            return None
        return frame_range

    def _ranges(self, value: Any, path: FieldPath, owner: str) -> tuple[FrameRange, ...] | None:
        if value == []:
            self.report(
                path, f'an empty list of frames: give at least one frame or range like "4-9", or remove {owner}'
            )
            return None
        items = value if isinstance(value, list) else [value]
        ranges = [self._frame(v, (*path, i) if isinstance(value, list) else path) for i, v in enumerate(items)]
        if any(r is None for r in ranges):
            return None
        return normalise_ranges(r for r in ranges if r is not None)

    def _object(self, item: Any, path: FieldPath) -> ObjectLabel | None:
        if not isinstance(item, dict):
            self.report(path, "expected an object: a mapping with id, class and a geometry")
            return None
        if not item.keys() <= _OBJECT_KEY_SET:
            self._unknown_keys(item, OBJECT_KEYS, path)
        hash_ = self._identity(item, path)
        cls_name = item.get("class")
        cls = self.classes.get(str(cls_name)) if _scalar_name(cls_name) else None
        if cls is None:
            names = [o.name for o in self.ontology.objects]
            self.report(
                (*path, "class"),
                f'no object class "{brief(cls_name)}" in the ontology{suggest(brief(cls_name), names)}',
            )
            return None
        unfit = self._unfit(cls)
        if unfit:
            self.report((*path, "class"), unfit)
            return None
        frames = self._object_frames(cls, item, path)
        answers = self.answers.attributes(cls.attributes, item.get("attributes"), (*path, "attributes"), cls.name)
        given_dynamic = item.get("dynamic")
        dynamic: tuple[DynamicAnswer, ...] = ()
        if given_dynamic is not None:
            covered = frames_to_ranges(f for f, _ in frames or ())
            dynamic = self._dynamic(cls.attributes, given_dynamic, covered, path, cls.name)
        if hash_ is None or frames is None:
            return None
        return ObjectLabel(
            hash=hash_,
            feature=cls.hash,
            frames=frames,
            answers=_sorted_answers(answers),
            dynamic=dynamic,
            tags=self._tags(item.get("tags"), (*path, "tags")),
        )

    def _unfit(self, cls: ObjectClass) -> str:
        """Why objects of `cls` cannot be declared in this file ("" when they can), worked out once a class."""
        why = self._unfit_by_class.get(cls.name)
        if why is not None:
            return why
        why = ""
        if not cls.shape.declarable:
            why = (
                f"{cls.name} is a {cls.shape.value} class: labelsync cannot declare {cls.shape.value} labels yet"
                " (those on the remote are kept as they are); remove this object from the file"
            )
        elif self.data is not None and self.data.type.declarable and not self.data.type.takes(cls.shape):
            why = _misfit(cls, self.data.type)
        self._unfit_by_class[cls.name] = why
        return why

    def _object_frames(
        self, cls: ObjectClass, item: dict[str, Any], path: FieldPath
    ) -> tuple[tuple[int, Geometry], ...] | None:
        keys = [k for k in GEOMETRY_FIELDS if k in item]
        if "frames" in item and cls.shape.ranged:
            self.report(
                (*path, "frames"),
                f"{cls.name} objects are ranges of the whole file, not shapes on frames: give `{cls.shape.key}:`"
                " directly",
            )
            return None
        if "frames" in item:
            if keys:
                self.report(
                    (*path, keys[0]),
                    "give the geometry either directly (images) or under `frames:`, not both",
                )
                return None
            return self._frames_map(cls, item["frames"], (*path, "frames"))
        if len(keys) != 1:
            self.report(path, f"give exactly one geometry for {cls.name}: {' or '.join(_keys(cls))}")
            return None
        if self.data is not None and self.data.frames > 1:
            self.report(
                (*path, keys[0]),
                f"{self.data.title} has {self.data.frames} frames: give the geometry under `frames:`",
            )
            return None
        geometry = self.geometry.parse(cls, keys[0], item[keys[0]], (*path, keys[0]))
        return None if geometry is None else ((0, geometry),)

    def _frames_map(
        self, cls: ObjectClass, value: Any, path: FieldPath
    ) -> tuple[tuple[int, Geometry], ...] | None:
        if not isinstance(value, dict) or not value:
            self.report(path, 'expected a mapping of frame (or range "4-9") to a geometry')
            return None
        given: list[tuple[FrameRange, str, Geometry]] = []
        ok = True
        for key, shape in value.items():
            frame_range = self._frame(key, (*path, str(key)))
            if not isinstance(shape, dict) or len(shape) != 1:
                self.report((*path, str(key)), f"expected one geometry, like {{{_keys(cls)[0]}: ...}}")
                ok = False
                continue
            ((geo_key, geo_value),) = shape.items()
            geometry = self.geometry.parse(
                cls, str(geo_key), geo_value, (*path, str(key), str(geo_key)), frame_range
            )
            if frame_range is None or geometry is None:
                ok = False
                continue
            given.append((frame_range, str(key), geometry))
        ok = self._no_frame_twice(given, path) and ok
        if not ok:
            return None
        count = sum(end - start + 1 for (start, end), _, _ in given)
        self.frame_entries += count
        if self.frame_entries > MAX_FRAME_ENTRIES:
            self.report(
                path,
                f"this file gives geometry on more than {MAX_FRAME_ENTRIES:,} frames over all its objects: more"
                " than labelsync holds for one label row",
            )
            return None
        return tuple(
            (frame, geometry)
            for (start, end), _, geometry in sorted(given, key=lambda g: g[0])
            for frame in range(start, end + 1)
        )

    def _no_frame_twice(self, given: list[tuple[FrameRange, str, Geometry]], path: FieldPath) -> bool:
        """Whether no frame is in two of the ranges; each range that repeats a frame is reported once."""
        ok = True
        reach: tuple[int, str] | None = None
        for (start, end), key, _ in sorted(given, key=lambda g: g[0]):
            if reach is not None and start <= reach[0]:
                self.report((*path, key), f'frame {start} is given twice (also by "{reach[1]}")')
                ok = False
            if reach is None or end > reach[0]:
                reach = (end, key)
        return ok

    def _dynamic(
        self,
        scope: tuple[Attribute, ...],
        value: Any,
        frames: tuple[FrameRange, ...],
        path: FieldPath,
        owner: str,
    ) -> tuple[DynamicAnswer, ...]:
        if value is None:
            return ()
        if not isinstance(value, dict):
            self.report((*path, "dynamic"), "expected a mapping of attribute name to {frames: answer}")
            return ()
        merged: dict[tuple[str, Any], list[FrameRange]] = {}
        for name, per_frame in value.items():
            apath: FieldPath = (*path, "dynamic", str(name))
            attribute = next((a for a in scope if a.name == str(name)), None)
            if attribute is None or not attribute.dynamic:
                dynamic_names = [a.name for a in scope if a.dynamic]
                why = "is not a dynamic attribute" if attribute else "is not an attribute"
                self.report(apath, f'"{name}" {why} of {owner}{suggest(str(name), dynamic_names)}')
                continue
            if not isinstance(per_frame, dict) or not per_frame:
                self.report(apath, 'expected a mapping of frame (or range "4-9") to an answer')
                continue
            for key, answer in per_frame.items():
                frame_range = self._frame(key, (*apath, str(key)))
                parsed = self.answers.answer(attribute, answer, (*apath, str(key)))
                if frame_range is None or not parsed:
                    continue
                missing = _first_missing(frame_range, frames)
                if missing is not None:
                    self.report(
                        (*apath, str(key)),
                        f"{owner} has no geometry on frame {missing}: a dynamic answer needs one",
                    )
                    continue
                for attr_hash, answer_value in parsed:
                    merged.setdefault((attr_hash, answer_value), []).append(frame_range)
        return tuple(
            sorted(
                (DynamicAnswer(attr, val, normalise_ranges(r)) for (attr, val), r in merged.items()),
                key=lambda d: (d.attribute, d.ranges),
            )
        )

    def _classification(self, item: Any, path: FieldPath) -> ClassificationLabel | None:
        if not isinstance(item, dict):
            self.report(path, "expected a classification: a mapping with id, question and answer")
            return None
        self._unknown_keys(item, CLASSIFICATION_KEYS, path)
        hash_ = self._identity(item, path)
        question = item.get("question")
        cls = self.questions.get(str(question)) if _scalar_name(question) else None
        if cls is None:
            names = [c.name for c in self.ontology.classifications]
            self.report(
                (*path, "question"),
                f'no classification "{brief(question)}" in the ontology{suggest(brief(question), names)}',
            )
            return None
        if "answer" not in item:
            self.report(path, f'"{cls.name}" needs an `answer`')
            return None
        answers = self.answers.answer(cls.attribute, item["answer"], (*path, "answer"))
        ranges: tuple[FrameRange, ...] | None
        if cls.is_global:
            ranges = ()
            if "frames" in item:
                self.report((*path, "frames"), f'"{cls.name}" is a global classification: it has no frames')
                ranges = None
        elif "frames" in item:
            ranges = self._ranges(
                item["frames"], (*path, "frames"), "`frames:` (every frame) or the classification"
            )
        else:
            ranges = ((0, (self.data.frames if self.data else 1) - 1),)
        if hash_ is None or not answers or ranges is None:
            return None
        return ClassificationLabel(
            hash=hash_,
            feature=cls.hash,
            answers=_sorted_answers(answers),
            ranges=ranges,
            tags=self._tags(item.get("tags"), (*path, "tags")),
        )

    def _overlapping_classifications(self, labels: list[tuple[int, ClassificationLabel]]) -> None:
        """A question answered twice on a frame: reported on the later classification, at the first frame
        it shares with another. Found by sorting ranges, so long ranges and many labels cost no more."""
        by_feature: dict[str, list[tuple[FrameRange, int, ClassificationLabel]]] = {}
        for index, label in labels:
            for frame_range in label.ranges:
                by_feature.setdefault(label.feature, []).append((frame_range, index, label))
        reported: set[int] = set()
        for spans in by_feature.values():
            reach: tuple[int, int, ClassificationLabel] | None = None
            for (start, end), index, label in sorted(spans, key=lambda s: (s[0], s[1])):
                if reach is not None and start <= reach[0] and reach[1] != index:
                    later, other = (index, reach[2]) if index > reach[1] else (reach[1], label)
                    if later not in reported:
                        reported.add(later)
                        self.report(
                            ("classifications", later, "frames"),
                            f'"{self.ontology.display_name(label.feature)}" is answered twice on frame {start} '
                            f'(also by "{self.ids.get(other.hash, other.hash)}")',
                        )
                if reach is None or end > reach[0]:
                    reach = (end, index, label)

    def _duplicate_hashes(self, row: LabelRow) -> None:
        counts = Counter(label.hash for label in row.labels)
        for duplicate in sorted(h for h, n in counts.items() if n > 1):
            self.report((), f"two labels share the hash {duplicate}: pin distinct `hash:` values")

    def _tags(self, value: Any, path: FieldPath) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
            self.report(path, f"expected a list of tag names, got {shown(value)}")
            return ()
        return sorted_unique(value)

    def _data_tags(self, doc: dict[str, Any]) -> tuple[tuple[str, ...], tuple[FrameTag, ...]]:
        """Whole-unit tags and frame tags, canonical: a frame tag on every frame is a whole-unit tag."""
        tags = set(self._tags(doc.get("tags"), ("tags",)))
        every = ((0, self.data.frames - 1),) if self.data else None
        frame_tags = []
        for tag in self._frame_tags(doc.get("frame_tags")):
            if tag.ranges == every:
                tags.add(tag.name)
            elif tag.name not in tags:
                frame_tags.append(tag)
        return tuple(sorted(tags)), tuple(t for t in frame_tags if t.name not in tags)

    def _frame_tags(self, value: Any) -> tuple[FrameTag, ...]:
        if value is None:
            return ()
        if not isinstance(value, dict):
            self.report(("frame_tags",), 'expected a mapping of tag name to frames, like {blurry: ["10-19", 42]}')
            return ()
        tags = []
        for name, frames in value.items():
            if not isinstance(name, str) or not name:
                self.report(("frame_tags", str(name)), f"expected a tag name (text), got {shown(name)}")
                continue
            ranges = self._ranges(frames, ("frame_tags", name), "the tag")
            if ranges is not None:
                tags.append(FrameTag(name, ranges))
        return tuple(sorted(tags, key=lambda t: t.name))


def _scalar_name(value: Any) -> bool:
    """A name as YAML may read it: text, or a whole number (a class named 3)."""
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _sorted_answers(answers: Answers) -> tuple[tuple[str, Any], ...]:
    if len(answers) < 2:
        return tuple(answers)
    return tuple(sorted(dict(answers).items()))


def _misfit(cls: ObjectClass, kind: DataType) -> str:
    ranged = kind.ranged_shape
    if ranged is not None:
        return (
            f"{cls.name} has shape {cls.shape.value}, but objects on a {kind.value} row are ranges of the file:"
            f" use a class of shape {ranged.value}"
        )
    home = next(t.value for t in DataType if t.ranged_shape is cls.shape)
    return f"{cls.name} has shape {cls.shape.value}: its objects go on {home} rows, not on {kind.value} rows"


def _keys(cls: ObjectClass) -> list[str]:
    return [f"`{k}`" for k in keys_for(cls.shape)]


def _first_missing(frame_range: FrameRange, covered: tuple[FrameRange, ...]) -> int | None:
    """The first frame of `frame_range` outside `covered` (sorted, merged ranges), or None."""
    start, end = frame_range
    index = bisect.bisect_right(covered, start, key=lambda r: r[0]) - 1
    if index < 0 or covered[index][1] < start:
        return start
    return None if covered[index][1] >= end else covered[index][1] + 1
