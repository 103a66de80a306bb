"""Shared fixtures for tests that talk to the real Encord SDK offline.

`EDITOR` is an ontology editor dict (what `GET ontologies/{uuid}` returns as `editor`) covering
every shape labelsync supports and every attribute kind; `H` names its featureNodeHashes.
`sdk_label_row` builds an SDK `LabelRowV2` without a network, as docs/encord-reference.md says.
"""

from __future__ import annotations

import datetime
from typing import Any

from encord.objects.ontology_labels_impl import LabelRowV2
from encord.objects.ontology_structure import OntologyStructure
from encord.ontology import Ontology as SdkOntology
from encord.orm.label_row import LabelRowMetadata
from encord.orm.ontology import Ontology as OrmOntology

from reconciler.model import DataType, DataUnit
from reconciler.ontology import Ontology


class H:
    """featureNodeHashes of the test ontology."""

    PERSON = "person01"
    POSITION = "positn01"  # dynamic radio
    STANDING = "standng1"
    WALKING = "walking1"
    VISIBLE = "visible1"  # dynamic checklist
    HEAD = "head0001"
    LEGS = "legs0001"
    MOOD = "mood0001"  # radio with nested attributes
    HAPPY = "happy001"
    INTENSITY = "intens01"  # radio nested under Happy
    LOW = "low00001"
    HIGH = "high0001"
    SAD = "sad00001"
    REASON = "reason01"  # text nested under Sad
    ACCESSORIES = "access01"  # checklist
    HAT = "hat00001"
    BAG = "bag00001"
    GLASSES = "glasses1"
    NOTES = "notes001"  # text
    AGE = "age00001"  # number
    HOLDS = "holds001"  # "Holds #relation"
    CAR = "car00001"  # rotatable_bounding_box
    LAKE = "lake0001"  # polygon
    ROAD = "road0001"  # polyline
    EYE = "eye00001"  # point
    MASK = "mask0001"  # bitmask
    HAND = "hand0001"  # skeleton (and its template)
    WEATHER = "weather1"  # radio classification
    WEATHER_Q = "weathrq1"
    SUNNY = "sunny001"
    RAINY = "rainy001"
    STRENGTH = "strngth1"  # radio nested under Rainy
    LIGHT = "light001"
    HEAVY = "heavy001"
    COMMENT = "comment1"  # text nested under Rainy
    FLAGS = "flags001"  # checklist classification
    FLAGS_Q = "flagsq01"
    BLURRY = "blurry01"
    DARK = "dark0001"
    CAPTION = "caption1"  # text classification
    CAPTION_Q = "captnq01"
    GLOBAL = "global01"  # text classification at the global level (the whole row)
    GLOBAL_Q = "globalq1"


def _option(uid: str, label: str, fnh: str, nested: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    option: dict[str, Any] = {"id": uid, "label": label, "value": label.lower(), "featureNodeHash": fnh}
    if nested is not None:
        option["options"] = nested
    return option


def _attribute(
    uid: str, name: str, kind: str, fnh: str, options: list[dict[str, Any]] | None = None, dynamic: bool = False
) -> dict[str, Any]:
    attribute: dict[str, Any] = {"id": uid, "name": name, "type": kind, "featureNodeHash": fnh, "required": False}
    if dynamic:
        attribute["dynamic"] = True
    if options is not None:
        attribute["options"] = options
    return attribute


def _object(
    uid: str, name: str, shape: str, fnh: str, attributes: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "id": uid,
        "name": name,
        "color": "#D33115",
        "shape": shape,
        "featureNodeHash": fnh,
        "attributes": attributes or [],
    }


HAND_POINTS = ("wrist", "thumb", "index")

EDITOR: dict[str, Any] = {
    "objects": [
        _object(
            "1",
            "Person",
            "bounding_box",
            H.PERSON,
            [
                _attribute(
                    "1.1",
                    "Position",
                    "radio",
                    H.POSITION,
                    [_option("1.1.1", "Standing", H.STANDING), _option("1.1.2", "Walking", H.WALKING)],
                    dynamic=True,
                ),
                _attribute(
                    "1.2",
                    "Visible",
                    "checklist",
                    H.VISIBLE,
                    [_option("1.2.1", "Head", H.HEAD), _option("1.2.2", "Legs", H.LEGS)],
                    dynamic=True,
                ),
                _attribute(
                    "1.3",
                    "Mood",
                    "radio",
                    H.MOOD,
                    [
                        _option(
                            "1.3.1",
                            "Happy",
                            H.HAPPY,
                            [
                                _attribute(
                                    "1.3.1.1",
                                    "Intensity",
                                    "radio",
                                    H.INTENSITY,
                                    [_option("1.3.1.1.1", "Low", H.LOW), _option("1.3.1.1.2", "High", H.HIGH)],
                                )
                            ],
                        ),
                        _option("1.3.2", "Sad", H.SAD, [_attribute("1.3.2.1", "Reason", "text", H.REASON)]),
                    ],
                ),
                _attribute(
                    "1.4",
                    "Accessories",
                    "checklist",
                    H.ACCESSORIES,
                    [
                        _option("1.4.1", "Hat", H.HAT),
                        _option("1.4.2", "Bag", H.BAG),
                        _option("1.4.3", "Glasses", H.GLASSES),
                    ],
                ),
                _attribute("1.5", "Notes", "text", H.NOTES),
                _attribute("1.6", "Age", "numeric", H.AGE),
                _attribute("1.7", "Holds #relation", "text", H.HOLDS),
            ],
        ),
        _object("2", "Car", "rotatable_bounding_box", H.CAR),
        _object("3", "Lake", "polygon", H.LAKE),
        _object("4", "Road", "polyline", H.ROAD),
        _object("5", "Eye", "point", H.EYE),
        _object("6", "Mask", "bitmask", H.MASK),
        _object("7", "Hand", "skeleton", H.HAND),
    ],
    "classifications": [
        {
            "id": "1",
            "featureNodeHash": H.WEATHER,
            "attributes": [
                _attribute(
                    "1.1",
                    "Weather",
                    "radio",
                    H.WEATHER_Q,
                    [
                        _option("1.1.1", "Sunny", H.SUNNY),
                        _option(
                            "1.1.2",
                            "Rainy",
                            H.RAINY,
                            [
                                _attribute(
                                    "1.1.2.1",
                                    "Strength",
                                    "radio",
                                    H.STRENGTH,
                                    [
                                        _option("1.1.2.1.1", "Light", H.LIGHT),
                                        _option("1.1.2.1.2", "Heavy", H.HEAVY),
                                    ],
                                ),
                                _attribute("1.1.2.2", "Comment", "text", H.COMMENT),
                            ],
                        ),
                    ],
                )
            ],
        },
        {
            "id": "2",
            "featureNodeHash": H.FLAGS,
            "attributes": [
                _attribute(
                    "2.1",
                    "Flags",
                    "checklist",
                    H.FLAGS_Q,
                    [_option("2.1.1", "Blurry", H.BLURRY), _option("2.1.2", "Dark", H.DARK)],
                )
            ],
        },
        {
            "id": "3",
            "featureNodeHash": H.CAPTION,
            "attributes": [_attribute("3.1", "Caption", "text", H.CAPTION_Q)],
        },
        {
            "id": "4",
            "featureNodeHash": H.GLOBAL,
            "level": "global",
            "attributes": [_attribute("4.1", "Summary", "text", H.GLOBAL_Q)],
        },
    ],
    "skeleton_templates": [
        {
            "template": {
                "name": "Hand",
                "shape": "skeleton",
                "width": 0.2,
                "height": 0.2,
                "feature_node_hash": H.HAND,
                "skeleton": {
                    str(i): {
                        "x": 0.1 * i,
                        "y": 0.1,
                        "name": name,
                        "color": "#000000",
                        "value": name,
                        "featureHash": f"hpt{i}0000",
                    }
                    for i, name in enumerate(HAND_POINTS)
                },
                "skeletonEdges": {"0": {"1": {"color": "#000000"}}, "1": {"2": {"color": "#000000"}}},
            }
        }
    ],
}


def ontology() -> Ontology:
    return Ontology.from_editor_dict(EDITOR)


def sdk_ontology(editor: dict[str, Any] | None = None) -> SdkOntology:
    """The SDK's ontology wrapper, offline: a label row only reads `.structure`."""
    epoch = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    orm = OrmOntology(
        title="test",
        structure=OntologyStructure.from_dict(editor or EDITOR),
        ontology_hash="onto0001",
        created_at=epoch,
        last_edited_at=epoch,
    )
    return SdkOntology(orm, api_client=None)  # type: ignore[arg-type]


IMAGE = DataUnit("img00001", "cherry_001.jpg", DataType.IMAGE, frames=1, width=64, height=48)
VIDEO = DataUnit("vid00001", "street.mp4", DataType.VIDEO, frames=30, width=32, height=24, fps=10.0)
GROUP = DataUnit("grp00001", "triplet", DataType.IMAGE_GROUP, frames=3, width=16, height=8)
GROUP_IMAGES = [
    {"data_hash": f"grpimg0{i}", "data_title": f"triplet_{i}.jpg", "width": 16, "height": 8} for i in range(3)
]


def sdk_label_row(
    data: DataUnit, editor: dict[str, Any] | None = None, *, label_hash: str | None = None, branch: str = "main"
) -> LabelRowV2:
    """An empty, offline SDK label row for a data unit, ready for `from_labels_dict`
    (the test ontology unless `editor`, an ontology structure, is given)."""
    metadata = LabelRowMetadata.from_dict(
        {
            "label_hash": label_hash,
            "branch_name": branch,
            "data_hash": data.hash,
            "dataset_hash": "dataset1",
            "dataset_title": "dataset",
            "data_title": data.title,
            "data_type": {"image": "IMAGE", "video": "VIDEO", "img_group": "IMG_GROUP"}[data.type.value],
            "data_link": None,
            "label_status": "NOT_LABELLED",
            "number_of_frames": data.frames,
            "frames_per_second": data.fps or None,
            "duration": data.frames / data.fps if data.fps else None,
            "width": data.width,
            "height": data.height,
            "spaces": {},
        }
    )
    return LabelRowV2(metadata, project_client=None, ontology=sdk_ontology(editor))  # type: ignore[arg-type]
