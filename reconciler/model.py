"""The canonical model: what a label row holds, free of order, timestamps and display names.

Both sides of a diff are expressed in these types: the desired state loaded from YAML and the
remote state read from a project. Identity is by hash (objectHash, classificationHash,
featureNodeHash), never by display name, so renaming a class in the ontology is not a label change.
Every collection is a tuple sorted by a stable key, so two equal rows compare equal and
serialise to the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, NamedTuple

FrameRange = tuple[int, int]
"""An inclusive range of frame numbers, (start, end)."""

AnswerValue = str | float | tuple[str, ...]
"""A radio answer is an option hash, a checklist answer a sorted tuple of option hashes,
a text answer a string and a number answer a float. The attribute's kind says which."""


class Shape(str, Enum):
    """Every ontology object shape Encord knows (the SDK's 15), valued as Encord's ontology names them.

    Labels of a shape in `DECLARABLE_SHAPES` are modelled; the others load and are carried over
    verbatim by every write (see `LabelRow.carried`).
    """

    BOX = "bounding_box"
    ROTATED_BOX = "rotatable_bounding_box"
    POLYGON = "polygon"
    POLYLINE = "polyline"
    POINT = "point"
    BITMASK = "bitmask"
    SKELETON = "skeleton"
    CIRCLE = "circle"
    ELLIPSE = "ellipse"
    CUBOID_2D = "cuboid_2d"
    CUBOID = "cuboid"
    SEGMENTATION = "segmentation"
    AUDIO = "audio"
    TIME_RANGE = "time_range"
    TEXT = "text"
    UNKNOWN = "unknown"
    """A shape newer than this version of labelsync: loads, never declarable."""

    @property
    def key(self) -> str:
        """The geometry key in label files and in the canonical dict form."""
        return GEOMETRY_KEYS[self]

    @property
    def declarable(self) -> bool:
        return self in GEOMETRY_KEYS

    @property
    def ranged(self) -> bool:
        """A range of the whole file (milliseconds of audio, characters of text, a time series' span), not a
        shape on a frame: such objects live in the row's `object_answers` with their `range`."""
        return self in (Shape.AUDIO, Shape.TIME_RANGE, Shape.TEXT)


GEOMETRY_KEYS: dict[Shape, str] = {
    Shape.BOX: "box",
    Shape.ROTATED_BOX: "rotated_box",
    Shape.POLYGON: "polygon",
    Shape.POLYLINE: "polyline",
    Shape.POINT: "point",
    Shape.BITMASK: "bitmask",
    Shape.SKELETON: "skeleton",
    Shape.CIRCLE: "circle",
    Shape.ELLIPSE: "ellipse",
    Shape.CUBOID_2D: "cuboid_2d",
    Shape.AUDIO: "audio",
    Shape.TIME_RANGE: "time_range",
    Shape.TEXT: "text",
}
"""The shapes label files can declare, by their geometry key."""
SHAPE_BY_KEY: dict[str, Shape] = {key: shape for shape, key in GEOMETRY_KEYS.items()}


@dataclass(frozen=True, slots=True)
class Geometry:
    """One shape on one frame, in Encord's normalised coordinates.

    `value` is plain JSON data in canonical form, by shape:
    box `{x, y, w, h}`; rotated box `{x, y, w, h, theta}`; point `{x, y}`;
    polyline `[[x, y], ...]`; polygon `[[[[x, y], ...], ...], ...]` (polygons, each a list of
    rings, the first ring the outline and the others holes); bitmask
    `{top, left, width, height, rle}`; skeleton `{point name: {x, y}}`, with `visibility`
    (invisible, occluded, self_occluded) on a point that is not plainly visible; circle
    `{x, y, r, stretch, theta}`; ellipse `{x, y, rx, ry, theta}`; cuboid_2d
    `{front: [[x, y] x4], vanishing_point: {x, y}, scale_ratio}` (perspective) or
    `{front: [[x, y] x4], offset: {x, y}}` (isometric); audio, time_range and text (ranged shapes, always on
    frame 0) `[[start, end], ...]`, inclusive and sorted, and a text range of an HTML document
    `[{start: {xpath, offset}, end: {xpath, offset}}, ...]`.
    It is never mutated after construction.
    """

    shape: Shape
    value: Any


@dataclass(frozen=True, slots=True)
class DynamicAnswer:
    """An object attribute answer that holds on some frames only."""

    attribute: str
    value: AnswerValue
    ranges: tuple[FrameRange, ...]


@dataclass(frozen=True, slots=True)
class ObjectLabel:
    """One object instance: a single shape on an image, or a track across frames of a video."""

    hash: str
    feature: str
    frames: tuple[tuple[int, Geometry], ...]
    answers: tuple[tuple[str, AnswerValue], ...] = ()
    dynamic: tuple[DynamicAnswer, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ClassificationLabel:
    """One classification instance: a question's answer on an image or on frame ranges.

    A global classification (the ontology's level "global": about the whole row) has no ranges.
    """

    hash: str
    feature: str
    answers: tuple[tuple[str, AnswerValue], ...]
    ranges: tuple[FrameRange, ...] = ((0, 0),)
    tags: tuple[str, ...] = ()


Label = ObjectLabel | ClassificationLabel


class RowKey(NamedTuple):
    """A label row is one data unit on one branch. A named tuple, not a dataclass: every plan builds and
    hashes several per row, and a tuple hashes in C (a warm plan of 50,000 rows spent 0.15 s in the
    dataclass's `__hash__` and `__init__`)."""

    data_hash: str
    branch: str = "main"

    def __str__(self) -> str:
        return self.data_hash if self.branch == "main" else f"{self.data_hash}@{self.branch}"


@dataclass(frozen=True, slots=True)
class FrameTag:
    """A data-scope tag on some frames of a multi-frame data unit."""

    name: str
    ranges: tuple[FrameRange, ...]


@dataclass(frozen=True, slots=True)
class LabelRow:
    """Everything labelsync manages on one label row: labels and data-scope tags.

    `carried` counts the labels on the remote row that labelsync cannot declare (shapes or data types
    it does not model yet, entries without a class): writes keep them as they are. It is not content:
    fingerprints and diffs ignore it.
    """

    key: RowKey
    objects: tuple[ObjectLabel, ...] = ()
    classifications: tuple[ClassificationLabel, ...] = ()
    tags: tuple[str, ...] = ()
    frame_tags: tuple[FrameTag, ...] = ()
    carried: int = field(default=0, compare=False)

    @property
    def labels(self) -> tuple[Label, ...]:
        return (*self.objects, *self.classifications)


class DataType(str, Enum):
    """Every data type an Encord label row may hold. Only `declarable` ones take label files."""

    IMAGE = "image"
    VIDEO = "video"
    IMAGE_GROUP = "img_group"
    DICOM = "dicom"
    NIFTI = "nifti"
    AUDIO = "audio"
    PLAIN_TEXT = "plain_text"
    PDF = "pdf"
    TIME_SERIES = "time_series"
    GROUP = "group"
    SCENE = "scene"
    UNKNOWN = "unknown"
    """A data type newer than this version of labelsync: its rows load and are carried, never written."""

    @property
    def declarable(self) -> bool:
        return self in _DECLARABLE_TYPES

    @property
    def framed(self) -> bool:
        """Labels live in one data unit's `labels`, keyed by frame (video, DICOM and NIfTI slices)."""
        return self in (DataType.VIDEO, DataType.DICOM, DataType.NIFTI)

    @property
    def ranged_shape(self) -> Shape | None:
        """The one shape a file of this type takes when its objects are ranges of the whole file (audio,
        plain text, time series); None for frame-based types, whose objects are geometric shapes."""
        return _RANGED_SHAPES.get(self)

    def takes(self, shape: Shape) -> bool:
        """Whether objects of this shape can be declared on rows of this type."""
        ranged = self.ranged_shape
        return shape is ranged if ranged is not None else shape.declarable and not shape.ranged


_DECLARABLE_TYPES = frozenset(
    {
        DataType.IMAGE,
        DataType.VIDEO,
        DataType.IMAGE_GROUP,
        DataType.DICOM,
        DataType.NIFTI,
        DataType.AUDIO,
        DataType.PLAIN_TEXT,
        DataType.TIME_SERIES,
    }
)
_RANGED_SHAPES = {
    DataType.AUDIO: Shape.AUDIO,
    DataType.PLAIN_TEXT: Shape.TEXT,
    DataType.TIME_SERIES: Shape.TIME_RANGE,
}


class DataUnit(NamedTuple):
    """A data unit as a project lists it: what labels may be attached to.

    A named tuple, not a dataclass: every listing makes one per data unit (50,000 in 0.12 s as a frozen
    dataclass, a third of that as a tuple). Change one with `_replace`."""

    hash: str
    title: str
    type: DataType
    frames: int = 1
    width: int = 0
    height: int = 0
    fps: float = 0.0
    sizes: tuple[tuple[int, int], ...] = ()
    """(width, height) of each image of an image group, by frame; empty where every frame is width x height."""
    file_type: str = ""
    """The MIME type of its file (`text/html`, `audio/mpeg`, ...), "" where the remote does not say."""
    media: str = ""
    """A local path or an http(s) URL of the file, where the remote says; "" otherwise."""

    @property
    def html(self) -> bool | None:
        """Whether it is an HTML document, whose text ranges are xpaths; None where not known."""
        return self.file_type == "text/html" if self.file_type else None

    def size(self, frame: int = 0) -> tuple[int, int]:
        """The (width, height) in pixels of one frame; (0, 0) when the remote does not say."""
        return self.sizes[frame] if 0 <= frame < len(self.sizes) else (self.width, self.height)


class RowListing(NamedTuple):
    """What a remote says of a label row before fetching it (a named tuple, as `DataUnit` is).

    `fingerprint` is the row's content fingerprint when the remote can tell it cheaply (the local
    project stores it); when it is None the row must be fetched to be compared.
    """

    key: RowKey
    data: DataUnit
    label_hash: str | None = None
    fingerprint: str | None = None


def sorted_unique(values: Any) -> tuple[str, ...]:
    return tuple(sorted(set(values)))


def normalise_ranges(ranges: Any) -> tuple[FrameRange, ...]:
    """Merge overlapping and adjacent inclusive ranges into a sorted, minimal tuple."""
    merged: list[list[int]] = []
    for start, end in sorted((int(s), int(e)) for s, e in ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


def frames_to_ranges(frames: Any) -> tuple[FrameRange, ...]:
    return normalise_ranges((f, f) for f in frames)


def with_tags(
    row: LabelRow,
    tags: Iterable[str] = (),
    frame_tags: Iterable[FrameTag] = (),
    label_tags: Mapping[str, Iterable[str]] | None = None,
) -> LabelRow:
    """`row`'s labels with these tags (by label hash for label tags), in canonical order.

    Remotes keep tags apart from labels; this puts them back together (or, with no tags, strips them).
    """
    by_label = label_tags or {}
    return LabelRow(
        key=row.key,
        objects=tuple(replace(o, tags=sorted_unique(by_label.get(o.hash, ()))) for o in row.objects),
        classifications=tuple(
            replace(c, tags=sorted_unique(by_label.get(c.hash, ()))) for c in row.classifications
        ),
        tags=sorted_unique(tags),
        frame_tags=tuple(sorted(frame_tags, key=lambda t: t.name)),
        carried=row.carried,
    )


def is_html_value(value: Any) -> bool:
    """Whether a text object's value is ranges of an HTML document (else of plain characters)."""
    return bool(value) and isinstance(value[0], dict)


def canonical_ranges(pairs: Any) -> list[list[int]]:
    """Sorted, duplicate-free [start, end] pairs; raises ValueError/TypeError for anything else."""
    out = set()
    for start, end in pairs:
        if (
            isinstance(start, bool)
            or isinstance(end, bool)
            or not (isinstance(start, int) and isinstance(end, int))
        ):
            raise TypeError(f"a range is two whole numbers, got {start!r}, {end!r}")
        if not 0 <= start <= end:
            raise ValueError(f"a range runs from a start to an end at or after it, got {start}-{end}")
        out.add((start, end))
    if not out:
        raise ValueError("no ranges")
    return [[s, e] for s, e in sorted(out)]


def canonical_html(nodes: Any) -> list[dict[str, Any]]:
    """HTML text ranges, each {start: {xpath, offset}, end: {xpath, offset}}, in one order."""
    out = []
    for node in nodes:
        out.append({side: _html_point(node[side]) for side in ("start", "end")})
    if not out:
        raise ValueError("no ranges")
    return sorted(out, key=lambda n: json.dumps(n, sort_keys=True))


def _html_point(point: Any) -> dict[str, Any]:
    xpath, offset = point["xpath"], point["offset"]
    if not isinstance(xpath, str) or not xpath or isinstance(offset, bool) or not isinstance(offset, int):
        raise TypeError(f"an HTML range end is {{xpath: text, offset: whole number}}, got {point!r}")
    if offset < 0:
        raise ValueError(f"an HTML offset is 0 or more, got {offset}")
    return {"xpath": xpath, "offset": offset}
