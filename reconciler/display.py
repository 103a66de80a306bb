"""Labels flattened to `path -> value` in the names a reviewer knows (class, attribute, option).

The diff compares these flat views of a changed label to produce `box.x 0.2 -> 0.3`; only labels
whose fingerprints differ ever get here.
"""

from __future__ import annotations

import hashlib
from typing import Any

from reconciler.desired.frames import format_range, format_ranges
from reconciler.model import AnswerValue, ClassificationLabel, Geometry, Label, ObjectLabel, is_html_value
from reconciler.ontology import Ontology, Option


def flatten(label: Label, ontology: Ontology) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    if isinstance(label, ObjectLabel):
        single = len(label.frames) == 1 and label.frames[0][0] == 0
        for frames, geometry in _group_frames(label.frames):
            prefix = "" if single else f"frames[{frames}]."
            flat.update(_geometry(prefix, geometry))
        for attr, value in label.answers:
            flat[f"attributes.{_attribute_path(attr, ontology)}"] = _answer(value, ontology)
        for dyn in label.dynamic:
            flat[f"dynamic.{ontology.display_name(dyn.attribute)}[{format_ranges(dyn.ranges)}]"] = _answer(
                dyn.value, ontology
            )
    else:
        for attr, value in label.answers:
            flat[
                "answer"
                if attr == _top_attribute(label, ontology)
                else f"answer.{_attribute_path(attr, ontology)}"
            ] = _answer(value, ontology)
        if label.ranges not in (((0, 0),), ()):
            flat["frames"] = format_ranges(label.ranges)
    return flat


def _top_attribute(label: ClassificationLabel, ontology: Ontology) -> str:
    node = ontology.node(label.feature)
    return getattr(getattr(node, "attribute", None), "hash", "")


def _group_frames(frames: tuple[tuple[int, Geometry], ...]) -> list[tuple[str, Geometry]]:
    """Consecutive frames with the same geometry shown as one range: frames[4-9]."""
    groups: list[tuple[int, int, Geometry]] = []
    for frame, geometry in frames:
        if groups and groups[-1][1] == frame - 1 and groups[-1][2] == geometry:
            groups[-1] = (groups[-1][0], frame, geometry)
        else:
            groups.append((frame, frame, geometry))
    return [(format_range((s, e)), g) for s, e, g in groups]


def _geometry(prefix: str, geometry: Geometry) -> dict[str, Any]:
    key = geometry.shape.key
    value = geometry.value
    if key == "bitmask":
        return {f"{prefix}bitmask": f"{value['width']}x{value['height']} rle {_short(value['rle'])}"}
    if key == "skeleton":
        flat: dict[str, Any] = {}
        for name, point in value.items():
            flat[f"{prefix}skeleton.{name}.x"] = point["x"]
            flat[f"{prefix}skeleton.{name}.y"] = point["y"]
            flat[f"{prefix}skeleton.{name}.visibility"] = point.get("visibility", "visible")
        return flat
    if geometry.shape.ranged:
        if is_html_value(value):
            spans = (
                f"{n['start']['xpath']}:{n['start']['offset']}-{n['end']['xpath']}:{n['end']['offset']}"
                for n in value
            )
            return {f"{prefix}{key}": ", ".join(spans)}
        return {f"{prefix}{key}": format_ranges(tuple((start, end) for start, end in value))}
    if isinstance(value, dict):
        return {f"{prefix}{key}.{k}": v for k, v in value.items()}
    if key == "polygon":
        points = sum(len(ring) for polygon in value for ring in polygon)
        return {f"{prefix}polygon": f"{len(value)} part(s), {points} points {_short(repr(value))}"}
    return {f"{prefix}{key}": f"{len(value)} points {_short(repr(value))}"}


def _short(text: str) -> str:
    return "#" + hashlib.blake2b(text.encode(), digest_size=3).hexdigest()


def _attribute_path(attribute_hash: str, ontology: Ontology) -> str:
    """Nested attributes show the option they hang from: Ripeness/Ripe/Sweetness."""
    parts = [ontology.display_name(attribute_hash)]
    option = ontology.parent(attribute_hash)
    while isinstance(option, Option):
        attribute = ontology.parent(option.hash)
        if attribute is None:
            break
        parts[:0] = [ontology.display_name(attribute.hash), option.label]
        option = ontology.parent(attribute.hash)
    return "/".join(parts)


def _answer(value: AnswerValue, ontology: Ontology) -> Any:
    if isinstance(value, tuple):
        return sorted(ontology.display_name(v) for v in value)
    if isinstance(value, str) and ontology.node(value) is not None:
        return ontology.display_name(value)
    return value
