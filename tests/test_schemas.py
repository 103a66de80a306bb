"""The JSON schemas, the example label files, the ontology and the manifest agree with each other."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "labels"
GEOMETRY_KEYS = {"box", "rotated_box", "polygon", "polygons", "polyline", "point", "bitmask", "skeleton"}
SHAPE_KEYS = {  # ontology shape -> the geometry keys it accepts
    "bounding_box": {"box"},
    "rotatable_bounding_box": {"rotated_box"},
    "polygon": {"polygon", "polygons"},
    "polyline": {"polyline"},
    "point": {"point"},
    "bitmask": {"bitmask"},
    "skeleton": {"skeleton"},
}
LABEL_FILES = sorted(p for p in LABELS.rglob("*.yaml") if p.name != "manifest.yaml" and not p.name.startswith("_"))


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def frames_of(key: str | int) -> range:
    start, _, end = str(key).partition("-")
    return range(int(start), int(end or start) + 1)


def test_there_are_examples() -> None:
    assert len(LABEL_FILES) >= 8


@pytest.mark.parametrize("path", LABEL_FILES, ids=lambda p: str(p.relative_to(LABELS)))
def test_label_file_is_valid(path: Path) -> None:
    first = path.read_text().splitlines()[0]
    schema_path = first.removeprefix("# yaml-language-server: $schema=")
    assert (
        schema_path != first and (path.parent / schema_path).resolve() == ROOT / "schemas/label-file.schema.json"
    )
    errors = [e.message for e in validator("label-file").iter_errors(load(path))]
    assert not errors


GOOD = {"data": "x.jpg", "objects": [{"id": "a", "class": "Cherry", "box": {"x": 0, "y": 0, "w": 1, "h": 1}}]}
BOX = {"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2}


@pytest.mark.parametrize(
    "doc",
    [
        {"data": "x.jpg", "objects": [{"id": "a", "class": "Cherry", "box": BOX, "point": {"x": 0, "y": 0}}]},
        {"data": "x.jpg", "objects": [{"id": "a", "class": "Cherry", "box": {**BOX, "x": 1.5}}]},
        {"data": "x.mp4", "objects": [{"id": "a", "class": "Person", "frames": {"a-b": {"box": BOX}}}]},
        {"data": "x.mp4", "objects": [{"id": "a", "class": "Person", "box": BOX, "frames": {"1": {"box": BOX}}}]},
        {
            "data": "x.mp4",
            "objects": [{"id": "a", "class": "Person", "frames": {"1": {"box": BOX, "point": BOX}}}],
        },
        {"data": "x.jpg", "objects": [{"id": "a", "class": "Cherry"}]},
        {"data": "x.jpg", "objects": [{"id": "a", "class": "Cherry", "box": BOX, "hash": "no spaces"}]},
        {
            "data": "x.jpg",
            "objects": [{"id": "a", "class": "Cherry", "box": BOX, "attributes": {"R": {"A": 1, "B": 2}}}],
        },
        {"data": "x.jpg", "objects": [{"id": "a", "class": "Blueberry", "bitmask": {"png": "m.png", "rle": "x"}}]},
        {"data": "x.jpg", "labels": []},
        {"data": "x.jpg", "data_hash": "abc"},
        {"branch": "main"},
        {"data": "x.mp4", "frame_tags": {"blurry": ["1-"]}},
        {"data": "x.jpg", "classifications": [{"id": "c", "question": "Q?"}]},
    ],
)
def test_bad_label_file_is_rejected(doc: dict) -> None:
    v = validator("label-file")
    assert v.is_valid(GOOD)
    assert not v.is_valid(doc)


def test_unquoted_frame_keys_are_accepted() -> None:
    doc = {"data": "x.mp4", "objects": [{"id": "a", "class": "Person", "frames": {3: {"box": BOX}}}]}
    doc["objects"][0]["dynamic"] = {"Position": {3: "Standing"}}
    assert validator("label-file").is_valid(doc)
    doc["objects"][0]["frames"] = {-1: {"box": BOX}}
    assert not validator("label-file").is_valid(doc)


def test_config_is_valid() -> None:
    v = validator("config")
    config = load(ROOT / "labelsync.yaml")
    assert not [e.message for e in v.iter_errors(config)]
    assert not v.is_valid({**config, "bundle_size": 5000})
    assert not v.is_valid({**config, "remote": {"kind": "local", "project_hash": "p"}})
    assert not v.is_valid({**config, "prune_all": True})
    assert v.is_valid({**config, "remote": {"kind": "encord", "project_hash": "p", "key_env": "K"}})


def test_ontology_parses_with_the_sdk_and_ours() -> None:
    from encord.objects.ontology_structure import OntologyStructure

    from reconciler.ontology import Ontology

    editor = json.loads((LABELS / "ontology.json").read_text())
    sdk = OntologyStructure.from_dict(editor)
    assert sdk.to_dict() == editor  # written exactly as the SDK writes it
    ours = Ontology.from_editor_dict(editor)
    strawberry = ours.object_class("Strawberry")
    assert strawberry is not None and strawberry.skeleton_points == ("top", "left", "right")
    assert sdk.skeleton_templates["Triangle"].feature_node_hash == strawberry.hash
    cherry = ours.object_class("Cherry")
    assert cherry is not None and cherry.attribute("Ripeness").option("Ripe").attribute("Sweetness")
    assert ours.object_class("Person").attribute("Position").dynamic


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_examples_agree_with_manifest_and_ontology() -> None:
    from encord.common.bitmask_operations import deserialise_bitmask, serialise_bitmask

    units = load(LABELS / "manifest.yaml")["data_units"]
    by_ref = {**{u["title"]: u for u in units}, **{u["hash"]: u for u in units if "hash" in u}}
    ontology = json.loads((LABELS / "ontology.json").read_text())
    shapes = {o["name"]: o["shape"] for o in ontology["objects"]}
    managed = set()
    for path in LABEL_FILES:
        doc = load(path)
        unit = by_ref[doc.get("data") or doc["data_hash"]]
        managed.add(unit["title"])
        count = unit.get("frames", 1)
        keys = [k for ks in doc.get("frame_tags", {}).values() for k in ks]
        for obj in doc.get("objects", []):
            geometries = [obj] if "frames" not in obj else list(obj["frames"].values())
            keys += list(obj.get("frames", {})) + [k for a in obj.get("dynamic", {}).values() for k in a]
            for geometry in geometries:
                (key,) = GEOMETRY_KEYS & geometry.keys()
                assert key in SHAPE_KEYS[shapes[obj["class"]]], (path, obj["id"])
                mask = geometry[key] if key == "bitmask" else {}
                if "png" in mask:
                    assert png_size(path.parent / mask["png"]) == (unit["width"], unit["height"])
                if "rle" in mask:
                    area = unit["width"] * unit["height"]  # the RLE covers exactly width * height pixels
                    assert serialise_bitmask(deserialise_bitmask(mask["rle"], area)) == mask["rle"]
        keys += [k for c in doc.get("classifications", []) for k in c.get("frames", [])]
        assert all(0 <= f < count for k in keys for f in frames_of(k)), path
    assert managed < {u["title"] for u in units}  # some data units stay unmanaged
