"""One frame's geometry: an Encord frame object's geometry keys <-> the canonical `Geometry` value.

Encord keys, by ontology shape (all normalised 0..1 except the bitmask, which is in pixels):
`boundingBox {h, w, x, y}`, `rotatableBoundingBox {h, w, x, y, theta}`, `point {"0": {x, y}}`,
`polyline {"0": {x, y}, ...}` (older rows: a list of points), `bitmask {top, left, height, width, rleString}`,
`skeleton {"0": {x, y, name, featureHash}, ...}` (point names and hashes from the skeleton template), and for
a polygon both `polygon` (the outline of the first polygon only, `{"0": {x, y}, ...}`) and `polygons`
(every polygon with its holes, `[[[x0, y0, x1, y1, ...] ring...] polygon...]`). Older rows have `polygon` only.
`circle {x, y, r, stretch, theta}`, `ellipse {x, y, rx, ry, theta}`, `cuboid_2d {front: [x0, y0, ... x3, y3],
vanishingPoint {x, y}, scaleRatio}` (perspective) or `cuboid_2d {front, offset {x, y}}` (isometric).
A skeleton point's visibility is `visibility: "occluded"` (what the SDK writes) or a flag `occluded: true`
(what the SDK also reads); canonically it is absent for a visible point, else invisible, occluded or
self_occluded.
"""

from __future__ import annotations

from typing import Any

from reconciler.model import Geometry, Shape
from reconciler.ontology import ObjectClass, Ontology

GEOMETRY_FIELD: dict[Shape, str] = {
    Shape.BOX: "boundingBox",
    Shape.ROTATED_BOX: "rotatableBoundingBox",
    Shape.POLYGON: "polygon",
    Shape.POLYLINE: "polyline",
    Shape.POINT: "point",
    Shape.BITMASK: "bitmask",
    Shape.SKELETON: "skeleton",
    Shape.CIRCLE: "circle",
    Shape.ELLIPSE: "ellipse",
    Shape.CUBOID_2D: "cuboid_2d",
}

_BOX_KEYS = ("x", "y", "w", "h")
_CIRCLE_KEYS = ("x", "y", "r", "stretch", "theta")
_ELLIPSE_KEYS = ("x", "y", "rx", "ry", "theta")
_DEFAULTS = {"stretch": 1.0, "theta": 0.0}

VISIBILITY = {"invisible": "invisible", "occluded": "occluded", "selfOccluded": "self_occluded"}
"""Encord's visibility values -> the canonical (and label-file) names; "visible" is the default, not kept."""
_ENCORD_VISIBILITY = {canonical: encord for encord, canonical in VISIBILITY.items()}


def _xy(point: Any) -> list[float]:
    return [float(point["x"]), float(point["y"])]


def _points(raw: Any) -> list[Any]:
    """Points stored as {"0": p, "1": p, ...} (in index order) or as a list."""
    if isinstance(raw, dict):
        return [point for _, point in sorted(raw.items(), key=lambda kv: int(kv[0]))]
    if isinstance(raw, list):
        return raw
    raise ValueError(f"expected points, got {raw!r}")


def _ring(raw: Any) -> list[list[float]]:
    """A `polygons` ring: flat [x0, y0, x1, y1, ...] (what the SDK writes), or a list of {x, y} or [x, y]."""
    if raw and isinstance(raw[0], dict):
        return [_xy(p) for p in raw]
    if raw and isinstance(raw[0], list):
        return [[float(x), float(y)] for x, y in raw]
    if len(raw) % 2:
        raise ValueError(f"a flat ring needs an even number of coordinates, got {len(raw)}")
    return [[float(raw[i]), float(raw[i + 1])] for i in range(0, len(raw), 2)]


def decode_geometry(cls: ObjectClass, entry: dict[str, Any]) -> Geometry:
    """The canonical geometry of one frame object; raises KeyError/ValueError/TypeError if malformed."""
    shape = cls.shape
    if shape is Shape.POLYGON and entry.get("polygons"):
        return Geometry(shape, [[_ring(ring) for ring in polygon] for polygon in entry["polygons"]])
    raw = entry.get(GEOMETRY_FIELD[shape])
    if raw is None:
        raise ValueError(f"no `{GEOMETRY_FIELD[shape]}` geometry for a {shape.value}")
    value: Any
    if shape is Shape.BOX:
        value = {k: float(raw[k]) for k in _BOX_KEYS}
    elif shape is Shape.ROTATED_BOX:
        value = {k: float(raw[k]) for k in (*_BOX_KEYS, "theta")}
    elif shape is Shape.POINT:
        x, y = _xy(_points(raw)[0])
        value = {"x": x, "y": y}
    elif shape is Shape.POLYLINE:
        value = [_xy(p) for p in _points(raw)]
    elif shape is Shape.POLYGON:
        value = [[[_xy(p) for p in _points(raw)]]]
    elif shape is Shape.BITMASK:
        value = {k: int(raw[k]) for k in ("top", "left", "width", "height")}
        value["rle"] = str(raw["rleString"] if "rleString" in raw else raw["rle_string"])
    elif shape is Shape.CIRCLE:
        value = {k: float(raw.get(k, _DEFAULTS.get(k)) if k in _DEFAULTS else raw[k]) for k in _CIRCLE_KEYS}
    elif shape is Shape.ELLIPSE:
        value = {k: float(raw.get(k, 0.0) if k == "theta" else raw[k]) for k in _ELLIPSE_KEYS}
    elif shape is Shape.CUBOID_2D:
        value = _cuboid_2d(raw)
    else:
        value = _skeleton(cls, raw)
    return Geometry(shape, value)


def _cuboid_2d(raw: Any) -> dict[str, Any]:
    value: dict[str, Any] = {"front": _ring(raw["front"])}
    if raw.get("vanishingPoint") is not None:
        value["vanishing_point"] = dict(zip(("x", "y"), _xy(raw["vanishingPoint"]), strict=True))
        value["scale_ratio"] = float(raw["scaleRatio"])
    else:
        value["offset"] = dict(zip(("x", "y"), _xy(raw["offset"]), strict=True))
    return value


def _skeleton(cls: ObjectClass, raw: Any) -> dict[str, Any]:
    names = cls.skeleton_points
    value: dict[str, Any] = {}
    for index, point in enumerate(_points(raw)):
        name = point.get("name") or (names[index] if index < len(names) else str(index))
        x, y = _xy(point)
        value[str(name)] = {"x": x, "y": y}
        visibility = point_visibility(point)
        if visibility is not None:
            value[str(name)]["visibility"] = visibility
    return value


def point_visibility(point: dict[str, Any]) -> str | None:
    """A skeleton point's canonical visibility, None for a visible one. The SDK reads flags first."""
    for encord, canonical in VISIBILITY.items():
        if point.get(encord) is True:
            return canonical
    if point.get("visible") is True:
        return None
    given = point.get("visibility")
    if given is None or given == "visible":
        return None
    if given in VISIBILITY:
        return VISIBILITY[str(given)]
    if given in _ENCORD_VISIBILITY:
        return str(given)
    raise ValueError(f"skeleton point visibility {given!r} is not one Encord knows")


def skeleton_point_hashes(ontology: Ontology, cls: ObjectClass) -> dict[str, str]:
    """Point name -> the template point's featureHash, found as `Ontology.from_editor_dict` finds the template."""
    templates = [t.get("template", t) for t in ontology.editor.get("skeleton_templates", [])]
    template = next((t for t in templates if t.get("feature_node_hash") == cls.hash), None)
    if template is None:
        template = templates[0] if templates else {}
    hashes: dict[str, str] = {}
    for point in template.get("skeleton", {}).values():
        feature = point.get("featureHash") or point.get("feature_hash")
        if feature:
            hashes[str(point["name"])] = str(feature)
    return hashes


def _point_dict(x: Any, y: Any) -> dict[str, float]:
    return {"x": float(x), "y": float(y)}


def encode_geometry(
    cls: ObjectClass, geometry: Geometry, point_hashes: dict[str, str], old: Any = None
) -> dict[str, Any]:
    """The geometry keys of an Encord frame object for a canonical geometry (`old`: the skeleton it had)."""
    value = geometry.value
    shape = geometry.shape
    if shape is Shape.BOX:
        return {"boundingBox": {k: float(value[k]) for k in ("h", "w", "x", "y")}}
    if shape is Shape.ROTATED_BOX:
        return {"rotatableBoundingBox": {k: float(value[k]) for k in ("h", "w", "x", "y", "theta")}}
    if shape is Shape.POINT:
        return {"point": {"0": _point_dict(value["x"], value["y"])}}
    if shape is Shape.POLYLINE:
        return {"polyline": {str(i): _point_dict(x, y) for i, (x, y) in enumerate(value)}}
    if shape is Shape.POLYGON:
        outline = value[0][0]
        return {
            "polygon": {str(i): _point_dict(x, y) for i, (x, y) in enumerate(outline)},
            "polygons": [[[float(c) for point in ring for c in point] for ring in polygon] for polygon in value],
        }
    if shape is Shape.BITMASK:
        return {
            "bitmask": {
                "top": int(value["top"]),
                "left": int(value["left"]),
                "height": int(value["height"]),
                "width": int(value["width"]),
                "rleString": str(value["rle"]),
            }
        }
    if shape is Shape.CIRCLE:
        return {"circle": {k: float(value[k]) for k in _CIRCLE_KEYS}}
    if shape is Shape.ELLIPSE:
        return {"ellipse": {k: float(value[k]) for k in _ELLIPSE_KEYS}}
    if shape is Shape.CUBOID_2D:
        cuboid: dict[str, Any] = {"front": [float(c) for point in value["front"] for c in point]}
        if "offset" in value:
            cuboid["offset"] = _point_dict(value["offset"]["x"], value["offset"]["y"])
        else:
            cuboid["vanishingPoint"] = _point_dict(value["vanishing_point"]["x"], value["vanishing_point"]["y"])
            cuboid["scaleRatio"] = float(value["scale_ratio"])
        return {"cuboid_2d": cuboid}
    return {"skeleton": _encode_skeleton(cls, value, point_hashes, old)}


def _encode_skeleton(
    cls: ObjectClass, value: dict[str, Any], point_hashes: dict[str, str], old: Any
) -> dict[str, Any]:
    """Skeleton points in template order; a point the old geometry had keeps its other keys (colour,
    featureHash, value) and only its position and visibility change."""
    before = {str(p.get("name")): p for p in _points(old)} if old else {}
    names = [n for n in cls.skeleton_points if n in value] + sorted(
        n for n in value if n not in cls.skeleton_points
    )
    points: dict[str, Any] = {}
    for index, name in enumerate(names):
        flags = {*VISIBILITY, "visible", "visibility"}
        kept = {k: v for k, v in (before.get(name) or {}).items() if k not in flags}
        point: dict[str, Any] = {**kept, **_point_dict(value[name]["x"], value[name]["y"]), "name": name}
        if "featureHash" not in point and name in point_hashes:
            point["featureHash"] = point_hashes[name]
        visibility = value[name].get("visibility")
        if visibility is not None:
            point["visibility"] = _ENCORD_VISIBILITY[visibility]
        points[str(index)] = point
    return points
