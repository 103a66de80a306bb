"""Labels flattened to `path -> value` in the names a reviewer knows (class, attribute, option), and the
differences of two versions of a label the way a reviewer thinks of them.

The diff compares these flat views of a changed label to produce `box.x 0.2 -> 0.3`; only labels
whose fingerprints differ ever get here. Geometry is compared as shapes rather than as flat keys
(`geometry_changes`): a polygon's moved points, one track's frames as a range change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher
from typing import Any

from reconciler.desired.frames import format_range, format_ranges
from reconciler.model import AnswerValue, ClassificationLabel, Geometry, Label, ObjectLabel, Shape, is_html_value
from reconciler.ontology import Ontology, Option


def flatten(label: Label, ontology: Ontology, geometry: bool = True) -> dict[str, Any]:
    """The label as `path -> value`; without its geometry when `geometry` is False."""
    flat: dict[str, Any] = {}
    if isinstance(label, ObjectLabel):
        single = _image_like(label.frames)
        for frames, shape in _group_frames(label.frames) if geometry else ():
            prefix = "" if single else f"frames[{frames}]."
            flat.update(_geometry(prefix, shape))
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


Change = tuple[str, Any, Any]
"""One displayed difference: path, value before, value after (None: absent on that side)."""

MATCHED_POINTS = 2000
"""Point lists longer than this (both sides together) are compared place by place rather than matched
(matching is quadratic at worst)."""
_LEAF_ORDER = {"x": 0, "y": 1, "w": 2, "h": 3, "theta": 4}


def path_order(path: str) -> tuple[Any, ...]:
    """Geometry before attributes; box fields as people write them: x, y, w, h."""
    parent, _, leaf = path.rpartition(".")
    return (path.startswith(("attributes", "dynamic")), parent, _LEAF_ORDER.get(leaf, 9), leaf)


def geometry_changes(before: ObjectLabel, after: ObjectLabel) -> list[Change]:
    """What differs between the shapes of two versions of an object, in the order a reviewer reads it.

    An object with one shape on all its frames (an image's object, one box over a range of a video) whose
    frames change reads as `frames: 20-29 -> 20-34`, then its shape's changes, if any. A track whose shape
    varies by frame reads as its frames line, then the changes of each run of frames whose shape changed,
    then each run of new frames that does not just extend a run kept as it was. Shapes compare as shapes:
    a polygon's moved, added and removed points (`polygon point 3`), not its coordinates' keys.
    """
    old, new = before.frames, after.frames
    if old == new:
        return []
    old_frames, new_frames = tuple(f for f, _ in old), tuple(f for f, _ in new)
    changes: list[Change] = []
    if old_frames != new_frames:
        changes.append(("frames", format_ranges(_ranges(old_frames)), format_ranges(_ranges(new_frames))))
    old_shapes, new_shapes = _distinct(g for _, g in old), _distinct(g for _, g in new)
    if len(old_shapes) == 1 and len(new_shapes) == 1:
        same = old_frames == new_frames and not _image_like(new)
        prefix = f"frames[{format_ranges(_ranges(new_frames))}]." if same else ""
        return changes + shape_changes(prefix, old_shapes[0], new_shapes[0])
    old_at, new_at = dict(old), dict(new)
    runs: list[tuple[int, int, Geometry | None, Geometry]] = []
    for frame, shape in new:
        was = old_at.get(frame)
        if was == shape:
            continue
        if runs and runs[-1][1] == frame - 1 and runs[-1][2] == was and runs[-1][3] == shape:
            runs[-1] = (runs[-1][0], frame, was, shape)
        else:
            runs.append((frame, frame, was, shape))
    for start, end, was, shape in runs:
        prefix = f"frames[{format_range((start, end))}]."
        if was is not None:
            changes += shape_changes(prefix, was, shape)
        elif not any(old_at.get(n) == shape == new_at.get(n) for n in (start - 1, end + 1)):
            changes += [(path, None, v) for path, v in _ordered(_geometry(prefix, shape))]
    return changes


def shape_changes(prefix: str, old: Geometry, new: Geometry) -> list[Change]:
    """The differences between two shapes on the same frames, their paths starting with `prefix`."""
    if old == new:
        return []
    if old.shape is not new.shape:
        return [
            *((path, v, None) for path, v in _ordered(_geometry(prefix, old))),
            *((path, None, v) for path, v in _ordered(_geometry(prefix, new))),
        ]
    key = new.shape.key
    if key == "polygon" and _is_polygons(old.value) and _is_polygons(new.value):
        return _polygon_changes(f"{prefix}polygon", old.value, new.value)
    if key == "polyline":
        return point_changes(f"{prefix}polyline", old.value, new.value)
    if key == "skeleton" and isinstance(old.value, dict) and isinstance(new.value, dict):
        return _skeleton_changes(prefix, old.value, new.value)
    changes: list[Change] = []
    old_flat, new_flat = _geometry(prefix, old), _geometry(prefix, new)
    if key == "cuboid_2d":
        front = f"{prefix}cuboid_2d.front"
        changes += point_changes(front, old_flat.pop(front, None), new_flat.pop(front, None))
    return changes + _flat_changes(old_flat, new_flat)


def point_changes(name: str, old: Any, new: Any) -> list[Change]:
    """Two lists of points as the points that moved (`name point 3`, counted from 1 as the file lists
    them), were added and were removed, after a count line (`name points`) when their number differs.
    A moved or added point is named by its place after the change, a removed one by its place before."""
    if old == new:
        return []
    if not (_is_points(old) and _is_points(new)):
        return [(name, old, new)]
    changes: list[Change] = []
    if len(old) != len(new):
        changes.append((f"{name} points", len(old), len(new)))
    for tag, i1, i2, j1, j2 in _opcodes(old, new):
        if tag == "equal":
            continue
        moved = min(i2 - i1, j2 - j1)
        changes += [(f"{name} point {j1 + k + 1}", list(old[i1 + k]), list(new[j1 + k])) for k in range(moved)]
        changes += [(f"{name} point {k + 1}", list(old[k]), None) for k in range(i1 + moved, i2)]
        changes += [(f"{name} point {k + 1}", None, list(new[k])) for k in range(j1 + moved, j2)]
    return changes


def _opcodes(old: Sequence[Any], new: Sequence[Any]) -> Sequence[tuple[str, int, int, int, int]]:
    if len(old) + len(new) > MATCHED_POINTS:
        return [("replace", 0, len(old), 0, len(new))]
    a, b = [tuple(p) for p in old], [tuple(p) for p in new]
    return SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def _polygon_changes(base: str, old: list[Any], new: list[Any]) -> list[Change]:
    """Polygons ring by ring: `polygon point 4`, `polygon part 2 point 4`, `polygon part 2 hole 1 point 4`;
    an added or removed part or hole as its list of points."""
    multi = len(old) > 1 or len(new) > 1
    changes: list[Change] = []
    for p in range(max(len(old), len(new))):
        part = f"{base} part {p + 1}" if multi else base
        old_rings = old[p] if p < len(old) else []
        new_rings = new[p] if p < len(new) else []
        for r in range(max(len(old_rings), len(new_rings))):
            ring = part if r == 0 else f"{part} hole {r}"
            if r >= len(old_rings):
                changes.append((ring, None, new_rings[r]))
            elif r >= len(new_rings):
                changes.append((ring, old_rings[r], None))
            else:
                changes += point_changes(ring, old_rings[r], new_rings[r])
    return changes


def _skeleton_changes(prefix: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """A skeleton's points by name: `skeleton point top` moved; visibility as its own field."""
    changes: list[Change] = []
    for name in [*old, *(n for n in new if n not in old)]:
        was, now = old.get(name), new.get(name)
        if was == now:
            continue
        if not (isinstance(was, dict) and isinstance(now, dict)):
            changes += _flat_changes(
                _geometry(prefix, _skeleton(name, was)), _geometry(prefix, _skeleton(name, now))
            )
            continue
        xy_was, xy_now = [was.get("x"), was.get("y")], [now.get("x"), now.get("y")]
        if xy_was != xy_now:
            changes.append((f"{prefix}skeleton point {name}", xy_was, xy_now))
        visibility = f"{prefix}skeleton.{name}.visibility"
        if was.get("visibility", "visible") != now.get("visibility", "visible"):
            changes.append((visibility, was.get("visibility", "visible"), now.get("visibility", "visible")))
    return changes


def _skeleton(name: str, point: Any) -> Geometry:
    return Geometry(Shape.SKELETON, {name: point} if isinstance(point, dict) else {})


def _flat_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    return [
        (path, old.get(path), new.get(path))
        for path in sorted(old.keys() | new.keys(), key=path_order)
        if old.get(path) != new.get(path)
    ]


def _ordered(flat: dict[str, Any]) -> list[tuple[str, Any]]:
    return sorted(flat.items(), key=lambda item: path_order(item[0]))


def _is_points(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(p, (list, tuple))
        and len(p) == 2
        and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in p)
        for p in value
    )


def _is_polygons(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(part, list) and all(map(_is_points, part)) for part in value)


def _distinct(shapes: Iterable[Geometry]) -> list[Geometry]:
    out: list[Geometry] = []
    for shape in shapes:
        if shape not in out:
            out.append(shape)
            if len(out) > 1:
                break
    return out


def _ranges(frames: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    ranges: list[tuple[int, int]] = []
    for frame in frames:
        if ranges and ranges[-1][1] == frame - 1:
            ranges[-1] = (ranges[-1][0], frame)
        else:
            ranges.append((frame, frame))
    return tuple(ranges)


def _image_like(frames: tuple[tuple[int, Geometry], ...]) -> bool:
    return len(frames) == 1 and frames[0][0] == 0


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
