"""A corpus of label rows built by the official Encord SDK itself, fully offline.

Nothing here is a hand-written label dict: the ontology is built with `OntologyStructure`'s own API
(`add_object`, `add_attribute`, `add_option`, `add_nested_attribute`, `add_skeleton_object`,
`add_classification(level=GLOBAL)`) and every row is an SDK `LabelRowV2` initialised offline from the
"no labels yet" row dict the server hands out (the approach of `encord_fixtures.sdk_label_row`), then
labelled with `ObjectInstance.set_for_frames` / `set_answer`, `ClassificationInstance`, and the
spaces' `put_object_instance` for data groups and scenes, and written with `to_encord_dict()`.

Public API:

- `corpus_ontology()`: the ontology editor dict (`OntologyStructure.to_dict()`); `F` names its hashes.
- `corpus_rows()`: a `CorpusRow` per row; `sdk_label_row_for(row)` a fresh offline SDK row to parse it into.
- `with_annotator_fields(row)`: a copy with what real annotators' rows carry and the SDK does not set.
- `REFUSED`: (data type, shape, the SDK's message) for every combination the SDK does not allow,
  filled when this module is imported (building the corpus is what finds them).
- `corpus_table()` / `shape_counts()`: objects per data type and shape, as text / as counters.
- `MEDIA` (the data unit of each data type), `GROUP_SPACES` / `SCENE_SPACES` (space ids), `clone`.

Rows are `to_encord_dict()` passed through JSON, as `save()` sends them (tuples become lists, the
SDK's string enums plain strings). Times are fixed (`EPOCH`, `EDITED`), so rows are reproducible.

Where a shape is refused, the message is what the SDK raised, prefixed with the step that raised it:
`add` (placing the object: `set_for_frames`, `add_object_instance`, `put_object_instance`),
`serialise` (`to_encord_dict`) or `parse` (`from_labels_dict` of that dict on a fresh row).
Shapes with no coordinates class of their own (segmentation outside a point cloud) are offered
`BitmaskCoordinates`, the closest thing; range shapes on frame-based data are offered their own range
coordinates; the SDK's answer is what is recorded. Not a refusal but worth knowing: a data group's image
child (`ImageSpace.put_object_instance`) checks no coordinates type, so it takes a mask for a
segmentation class and writes it as `shape: "bitmask"`; the corpus leaves that out.

Data types: every `DataType` but `dicom_study` is built. `dicom_study` cannot be built offline: the
SDK 0.1.211 has no branch for it in `LabelRowV2._parse_label_row_dict` (its locals are never bound, so
`from_labels_dict` raises `UnboundLocalError`) nor in `_to_encord_data_unit`; it is recorded in
`REFUSED` with shape `*`. `MISSING_DATA_TYPE` is the SDK's placeholder for unknown types, not data.
"""

from __future__ import annotations

import copy
import datetime
import functools
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from encord.constants.enums import DataType, SpaceType
from encord.objects.attributes import (
    Attribute,
    ChecklistAttribute,
    NumericAttribute,
    RadioAttribute,
    TextAttribute,
)
from encord.objects.bitmask import BitmaskCoordinates
from encord.objects.classification import Classification, OntologyClassificationLevel
from encord.objects.classification_instance import ClassificationInstance
from encord.objects.common import Shape
from encord.objects.coordinates import (
    AudioCoordinates,
    BoundingBoxCoordinates,
    CircleCoordinates,
    Coordinates,
    Cuboid2DIsometricCoordinates,
    Cuboid2DPerspectiveCoordinates,
    CuboidCoordinates,
    EllipseCoordinates,
    HtmlCoordinates,
    PointCoordinate,
    PolygonCoordinates,
    PolylineCoordinates,
    RotatableBoundingBoxCoordinates,
    SkeletonCoordinate,
    SkeletonCoordinates,
    TextCoordinates,
    TimeRangeCoordinates,
    Visibility,
)
from encord.objects.frames import Range
from encord.objects.html_node import HtmlNode, HtmlRange
from encord.objects.ontology_labels_impl import LabelRowV2
from encord.objects.ontology_object import Object
from encord.objects.ontology_object_instance import ObjectInstance
from encord.objects.ontology_structure import OntologyStructure
from encord.objects.options import Option
from encord.objects.skeleton_template import SkeletonTemplate
from encord.ontology import Ontology as SdkOntology
from encord.orm.label_row import LabelRowMetadata
from encord.orm.skeleton_template import SkeletonTemplateCoordinate
from encord_fixtures import sdk_ontology

# -- the ontology --------------------------------------------------------------------------------------

SHAPES: tuple[str, ...] = tuple(shape.value for shape in Shape)
"""The SDK's 15 shapes, in `Shape` order."""

CODES: dict[str, str] = {
    "bounding_box": "bbx",
    "polygon": "pgn",
    "point": "pnt",
    "skeleton": "skl",
    "polyline": "pln",
    "rotatable_bounding_box": "rbb",
    "bitmask": "bmk",
    "audio": "aud",
    "time_range": "tim",
    "text": "txt",
    "cuboid": "cub",
    "cuboid_2d": "c2d",
    "circle": "cir",
    "ellipse": "ell",
    "segmentation": "seg",
}
"""A three-letter code per shape: the prefix of its object class's featureNodeHashes."""

OBJECT_NAMES: dict[str, str] = {
    "bounding_box": "Pedestrian",
    "polygon": "Lake",
    "point": "Keypoint",
    "skeleton": "Hand",
    "polyline": "Lane",
    "rotatable_bounding_box": "Car",
    "bitmask": "Sky",
    "audio": "Speech",
    "time_range": "Anomaly",
    "text": "Entity",
    "cuboid": "Vehicle 3D",
    "cuboid_2d": "Parcel",
    "circle": "Wheel",
    "ellipse": "Pupil",
    "segmentation": "Ground",
}

NON_GEOMETRIC: frozenset[str] = frozenset({"audio", "time_range", "text"})
FRAME_SHAPES: frozenset[str] = frozenset(SHAPES) - NON_GEOMETRIC - {"segmentation"}
"""Shapes drawn on frames: the video-capable ones, which get the dynamic attributes."""

SKELETON_POINTS: tuple[tuple[str, Visibility], ...] = (
    ("wrist", Visibility.VISIBLE),
    ("thumb", Visibility.OCCLUDED),
    ("index", Visibility.INVISIBLE),
    ("pinky", Visibility.SELF_OCCLUDED),
)
"""The skeleton template's points, each drawn with a different `Visibility`."""


class F:
    """featureNodeHashes of `corpus_ontology()`, all 8 letters or digits like Encord's.

    Every object class has the same attribute tree; `F.attr(shape, role)` names a node of it:
    `Quali` (radio) with options `QGood` (nested radio `Grade`: `GradA`, `GradB`) and `QPoor` (nested
    text `WhyPr`); `Tagsx` (checklist: `TgRed`, `TgBlu`, `TgShn`); `Notes` (text); `Count` (numeric);
    `Links` (text, "Linked to #relation"); and on `FRAME_SHAPES` only, the dynamic `State` (radio:
    `StMov`, `StStl`) and `Visib` (checklist: `VsOcc`, `VsTrn`).
    """

    STATIC_ROLES: ClassVar[tuple[str, ...]] = (
        *("Quali", "QGood", "Grade", "GradA", "GradB", "QPoor", "WhyPr"),
        *("Tagsx", "TgRed", "TgBlu", "TgShn", "Notes", "Count", "Links"),
    )
    DYNAMIC_ROLES: ClassVar[tuple[str, ...]] = ("State", "StMov", "StStl", "Visib", "VsOcc", "VsTrn")

    @staticmethod
    def obj(shape: str) -> str:
        """The object class of a shape."""
        return f"{CODES[shape]}Objct"

    @staticmethod
    def attr(shape: str, role: str) -> str:
        """An attribute or option under a shape's object class."""
        return f"{CODES[shape]}{role}"

    SKELETON_POINT: ClassVar[dict[str, str]] = {name: f"sklPt{i}00" for i, (name, _) in enumerate(SKELETON_POINTS)}

    # radio classification, with a nested radio and a nested text under Rainy
    WEATHER = "clsWthr0"
    WEATHER_Q = "wthrQst0"
    SUNNY = "wthrSun0"
    RAINY = "wthrRan0"
    STRENGTH = "wthrStr0"
    LIGHT = "wthrLgt0"
    HEAVY = "wthrHvy0"
    COMMENT = "wthrCmt0"
    # checklist classification
    FLAGS = "clsFlag0"
    FLAGS_Q = "flagQst0"
    BLURRY = "flagBlr0"
    DARK = "flagDrk0"
    NOISY = "flagNsy0"
    # text classification
    CAPTION = "clsCapt0"
    CAPTION_Q = "captQst0"
    # numeric classification
    SCORE = "clsScor0"
    SCORE_Q = "scorQst0"
    # global radio classification (`level: "global"`)
    SETTING = "clsSett0"
    SETTING_Q = "settQst0"
    INDOOR = "settInd0"
    OUTDOOR = "settOut0"


def _build_structure() -> OntologyStructure:
    structure = OntologyStructure()
    for shape in SHAPES:
        name = OBJECT_NAMES[shape]
        if shape == "skeleton":
            template = SkeletonTemplate(
                name=name,
                width=0.3,
                height=0.3,
                skeleton={
                    str(i): SkeletonTemplateCoordinate(
                        x=0.05 + 0.06 * i,
                        y=0.1 + 0.04 * i,
                        name=point,
                        color="#FCDC00",
                        value=point,
                        feature_hash=F.SKELETON_POINT[point],
                    )
                    for i, (point, _) in enumerate(SKELETON_POINTS)
                },
                skeleton_edges={
                    "0": {"1": {"color": "#FCDC00"}, "2": {"color": "#FCDC00"}, "3": {"color": "#FCDC00"}}
                },
            )
            obj, _ = structure.add_skeleton_object(name, template, feature_node_hash=F.obj(shape))
        else:
            obj = structure.add_object(name, shape=Shape(shape), feature_node_hash=F.obj(shape))
        _add_object_attributes(obj, shape)

    weather = structure.add_classification(feature_node_hash=F.WEATHER)
    weather_q = weather.add_attribute(RadioAttribute, "Weather", feature_node_hash=F.WEATHER_Q, required=True)
    weather_q.add_option("Sunny", feature_node_hash=F.SUNNY)
    rainy = weather_q.add_option("Rainy", feature_node_hash=F.RAINY)
    strength = rainy.add_nested_attribute(RadioAttribute, "Strength", feature_node_hash=F.STRENGTH)
    strength.add_option("Light", feature_node_hash=F.LIGHT)
    strength.add_option("Heavy", feature_node_hash=F.HEAVY)
    rainy.add_nested_attribute(TextAttribute, "Comment", feature_node_hash=F.COMMENT)

    flags = structure.add_classification(feature_node_hash=F.FLAGS)
    flags_q = flags.add_attribute(ChecklistAttribute, "Image flags", feature_node_hash=F.FLAGS_Q)
    flags_q.add_option("Blurry", feature_node_hash=F.BLURRY)
    flags_q.add_option("Dark", feature_node_hash=F.DARK)
    flags_q.add_option("Noisy", feature_node_hash=F.NOISY)

    caption = structure.add_classification(feature_node_hash=F.CAPTION)
    caption.add_attribute(TextAttribute, "Caption", feature_node_hash=F.CAPTION_Q)

    score = structure.add_classification(feature_node_hash=F.SCORE)
    score.add_attribute(NumericAttribute, "Score", feature_node_hash=F.SCORE_Q)

    setting = structure.add_classification(feature_node_hash=F.SETTING, level=OntologyClassificationLevel.GLOBAL)
    setting_q = setting.add_attribute(RadioAttribute, "Setting", feature_node_hash=F.SETTING_Q)
    setting_q.add_option("Indoor", feature_node_hash=F.INDOOR)
    setting_q.add_option("Outdoor", feature_node_hash=F.OUTDOOR)
    return structure


def _add_object_attributes(obj: Object, shape: str) -> None:
    def a(role: str) -> str:
        return F.attr(shape, role)

    quality = obj.add_attribute(RadioAttribute, "Quality", feature_node_hash=a("Quali"))
    good = quality.add_option("Good", feature_node_hash=a("QGood"))
    grade = good.add_nested_attribute(RadioAttribute, "Grade", feature_node_hash=a("Grade"))
    grade.add_option("A", feature_node_hash=a("GradA"))
    grade.add_option("B", feature_node_hash=a("GradB"))
    poor = quality.add_option("Poor", feature_node_hash=a("QPoor"))
    poor.add_nested_attribute(TextAttribute, "Why", feature_node_hash=a("WhyPr"))
    tags = obj.add_attribute(ChecklistAttribute, "Tags", feature_node_hash=a("Tagsx"))
    tags.add_option("Red", feature_node_hash=a("TgRed"))
    tags.add_option("Blue", feature_node_hash=a("TgBlu"))
    tags.add_option("Shiny", feature_node_hash=a("TgShn"))
    obj.add_attribute(TextAttribute, "Notes", feature_node_hash=a("Notes"))
    obj.add_attribute(NumericAttribute, "Count", feature_node_hash=a("Count"))
    obj.add_attribute(TextAttribute, "Linked to #relation", feature_node_hash=a("Links"))
    if shape in FRAME_SHAPES:
        state = obj.add_attribute(RadioAttribute, "State", feature_node_hash=a("State"), dynamic=True)
        state.add_option("Moving", feature_node_hash=a("StMov"))
        state.add_option("Still", feature_node_hash=a("StStl"))
        visible = obj.add_attribute(ChecklistAttribute, "Visibility", feature_node_hash=a("Visib"), dynamic=True)
        visible.add_option("Occluded", feature_node_hash=a("VsOcc"))
        visible.add_option("Truncated", feature_node_hash=a("VsTrn"))


def clone(value: Any) -> Any:
    """A deep copy of JSON data (what label rows are), several times faster than `copy.deepcopy`."""
    return json.loads(json.dumps(value))


@functools.cache
def _editor() -> dict[str, Any]:
    return _build_structure().to_dict()


def corpus_ontology() -> dict[str, Any]:
    """The ontology editor dict (`OntologyStructure.to_dict()`): an object class per shape, every kind
    of attribute, radio/checklist/text/numeric classifications and a global one; hashes in `F`."""
    editor: dict[str, Any] = clone(_editor())
    return editor


@functools.cache
def _sdk_ontology() -> SdkOntology:
    return sdk_ontology(_editor())


@functools.cache
def _node(feature_hash: str) -> Any:
    return _sdk_ontology().structure.get_child_by_hash(feature_hash)


# -- media: the data units, as the server describes them before anything is labelled --------------------

EPOCH = datetime.datetime(2024, 3, 4, 9, 30, tzinfo=datetime.timezone.utc)
EDITED = EPOCH + datetime.timedelta(hours=2, minutes=15)
ANNOTATOR = "annotator@example.com"
REVIEWER = "reviewer@example.com"
_STAMP = "Mon, 04 Mar 2024 09:30:00 UTC"


@dataclass(frozen=True)
class _Media:
    """One data unit: what `list_label_rows_v2` says of it, and the empty row `initialise_labels` returns."""

    data_type: DataType
    code: str  # two letters, the prefix of the row's object and classification hashes
    title: str
    frames: int
    file_type: str
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    duration: float | None = None
    audio: dict[str, Any] | None = None
    images: tuple[tuple[str, int, int], ...] = ()  # image groups: (title, width, height) per image
    spaces: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def data_hash(self) -> str:
        return f"{self.code}-data-0000-0000-000000000001"

    def metadata(self) -> dict[str, Any]:
        """The row's entry in `labelrowmetadata` (what `LabelRowMetadata.from_dict` reads)."""
        return {
            "label_hash": None,
            "branch_name": "main",
            "created_at": None,
            "last_edited_at": None,
            "data_hash": self.data_hash,
            "dataset_hash": "dset0000-0000-0000-0000-000000000001",
            "dataset_title": "labelsync corpus",
            "data_title": self.title,
            "data_type": self.data_type.to_upper_case_string(),
            "data_link": None if self.data_type in (DataType.IMG_GROUP, DataType.GROUP, DataType.SCENE) else "",
            "label_status": "NOT_LABELLED",
            "annotation_task_status": "QUEUED",
            "is_shadow_data": False,
            "number_of_frames": self.frames,
            "frames_per_second": self.fps,
            "duration": self.duration,
            "width": self.width,
            "height": self.height,
            "file_type": self.file_type,
            "spaces": copy.deepcopy(self.spaces),
            **{k: v for k, v in (self.audio or {}).items()},
        }

    def empty_row(self) -> dict[str, Any]:
        """The row dict the server returns for this data unit before anything is labelled."""
        return {
            "label_hash": f"{self.code}-labl-0000-0000-000000000001",
            "branch_name": "main",
            "created_at": _STAMP,
            "last_edited_at": _STAMP,
            "data_hash": self.data_hash,
            "dataset_hash": "dset0000-0000-0000-0000-000000000001",
            "dataset_title": "labelsync corpus",
            "data_title": self.title,
            "data_type": self.data_type.value,
            "annotation_task_status": "QUEUED",
            "is_shadow_data": False,
            "object_answers": {},
            "classification_answers": {},
            "object_actions": {},
            "label_status": "LABEL_IN_PROGRESS",
            "data_units": self._data_units(),
            "spaces": copy.deepcopy(self.spaces),
        }

    def _link(self, title: str) -> str:
        return f"https://storage.example.com/corpus/{title}"

    def _data_units(self) -> dict[str, Any]:
        dt = self.data_type
        if dt == DataType.IMG_GROUP:
            return {
                f"{self.code}-img{i}-0000-0000-000000000001": {
                    "data_hash": f"{self.code}-img{i}-0000-0000-000000000001",
                    "data_title": title,
                    "data_link": self._link(title),
                    "data_type": "image/jpeg",
                    "data_sequence": str(i),
                    "width": width,
                    "height": height,
                    "labels": {},
                }
                for i, (title, width, height) in enumerate(self.images)
            }
        unit: dict[str, Any] = {
            "data_hash": self.data_hash,
            "data_title": self.title,
            "data_link": self._link(self.title),
            "data_type": self.file_type,
            "data_sequence": 0,
            "labels": {},
        }
        if self.width is not None:
            unit["width"], unit["height"] = self.width, self.height
        if dt == DataType.VIDEO:
            unit["data_fps"], unit["data_duration"] = self.fps, self.duration
        if dt == DataType.AUDIO:
            unit["data_duration"] = self.duration
            unit.update(self.audio or {})
        if dt in (DataType.GROUP, DataType.DICOM):  # the two the SDK writes without one
            del unit["data_link"]
        if dt in (DataType.GROUP, DataType.SCENE):
            unit["data_title"] = ""
        return {self.data_hash: unit}


def _space(space_type: SpaceType, layout_key: str, file_name: str, **info: Any) -> dict[str, Any]:
    return {
        "space_type": space_type,
        "child_info": {"layout_key": layout_key, "file_name": file_name, "data_link": None},
        "labels": {},
        **info,
    }


GROUP_SPACES: dict[str, str] = {
    "video": "grp-spc-video-0001",
    "image": "grp-spc-image-0001",
    "audio": "grp-spc-audio-0001",
    "text": "grp-spc-text-00001",
    "html": "grp-spc-html-00001",
    "time_series": "grp-spc-tseries-01",
    "pdf": "grp-spc-pdf-000001",
}
"""Space ids of the data group's children, by kind."""

SCENE_SPACES: dict[str, str] = {"point_cloud": "lidar_top/000000.pcd", "image": "cam_front/000000.jpg"}

MEDIA: dict[str, _Media] = {
    m.data_type.value: m
    for m in (
        _Media(DataType.IMAGE, "im", "street_0001.jpg", 1, "image/jpeg", width=320, height=240),
        _Media(
            DataType.VIDEO, "vd", "crossing.mp4", 30, "video/mp4", width=320, height=240, fps=10.0, duration=3.0
        ),
        _Media(
            DataType.IMG_GROUP,
            "ig",
            "orchard_triplet",
            3,
            "image/jpeg",
            images=(("tree_a.jpg", 160, 120), ("tree_b.jpg", 160, 120), ("tree_c.jpg", 120, 160)),
        ),
        _Media(DataType.DICOM, "dc", "chest_ct_series", 12, "application/dicom", width=128, height=128),
        _Media(DataType.NIFTI, "nf", "brain_t1.nii.gz", 16, "application/x-nifti", width=96, height=96),
        _Media(
            DataType.AUDIO,
            "au",
            "interview.mp3",
            441000,
            "audio/mpeg",
            fps=44100.0,
            duration=10.0,
            audio={
                "audio_codec": "mp3",
                "audio_sample_rate": 44100,
                "audio_bit_depth": 16,
                "audio_num_channels": 2,
            },
        ),
        _Media(DataType.PLAIN_TEXT, "tx", "contract.txt", 1, "text/plain"),
        _Media(DataType.PDF, "pd", "invoice.pdf", 4, "application/pdf"),
        _Media(DataType.TIME_SERIES, "ts", "sensor_log.csv", 1, "text/csv"),
        _Media(
            DataType.GROUP,
            "gr",
            "ward_round_bundle",
            1,
            "group",
            spaces={
                GROUP_SPACES["video"]: _space(
                    SpaceType.VIDEO,
                    "main-video",
                    "ward.mp4",
                    number_of_frames=20,
                    width=320,
                    height=240,
                    data_duration=2.0,
                    data_fps=10.0,
                ),
                GROUP_SPACES["image"]: _space(SpaceType.IMAGE, "photo", "chart.jpg", width=200, height=150),
                GROUP_SPACES["audio"]: _space(SpaceType.AUDIO, "dictation", "notes.mp3", duration_ms=8000),
                GROUP_SPACES["text"]: _space(SpaceType.TEXT, "report", "report.txt"),
                GROUP_SPACES["html"]: _space(SpaceType.HTML, "summary", "summary.html"),
                GROUP_SPACES["time_series"]: _space(SpaceType.TIME_SERIES, "vitals", "vitals.csv"),
                GROUP_SPACES["pdf"]: _space(SpaceType.PDF, "consent", "consent.pdf", number_of_pages=3),
            },
        ),
        _Media(
            DataType.SCENE,
            "sc",
            "drive_0001",
            10,
            "scene",
            spaces={
                SCENE_SPACES["point_cloud"]: {
                    "space_type": SpaceType.POINT_CLOUD,
                    "scene_info": {"stream_id": "lidar_top", "event_index": 0, "uri": SCENE_SPACES["point_cloud"]},
                    "labels": {"objects": [], "classifications": []},
                },
                SCENE_SPACES["image"]: {
                    "space_type": SpaceType.SCENE_IMAGE,
                    "scene_info": {"stream_id": "cam_front", "event_index": 0, "uri": SCENE_SPACES["image"]},
                    "width": 320,
                    "height": 240,
                    "labels": {"objects": [], "classifications": []},
                },
            },
        ),
        _Media(DataType.DICOM_STUDY, "ds", "knee_mri_study", 8, "application/dicom", width=64, height=64),
    )
}
"""The data unit of each data type the corpus covers (dicom_study only to record that it fails)."""


def _fresh_row(media: _Media) -> LabelRowV2:
    metadata = LabelRowMetadata.from_dict(media.metadata())
    return LabelRowV2(metadata, project_client=None, ontology=_sdk_ontology())  # type: ignore[arg-type]


def _initialised_row(media: _Media) -> LabelRowV2:
    row = _fresh_row(media)
    row.from_labels_dict(media.empty_row())
    return row


# -- geometry ---------------------------------------------------------------------------------------------


class _Mask:
    """A boolean 2-D array through the numpy array interface, which `BitmaskCoordinates` accepts
    (numpy is not a dependency): a filled rectangle."""

    def __init__(self, width: int, height: int, box: tuple[int, int, int, int]) -> None:
        left, top, right, bottom = box
        self._shape = (height, width)
        line = bytes(left) + b"\x01" * (right - left) + bytes(width - right)
        self._data = bytes(width * top) + line * (bottom - top) + bytes(width * (height - bottom))

    @property
    def __array_interface__(self) -> dict[str, Any]:
        return {"version": 3, "shape": self._shape, "typestr": "|b1", "data": self._data}

    def tobytes(self) -> bytes:
        return self._data


def _p(x: float, y: float) -> PointCoordinate:
    return PointCoordinate(x=round(x, 4), y=round(y, 4))


def _geometry(shape: str, step: int, size: tuple[int, int] | None) -> Coordinates:
    """A shape's coordinates, moved a little with `step` (successive keyframes of a track)."""
    d = 0.02 * step
    if shape == "bounding_box":
        return BoundingBoxCoordinates(height=0.3, width=0.15, top_left_x=round(0.1 + d, 4), top_left_y=0.2)
    if shape == "rotatable_bounding_box":
        return RotatableBoundingBoxCoordinates(
            height=0.12, width=0.25, top_left_x=round(0.5 + d, 4), top_left_y=0.6, theta=15.0 + 5 * step
        )
    if shape == "polygon":
        return PolygonCoordinates(
            values=[_p(0.2 + d, 0.5), _p(0.4 + d, 0.45), _p(0.45 + d, 0.7), _p(0.25 + d, 0.75)]
        )
    if shape == "polyline":
        return PolylineCoordinates(values=[_p(0.0, 0.9 - d), _p(0.3, 0.7 - d), _p(0.6, 0.55 - d)])
    if shape == "point":
        return _p(0.61 + d, 0.33)
    if shape == "skeleton":
        return SkeletonCoordinates(
            name=OBJECT_NAMES["skeleton"],
            values=[
                SkeletonCoordinate(
                    x=round(0.7 + 0.03 * i + d, 4),
                    y=round(0.2 + 0.02 * i, 4),
                    name=point,
                    color="#FCDC00",
                    value=point,
                    feature_hash=F.SKELETON_POINT[point],
                    visibility=visibility,
                )
                for i, (point, visibility) in enumerate(SKELETON_POINTS)
            ],
        )
    if shape in ("bitmask", "segmentation"):  # segmentation has no coordinates class: offer a mask
        width, height = size or (32, 24)
        return BitmaskCoordinates(_Mask(width, height, (2 + step, 2, width // 3 + step, height // 4)))
    if shape == "circle":
        return CircleCoordinates(center_x=round(0.3 + d, 4), center_y=0.3, radius=0.05)
    if shape == "ellipse":
        return EllipseCoordinates(center_x=round(0.55 + d, 4), center_y=0.4, rx=0.06, ry=0.03, theta=30.0)
    if shape == "cuboid_2d":
        front = [_p(0.1 + d, 0.6), _p(0.25 + d, 0.6), _p(0.25 + d, 0.8), _p(0.1 + d, 0.8)]
        return Cuboid2DPerspectiveCoordinates(front=front, vanishing_point=_p(0.5, 0.4), scale_ratio=0.7)
    if shape == "cuboid":
        return CuboidCoordinates(
            position=(4.0 + step, -1.5, 0.8), orientation=(0.0, 0.0, 0.35), size=(4.2, 1.8, 1.6)
        )
    if shape == "audio":
        return AudioCoordinates(range=[Range(1200, 3400), Range(5000, 6100)])
    if shape == "time_range":
        return TimeRangeCoordinates(range=[Range(100, 250)])
    if shape == "text":
        return TextCoordinates(range=[Range(10, 42), Range(60, 75)])
    raise ValueError(shape)


# -- labelling --------------------------------------------------------------------------------------------

_STAMPS: dict[str, Any] = {"created_at": EPOCH, "last_edited_at": EDITED}
"""Fixed times, so rows are reproducible; who and how sure are left to the SDK's defaults (no
`createdBy`, confidence 1.0, manual) as in an SDK import: `with_annotator_fields` sets them."""


def _answer_static(instance: ObjectInstance, shape: str, variant: int, related: str | None) -> None:
    """Answer every static attribute: Quality (Good + nested Grade, or Poor + nested Why), Tags, Notes,
    Count and the relation, pointing at `related` (another object's hash)."""

    def attribute(role: str) -> Attribute[Any]:
        return _node(F.attr(shape, role))  # type: ignore[no-any-return]

    def option(role: str) -> Option:
        return _node(F.attr(shape, role))  # type: ignore[no-any-return]

    if variant % 2 == 0:
        instance.set_answer(option("QGood"), attribute=attribute("Quali"))
        instance.set_answer(option("GradA" if variant % 4 == 0 else "GradB"), attribute=attribute("Grade"))
    else:
        instance.set_answer(option("QPoor"), attribute=attribute("Quali"))
        instance.set_answer(f"{OBJECT_NAMES[shape]} is partly hidden", attribute=attribute("WhyPr"))
    instance.set_answer([option("TgRed"), option("TgShn")], attribute=attribute("Tagsx"))
    instance.set_answer(f"{OBJECT_NAMES[shape]} #{variant}", attribute=attribute("Notes"))
    instance.set_answer(3 if variant % 2 == 0 else 2.5, attribute=attribute("Count"))
    if related is not None:
        instance.set_answer(related, attribute=attribute("Links"))


def _answer_dynamic(instance: ObjectInstance, shape: str, first: list[int], second: list[int]) -> None:
    """State Moving on `first`, Still on `second`; Visibility Occluded on the end of `first`."""
    if shape not in FRAME_SHAPES or not first:
        return
    state = _node(F.attr(shape, "State"))
    instance.set_answer(_node(F.attr(shape, "StMov")), attribute=state, frames=first)
    if second:
        instance.set_answer(_node(F.attr(shape, "StStl")), attribute=state, frames=second)
    instance.set_answer(
        [_node(F.attr(shape, "VsOcc"))], attribute=_node(F.attr(shape, "Visib")), frames=first[-2:]
    )


def _object_hash(media: _Media, shape: str, n: int = 1) -> str:
    return f"{media.code}{CODES[shape]}{n:03d}"


def _frame_size(media: _Media) -> tuple[int, int] | None:
    if media.width is None or media.height is None:
        return None
    return media.width, media.height


def _tracks(media: _Media) -> tuple[list[int], list[int]]:
    """Frames of a track's two keyframe segments on multi-frame media (empty on single-frame ones)."""
    if media.data_type in (DataType.VIDEO, DataType.DICOM, DataType.NIFTI, DataType.SCENE):
        return list(range(0, 4)), list(range(4, 8))
    if media.data_type == DataType.PDF:
        return [0], [2]
    return [], []


def _place_on_root(row: LabelRowV2, media: _Media, shape: str, n: int, related: str | None) -> None:
    """Range shapes on frame 0 (their only one), frame shapes on two keyframe segments of multi-frame
    media, on image `n - 1` (cycling) of an image group, else on the image."""
    instance = ObjectInstance(_node(F.obj(shape)), object_hash=_object_hash(media, shape, n))
    first, second = _tracks(media)
    if shape in NON_GEOMETRIC:
        instance.set_for_frames(_geometry(shape, 0, None), frames=0, **_STAMPS)
    elif first:
        instance.set_for_frames(_geometry(shape, 0, _frame_size(media)), frames=first, **_STAMPS)
        instance.set_for_frames(_geometry(shape, 1, _frame_size(media)), frames=second, **_STAMPS)
    elif media.data_type == DataType.IMG_GROUP:
        frame = (n - 1) % len(media.images)
        size = media.images[frame][1:]
        instance.set_for_frames(_geometry(shape, 0, size), frames=frame, **_STAMPS)
    else:
        instance.set_for_frames(_geometry(shape, 0, _frame_size(media)), frames=0, **_STAMPS)
    row.add_object_instance(instance)
    _answer_static(instance, shape, n, related)
    _answer_dynamic(instance, shape, first, second)


def _place_on_group(row: LabelRowV2, media: _Media, shape: str, n: int, related: str | None) -> None:
    """Frame shapes on the video child (two keyframe segments, dynamic answers); audio, text and
    time_range on the audio, text and time-series children. Segmentation (no group child holds point
    clouds) is offered to the video child, which refuses it; the image child would take it unchecked and
    write it as `shape: "bitmask"` (`ImageSpace.put_object_instance` checks no coordinates type)."""
    instance = ObjectInstance(_node(F.obj(shape)), object_hash=_object_hash(media, shape, n))
    _answer_static(instance, shape, n, related)
    if shape == "audio":
        row.get_space(id=GROUP_SPACES["audio"], type_="audio").put_object_instance(
            instance, [Range(500, 2500)], **_STAMPS
        )
    elif shape == "text":
        row.get_space(id=GROUP_SPACES["text"], type_="text").put_object_instance(
            instance, [Range(0, 18), Range(40, 52)], **_STAMPS
        )
    elif shape == "time_range":
        row.get_space(id=GROUP_SPACES["time_series"], type_="time_series").put_object_instance(
            instance, [Range(30, 90)], **_STAMPS
        )
    else:
        video = row.get_space(id=GROUP_SPACES["video"], type_="video")
        video.put_object_instance(instance, [0, 1, 2, 3], _geometry(shape, 0, (320, 240)), **_STAMPS)  # type: ignore[arg-type]
        video.put_object_instance(instance, [4, 5, 6, 7], _geometry(shape, 1, (320, 240)), **_STAMPS)  # type: ignore[arg-type]
        if shape in FRAME_SHAPES:
            video.set_dynamic_answer(
                instance, [0, 1, 2, 3], _node(F.attr(shape, "StMov")), _node(F.attr(shape, "State"))
            )
            video.set_dynamic_answer(
                instance, [4, 5, 6, 7], _node(F.attr(shape, "StStl")), _node(F.attr(shape, "State"))
            )


def _place_on_scene(row: LabelRowV2, media: _Media, shape: str, n: int, related: str | None) -> None:
    """Segmentation on the point cloud (as point ranges), everything else on the scene's frames."""
    if shape != "segmentation":
        _place_on_root(row, media, shape, n, related)
        return
    instance = ObjectInstance(_node(F.obj(shape)), object_hash=_object_hash(media, shape, n))
    _answer_static(instance, shape, n, related)
    cloud = row.get_space(id=SCENE_SPACES["point_cloud"], type_="point_cloud")
    cloud.put_object_instance(instance, [Range(0, 499), Range(1200, 1399)], **_STAMPS)


_PLACERS: dict[DataType, Callable[[LabelRowV2, _Media, str, int, str | None], None]] = {
    DataType.GROUP: _place_on_group,
    DataType.SCENE: _place_on_scene,
}


def _place(row: LabelRowV2, media: _Media, shape: str, n: int = 1, related: str | None = None) -> None:
    _PLACERS.get(media.data_type, _place_on_root)(row, media, shape, n, related)


def _classification(feature_hash: str, media: _Media, kind: str) -> ClassificationInstance:
    cls: Classification = _node(feature_hash)
    return ClassificationInstance(
        cls, classification_hash=f"{media.code}C{kind}01", range_only=cls.is_global or not _frame_based(media)
    )


def _frame_based(media: _Media) -> bool:
    return media.data_type not in (DataType.AUDIO, DataType.PLAIN_TEXT, DataType.TIME_SERIES, DataType.GROUP)


def _stamp_range_only(instance: ClassificationInstance) -> None:
    instance.created_at, instance.last_edited_at = EPOCH, EDITED


def _classify(row: LabelRowV2, media: _Media) -> None:
    """Weather (Rainy, nested Strength Heavy and Comment), Flags, Caption, Score on frame ranges (the
    whole file where there are no frames), and the global Setting."""
    weather = _classification(F.WEATHER, media, "wtr")
    weather.set_answer(_node(F.RAINY), attribute=_node(F.WEATHER_Q))
    weather.set_answer(_node(F.HEAVY), attribute=_node(F.STRENGTH))
    weather.set_answer("drizzle turning to rain", attribute=_node(F.COMMENT))
    flags = _classification(F.FLAGS, media, "flg")
    flags.set_answer([_node(F.BLURRY), _node(F.NOISY)], attribute=_node(F.FLAGS_Q))
    caption = _classification(F.CAPTION, media, "cap")
    caption.set_answer(f"{media.title}: a busy scene", attribute=_node(F.CAPTION_Q))
    score = _classification(F.SCORE, media, "scr")
    score.set_answer(0.82, attribute=_node(F.SCORE_Q))
    setting = _classification(F.SETTING, media, "set")
    setting.set_answer(_node(F.OUTDOOR), attribute=_node(F.SETTING_Q))

    if media.data_type == DataType.GROUP:
        video = row.get_space(id=GROUP_SPACES["video"], type_="video")
        video.put_classification_instance(weather, [Range(0, 4), Range(10, 14)], **_STAMPS)
        video.put_classification_instance(flags, [Range(2, 6)], **_STAMPS)
        row.get_space(id=GROUP_SPACES["image"], type_="image").put_classification_instance(caption, **_STAMPS)
        row.get_space(id=GROUP_SPACES["audio"], type_="audio").put_classification_instance(score, **_STAMPS)
        row.get_space(id=GROUP_SPACES["text"], type_="text").put_classification_instance(setting, **_STAMPS)
        return

    first, second = _tracks(media)
    if not _frame_based(media):
        for instance in (weather, flags, caption, score, setting):
            _stamp_range_only(instance)
            row.add_classification_instance(instance)
        return
    last = media.frames - 1
    if first:
        weather.set_for_frames(frames=[Range(first[0], first[-1]), Range(last - 2, last)], **_STAMPS)
        flags.set_for_frames(frames=Range(second[0], second[-1]), **_STAMPS)
        caption.set_for_frames(frames=Range(0, last), **_STAMPS)
        score.set_for_frames(frames=first[0], **_STAMPS)
    elif media.data_type == DataType.IMG_GROUP:
        weather.set_for_frames(frames=Range(0, last), **_STAMPS)
        flags.set_for_frames(frames=[0, 2], **_STAMPS)
        caption.set_for_frames(frames=1, **_STAMPS)
        score.set_for_frames(frames=2, **_STAMPS)
    else:
        for instance in (weather, flags, caption, score):
            instance.set_for_frames(frames=0, **_STAMPS)
    _stamp_range_only(setting)
    for instance in (weather, flags, caption, score, setting):
        row.add_classification_instance(instance)


# -- the corpus -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusRow:
    """One label row of the corpus.

    `row` is `LabelRowV2.to_encord_dict()`; `metadata` the row's `labelrowmetadata` entry (what a fresh
    offline `LabelRowV2` is built from); `shapes` the shapes of the object classes it uses, sorted.
    """

    name: str
    data_type: str
    shapes: tuple[str, ...]
    row: dict[str, Any]
    metadata: dict[str, Any]


REFUSED: list[tuple[str, str, str]] = []
"""(data type, shape, the SDK's message) for every combination the SDK refuses; filled at import."""


def _refusal(data_type: str, shape: str, step: str, error: BaseException) -> None:
    message = getattr(error, "message", None) or str(error)  # an EncordException's str() adds a timestamp
    REFUSED.append((data_type, shape, f"{step}: {type(error).__name__}: {message}"))


def _serialise_and_reparse(row: LabelRowV2, media: _Media) -> dict[str, Any]:
    """`to_encord_dict()`, checked to parse back on a fresh row; raises `_Step` naming the failing step."""
    try:
        out: dict[str, Any] = json.loads(json.dumps(row.to_encord_dict()))  # as `save()` sends it
    except Exception as e:
        raise _Step("serialise", e) from e
    try:
        _fresh_row(media).from_labels_dict(clone(out))
    except Exception as e:
        raise _Step("parse", e) from e
    return out


class _Step(Exception):
    def __init__(self, step: str, error: BaseException) -> None:
        super().__init__(step)
        self.step, self.error = step, error


def _single_shape_row(media: _Media, shape: str) -> dict[str, Any]:
    row = _initialised_row(media)
    try:
        _place(row, media, shape)
    except Exception as e:
        raise _Step("add", e) from e
    return _serialise_and_reparse(row, media)


def _all_shapes_row(media: _Media, shapes: list[str]) -> dict[str, Any]:
    row = _initialised_row(media)
    anchor = _object_hash(media, shapes[0]) if shapes else None
    for n, shape in enumerate(shapes, start=1):
        _place(row, media, shape, n=1, related=anchor if n > 1 else None)
    _classify(row, media)
    _label_other_spaces(row, media)
    return _serialise_and_reparse(row, media)


def _label_other_spaces(row: LabelRowV2, media: _Media) -> None:
    """The spaces `_place` leaves empty: on a data group a polygon on the image child and on two frames of
    the video child (one object on two spaces; the SDK refuses this for an object with dynamic answers),
    a box on two PDF pages and a span of the HTML child; on a scene a box on the camera image."""
    if media.data_type == DataType.GROUP:
        image = row.get_space(id=GROUP_SPACES["image"], type_="image")
        polygon = ObjectInstance(_node(F.obj("polygon")), object_hash="grpgnImg")
        _answer_static(polygon, "polygon", 0, None)
        image.put_object_instance(polygon, _geometry("polygon", 2, None), **_STAMPS)  # type: ignore[arg-type]
        video = row.get_space(id=GROUP_SPACES["video"], type_="video")
        video.put_object_instance(polygon, [10, 11], _geometry("polygon", 3, None), **_STAMPS)  # type: ignore[arg-type]
        page_box = ObjectInstance(_node(F.obj("bounding_box")), object_hash="grbbxPdf")
        _answer_static(page_box, "bounding_box", 2, None)
        pdf = row.get_space(id=GROUP_SPACES["pdf"], type_="pdf")
        pdf.put_object_instance(page_box, [0, 2], _geometry("bounding_box", 1, None), **_STAMPS)  # type: ignore[arg-type]
        span = ObjectInstance(_node(F.obj("text")), object_hash="grtxtHtm")
        _answer_static(span, "text", 2, None)
        html = row.get_space(id=GROUP_SPACES["html"], type_="html")
        html.put_object_instance(span, _html_span(), **_STAMPS)
    elif media.data_type == DataType.SCENE:
        camera = row.get_space(id=SCENE_SPACES["image"], type_="image")
        box = ObjectInstance(_node(F.obj("bounding_box")), object_hash="scbbxCam")
        _answer_static(box, "bounding_box", 0, None)
        camera.put_object_instance(box, _geometry("bounding_box", 2, None), **_STAMPS)  # type: ignore[arg-type]


def _html_span() -> HtmlRange:
    return HtmlRange(
        start=HtmlNode(xpath="/html/body/p[2]", offset=4), end=HtmlNode(xpath="/html/body/p[2]", offset=19)
    )


def _corpus_row(name: str, media: _Media, shapes: list[str] | tuple[str, ...], row: dict[str, Any]) -> CorpusRow:
    return CorpusRow(name, media.data_type.value, tuple(sorted(set(shapes))), row, media.metadata())


def _extra_rows() -> Iterator[CorpusRow]:
    """Smaller rows for what the all-shapes rows do not show."""
    image, video, group = MEDIA["image"], MEDIA["video"], MEDIA["img_group"]

    yield _corpus_row("image/empty", image, (), _serialise_and_reparse(_initialised_row(image), image))

    row = _initialised_row(image)  # a polygon with a hole, and a second polygon (a multi-polygon)
    instance = ObjectInstance(_node(F.obj("polygon")), object_hash="impgnHol")
    outer = [_p(0.1, 0.1), _p(0.6, 0.1), _p(0.6, 0.6), _p(0.1, 0.6)]
    hole = [_p(0.25, 0.25), _p(0.4, 0.25), _p(0.4, 0.4)]
    island = [_p(0.7, 0.7), _p(0.9, 0.7), _p(0.8, 0.9)]
    instance.set_for_frames(PolygonCoordinates(polygons=[[outer, hole], [island]]), frames=0, **_STAMPS)
    row.add_object_instance(instance)
    yield _corpus_row("image/polygon-multi-with-hole", image, ("polygon",), _serialise_and_reparse(row, image))

    row = _initialised_row(image)  # the other cuboid_2d projection
    instance = ObjectInstance(_node(F.obj("cuboid_2d")), object_hash="imc2dIso")
    front = [_p(0.2, 0.2), _p(0.4, 0.2), _p(0.4, 0.4), _p(0.2, 0.4)]
    instance.set_for_frames(Cuboid2DIsometricCoordinates(front=front, offset=_p(0.05, -0.05)), **_STAMPS)
    row.add_object_instance(instance)
    yield _corpus_row("image/cuboid_2d-isometric", image, ("cuboid_2d",), _serialise_and_reparse(row, image))

    row = _initialised_row(image)  # two objects of one class, one pointing at the other
    car, wheel = (
        ObjectInstance(_node(F.obj("rotatable_bounding_box")), object_hash=h) for h in ("imCarA01", "imCarB01")
    )
    for n, instance in enumerate((car, wheel)):
        instance.set_for_frames(_geometry("rotatable_bounding_box", 3 * n, None), **_STAMPS)
        row.add_object_instance(instance)
    _answer_static(wheel, "rotatable_bounding_box", 1, related=car.object_hash)
    yield _corpus_row("image/relation", image, ("rotatable_bounding_box",), _serialise_and_reparse(row, image))

    row = _initialised_row(video)  # a track with a gap, answers only partly set, only classifications
    instance = ObjectInstance(_node(F.obj("bounding_box")), object_hash="vdGapTrk")
    instance.set_for_frames(_geometry("bounding_box", 0, None), frames=[Range(0, 2), Range(20, 29)], **_STAMPS)
    row.add_object_instance(instance)
    instance.set_answer(
        _node(F.attr("bounding_box", "StStl")),
        attribute=_node(F.attr("bounding_box", "State")),
        frames=Range(20, 29),
    )
    yield _corpus_row("video/track-with-gap", video, ("bounding_box",), _serialise_and_reparse(row, video))

    row = _initialised_row(video)
    _classify(row, video)
    yield _corpus_row("video/classifications-only", video, (), _serialise_and_reparse(row, video))

    row = _initialised_row(group)  # one object per image, each image its own size
    for frame, (_, width, height) in enumerate(group.images):
        instance = ObjectInstance(_node(F.obj("bitmask")), object_hash=f"igbmk{frame:03d}")
        instance.set_for_frames(_geometry("bitmask", frame, (width, height)), frames=frame, **_STAMPS)
        row.add_object_instance(instance)
    yield _corpus_row("img_group/mask-per-image", group, ("bitmask",), _serialise_and_reparse(row, group))

    html = _Media(DataType.PLAIN_TEXT, "ht", "article.html", 1, "text/html")
    row = _initialised_row(html)
    instance = ObjectInstance(_node(F.obj("text")), object_hash="htEntity")
    instance.set_for_frames(HtmlCoordinates(range=[_html_span()]), **_STAMPS)
    row.add_object_instance(instance)
    _answer_static(instance, "text", 0, None)
    yield _corpus_row("plain_text/html", html, ("text",), _serialise_and_reparse(row, html))


@functools.cache
def _build() -> tuple[CorpusRow, ...]:
    rows: list[CorpusRow] = []
    for media in MEDIA.values():
        dt = media.data_type.value
        try:
            _initialised_row(media).to_encord_dict()
        except Exception as e:
            _refusal(dt, "*", "parse", e)
            continue
        accepted: list[str] = []
        for shape in SHAPES:
            try:
                single = _single_shape_row(media, shape)
            except _Step as step:
                _refusal(dt, shape, step.step, step.error)
                continue
            accepted.append(shape)
            rows.append(_corpus_row(f"{dt}/{shape}", media, (shape,), single))
        rows.append(_corpus_row(f"{dt}/all", media, accepted, _all_shapes_row(media, accepted)))
    rows.extend(_extra_rows())
    return tuple(rows)


def corpus_rows() -> list[CorpusRow]:
    """Every row of the corpus: for each buildable data type one row per shape the SDK accepts on it
    (`"<data type>/<shape>"`), one with all of them plus classifications (`"<data type>/all"`), and a few
    smaller rows (`image/empty`, `plain_text/html`, ...). Fresh copies: mutate them freely."""
    return [CorpusRow(r.name, r.data_type, r.shapes, clone(r.row), clone(r.metadata)) for r in _build()]


@functools.cache
def _reader_ontology() -> SdkOntology:
    """The SDK's ontology read from `corpus_ontology()`, once: what a project's rows share."""
    return sdk_ontology(corpus_ontology())


def sdk_label_row_for(row: CorpusRow) -> LabelRowV2:
    """A fresh, offline, not yet initialised SDK label row for a corpus row's data unit, on the SDK's
    reading of `corpus_ontology()` (not the structure the corpus was built with)."""
    metadata = LabelRowMetadata.from_dict(clone(row.metadata))
    return LabelRowV2(metadata, project_client=None, ontology=_reader_ontology())  # type: ignore[arg-type]


# -- what annotators' rows carry ---------------------------------------------------------------------------

ORPHAN_OBJECT_HASH = "orphan01"
NO_FEATURE_CLASSIFICATION_HASH = "nofeat01"
UNKNOWN_ROW_KEY = "x-row-custom"
_RANGE_DATA_TYPES = frozenset({"audio", "plain_text", "time_series"})


def _review(obj: dict[str, Any], approved: bool) -> dict[str, Any]:
    """A review entry as the Label Editor writes it (the shape of Encord's own SDK test data)."""
    return {
        "id": 2134704,
        "exists": True,
        "status": "ASSIGNED",
        "comment": None if approved else "box too loose\n",
        "task_id": 2970724,
        "user_id": 524,
        "approved": approved,
        "instance": {
            "name": obj.get("name"),
            "range": [[0, 2]],
            "shape": obj.get("shape"),
            "objectID": 0,
            "indexHash": "efe467d1-37b7-4f68-beab-8b14bb9c8b62",
            "objectHash": obj.get("objectHash"),
            "featureHash": obj.get("featureHash"),
            "classifications": [],
            "manual_annotation": True,
        },
        "metadata": None,
        "createdAt": "Tue, 05 Mar 2024 10:01:00 UTC",
        "createdBy": REVIEWER,
        "created_at": "2024-03-05 10:00:41",
        "rejections": None,
        "user_email": REVIEWER,
        "granularity": "OBJECT",
        "granularity_id": obj.get("objectHash"),
        "last_edited_at": "2024-03-05 10:01:00",
        "displayed_status": "ASSIGNED",
    }


def _blobs(labels: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The `{"objects": [...], "classifications": [...]}` blobs of a `labels` map: itself (an image,
    a point cloud, a scene image) or one per frame key."""
    if "objects" in labels:
        yield labels
        return
    for blob in labels.values():
        if isinstance(blob, dict) and "objects" in blob:
            yield blob


def _entries(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every object entry that carries its own metadata: geometry entries on frames of data units and
    spaces, and the `object_answers` of range objects (audio, text, time_range, segmentation)."""
    for container in (*row.get("data_units", {}).values(), *row.get("spaces", {}).values()):
        for blob in _blobs(container.get("labels") or {}):
            yield from blob["objects"]
    for answer in row.get("object_answers", {}).values():
        if "shape" in answer:
            yield answer


def with_annotator_fields(row: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a corpus row with what real annotators' rows carry and the SDK does not set.

    Object entries (frame geometry in `data_units[*].labels` and `spaces[*].labels`, and range objects'
    `object_answers` entries), taken in order, alternately get:

    - even entries: `reviews` (a list of review dicts, as the Label Editor's review flow writes),
      `isDeleted: false`, and an unknown key `"x-custom": {"k": 1}`;
    - odd entries: `confidence: 0.73` (a model's, not 1.0), `createdBy: "annotator@example.com"`,
      `lastEditedBy: "reviewer@example.com"` and `manualAnnotation: false` (pre-labelled by a model).

    And once per row:

    - the row: an unknown top-level key `"x-row-custom": {"source": "label-editor", "version": 7}`;
    - the first `classification_answers` entry and its first attribute answer: `"x-custom": {"k": 1}`;
    - `object_answers["orphan01"]`: answers (a `Notes` text) of an object with no geometry anywhere, as
      rows keep after an object is deleted. Left out of audio, plain_text and time_series rows, where
      `object_answers` entries are the objects themselves: there the SDK needs their `featureHash` and
      `range` (a missing one is a `KeyError`, an empty one a `ValueError`);
    - `classification_answers["nofeat01"]`: an entry without `featureHash` (the SDK skips it).
    """
    out: dict[str, Any] = clone(row)
    for i, entry in enumerate(_entries(out)):
        if i % 2 == 0:
            entry["reviews"] = [_review(entry, approved=False), _review(entry, approved=True)]
            entry["isDeleted"] = False
            entry["x-custom"] = {"k": 1}
        else:
            entry.update(confidence=0.73, createdBy=ANNOTATOR, lastEditedBy=REVIEWER, manualAnnotation=False)
    out[UNKNOWN_ROW_KEY] = {"source": "label-editor", "version": 7}
    for answer in out["classification_answers"].values():
        answer["x-custom"] = {"k": 1}
        if answer["classifications"]:
            answer["classifications"][0]["x-custom"] = {"k": 1}
        break
    if out["data_type"] not in _RANGE_DATA_TYPES:
        out["object_answers"][ORPHAN_OBJECT_HASH] = {
            "objectHash": ORPHAN_OBJECT_HASH,
            "classifications": [
                {
                    "name": "Notes",
                    "value": "notes",
                    "answers": "left over after the object was deleted",
                    "featureHash": F.attr("bounding_box", "Notes"),
                    "manualAnnotation": True,
                }
            ],
        }
    out["classification_answers"][NO_FEATURE_CLASSIFICATION_HASH] = {
        "classificationHash": NO_FEATURE_CLASSIFICATION_HASH,
        "classifications": [],
        "range": [[0, 0]],
        "createdBy": ANNOTATOR,
        "createdAt": "Tue, 05 Mar 2024 10:01:00 UTC",
        "manualAnnotation": True,
    }
    return out


# -- counting ---------------------------------------------------------------------------------------------


def shape_counts(rows: list[CorpusRow] | None = None) -> dict[str, Counter[str]]:
    """Per data type, how many object entries of each shape its rows hold (objects, not frames)."""
    counts: dict[str, Counter[str]] = {}
    by_feature = {F.obj(shape): shape for shape in SHAPES}
    for corpus_row in rows if rows is not None else corpus_rows():
        counter = counts.setdefault(corpus_row.data_type, Counter())
        seen: set[str] = set()
        for entry in _entries(corpus_row.row):
            if entry["objectHash"] not in seen and entry.get("featureHash") in by_feature:
                seen.add(entry["objectHash"])
                counter[by_feature[entry["featureHash"]]] += 1
    return counts


def corpus_table() -> str:
    """A text table: data types x shapes, counting the corpus's objects; the last column counts rows."""
    rows = corpus_rows()
    counts = shape_counts(rows)
    n_rows = Counter(r.data_type for r in rows)
    head = ["data type", *(CODES[s] for s in SHAPES), "rows"]
    lines = [head]
    for data_type, counter in counts.items():
        lines.append([data_type, *(str(counter[s] or ".") for s in SHAPES), str(n_rows[data_type])])
    total = Counter[str]()
    for counter in counts.values():
        total.update(counter)
    lines.append(["total", *(str(total[s]) for s in SHAPES), str(len(rows))])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    legend = "  ".join(f"{CODES[s]}={s}" for s in SHAPES)
    body = "\n".join("  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)) for line in lines)
    return f"{body}\n{legend}"


_build()
