"""One frame's geometry: an Encord frame object's geometry keys <-> the canonical `Geometry` value.

Encord keys, by ontology shape (all normalised 0..1 except the bitmask, which is in pixels):
`boundingBox {h, w, x, y}`, `rotatableBoundingBox {h, w, x, y, theta}`, `point {"0": {x, y}}`,
`polyline {"0": {x, y}, ...}` (older rows: a list of points), `bitmask {top, left, height, width, rleString}`,
`skeleton {"0": {x, y, name, featureHash}, ...}` (point names and hashes from the skeleton template), and for
a polygon both `polygon` (the outline of the first polygon only, `{"0": {x, y}, ...}`) and `polygons`
(every polygon with its holes, `[[[x0, y0, x1, y1, ...] ring...] polygon...]`). Older rows have `polygon` only.
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
}

_BOX_KEYS = ("x", "y", "w", "h")


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
    else:
        names = cls.skeleton_points
        value = {}
        for index, point in enumerate(_points(raw)):
            name = point.get("name") or (names[index] if index < len(names) else str(index))
            x, y = _xy(point)
            value[str(name)] = {"x": x, "y": y}
    return Geometry(shape, value)


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


def encode_geometry(cls: ObjectClass, geometry: Geometry, point_hashes: dict[str, str]) -> dict[str, Any]:
    """The geometry keys of an Encord frame object for a canonical geometry."""
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
    names = [n for n in cls.skeleton_points if n in value] + sorted(
        n for n in value if n not in cls.skeleton_points
    )
    points: dict[str, Any] = {}
    for index, name in enumerate(names):
        point: dict[str, Any] = {**_point_dict(value[name]["x"], value[name]["y"]), "name": name}
        if name in point_hashes:
            point["featureHash"] = point_hashes[name]
        points[str(index)] = point
    return {"skeleton": points}
