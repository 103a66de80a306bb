"""Geometry in label files -> canonical `Geometry`, with findings for wrong shapes and ranges."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from reconciler.desired.frames import parse_frame_key
from reconciler.desired.png import PngError, read_mask
from reconciler.diagnostics import FieldPath
from reconciler.model import DataUnit, FrameRange, Geometry, Shape, canonical_html, canonical_ranges
from reconciler.ontology import ObjectClass

Report = Callable[[FieldPath, str], None]

GEOMETRY_FIELDS = (
    "box",
    "rotated_box",
    "polygon",
    "polygons",
    "polyline",
    "point",
    "bitmask",
    "skeleton",
    "circle",
    "ellipse",
    "cuboid_2d",
    "audio",
    "time_range",
    "text",
)
VISIBILITIES = ("visible", "invisible", "occluded", "self_occluded")
_KEYS_FOR_SHAPE = {
    Shape.BOX: ("box",),
    Shape.ROTATED_BOX: ("rotated_box",),
    Shape.POLYGON: ("polygon", "polygons"),
    Shape.POLYLINE: ("polyline",),
    Shape.POINT: ("point",),
    Shape.BITMASK: ("bitmask",),
    Shape.SKELETON: ("skeleton",),
    Shape.CIRCLE: ("circle",),
    Shape.ELLIPSE: ("ellipse",),
    Shape.CUBOID_2D: ("cuboid_2d",),
    Shape.AUDIO: ("audio",),
    Shape.TIME_RANGE: ("time_range",),
    Shape.TEXT: ("text",),
}
_RANGE_UNITS = {Shape.AUDIO: "milliseconds", Shape.TIME_RANGE: "time steps", Shape.TEXT: "characters"}
MAX_RANGES = 10_000
"""Ranges one ranged object may hold: far more than any annotator draws, few enough to check quickly."""


def keys_for(shape: Shape) -> tuple[str, ...]:
    return _KEYS_FOR_SHAPE.get(shape, ())


class GeometryParser:
    """Parses one geometry value; reports problems through `report(path, message)`."""

    def __init__(self, report: Report, base_dir: Path, data: DataUnit | None) -> None:
        self.report = report
        self.base_dir = base_dir
        self.data = data

    def parse(
        self, cls: ObjectClass, key: str, value: Any, path: FieldPath, frames: FrameRange | None = (0, 0)
    ) -> Geometry | None:
        """The geometry under `key` on `frames` (None: frames not known, as when the frame key is wrong)."""
        if key not in keys_for(cls.shape):
            expected = " or ".join(f"`{k}`" for k in keys_for(cls.shape))
            self.report(path, f"{cls.name} is a {cls.shape.value} class: give {expected}, not `{key}`")
            return None
        parsed: Any
        if key == "box":
            parsed = self._numbers(value, path, ("x", "y", "w", "h"))
        elif key == "rotated_box":
            parsed = self._rotated_box(value, path)
        elif key == "point":
            parsed = self._numbers(value, path, ("x", "y"))
        elif key == "polyline":
            parsed = self._points(value, path, 2)
        elif key == "polygon":
            parsed = self._polygon(value, path)
        elif key == "polygons":
            parsed = self._polygons(value, path)
        elif key == "bitmask":
            parsed = self._bitmask(value, path, frames)
        elif key == "circle":
            parsed = self._round(value, path, ("x", "y", "r"), {"stretch": 1.0, "theta": 0.0})
        elif key == "ellipse":
            parsed = self._round(value, path, ("x", "y", "rx", "ry"), {"theta": 0.0})
        elif key == "cuboid_2d":
            parsed = self._cuboid_2d(value, path)
        elif cls.shape.ranged:
            parsed = self._ranged(cls, value, path)
        else:
            parsed = self._skeleton(cls, value, path)
        return None if parsed is None else Geometry(cls.shape, parsed)

    def _coordinate(self, value: Any, path: FieldPath) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.report(path, f"expected a number from 0 to 1, got {value!r}")
            return None
        if not 0.0 <= value <= 1.0:
            self.report(path, f"{value} is outside 0..1 (coordinates are normalised to the frame size)")
            return None
        return float(value)

    def _numbers(self, value: Any, path: FieldPath, keys: tuple[str, ...]) -> dict[str, float] | None:
        if type(value) is dict and len(value) == len(keys):
            fast = {k: value.get(k) for k in keys}
            if all(type(v) is float and 0.0 <= v <= 1.0 for v in fast.values()):
                return cast(dict[str, float], fast)  # the common case, checked in one pass
        if not isinstance(value, dict):
            self.report(path, f"expected a mapping with {', '.join(keys)}")
            return None
        unknown = sorted(set(value) - set(keys))
        missing = [k for k in keys if k not in value]
        if unknown or missing:
            detail = "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(map(str, unknown))}" if unknown else "",
                )
                if part
            )
            self.report(path, f"expected exactly {', '.join(keys)}: {detail}")
            return None
        out = {k: self._coordinate(value[k], (*path, k)) for k in keys}
        if any(v is None for v in out.values()):
            return None
        return {k: v for k, v in out.items() if v is not None}

    def _rotated_box(self, value: Any, path: FieldPath) -> dict[str, float] | None:
        if not isinstance(value, dict) or "theta" not in value:
            self.report(path, "expected a mapping with x, y, w, h, theta")
            return None
        theta = value["theta"]
        if isinstance(theta, bool) or not isinstance(theta, (int, float)):
            self.report((*path, "theta"), f"expected an angle in degrees, got {theta!r}")
            return None
        box = self._numbers({k: v for k, v in value.items() if k != "theta"}, path, ("x", "y", "w", "h"))
        return None if box is None else {**box, "theta": float(theta)}

    def _finite(self, value: Any, path: FieldPath, what: str) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or abs(value) > 1e6:
            self.report(path, f"expected {what}, got {value!r}")
            return None
        return float(value)

    def _round(
        self, value: Any, path: FieldPath, keys: tuple[str, ...], optional: dict[str, float]
    ) -> dict[str, float] | None:
        """A circle or an ellipse: a centre and radii in 0..1, then optional numbers (stretch, theta)."""
        if not isinstance(value, dict):
            self.report(path, f"expected a mapping with {', '.join((*keys, *optional))}")
            return None
        extra = {k: v for k, v in value.items() if k in optional}
        base = self._numbers({k: v for k, v in value.items() if k not in optional}, path, keys)
        numbers = {k: self._finite(extra.get(k, d), (*path, k), "a number") for k, d in optional.items()}
        if base is None or any(v is None for v in numbers.values()):
            return None
        return {**base, **{k: v for k, v in numbers.items() if v is not None}}

    def _cuboid_2d(self, value: Any, path: FieldPath) -> dict[str, Any] | None:
        forms = ({"front", "vanishing_point", "scale_ratio"}, {"front", "offset"})
        if not isinstance(value, dict) or set(map(str, value)) not in forms:
            self.report(
                path, "expected {front: 4 points, vanishing_point: {x, y}, scale_ratio} or {front, offset: {x, y}}"
            )
            return None
        front = self._points(value["front"], (*path, "front"), 4)
        if front is not None and len(front) != 4:
            self.report((*path, "front"), "the front face has exactly 4 points")
            return None
        anchor = "offset" if "offset" in value else "vanishing_point"
        point = value[anchor]
        if not isinstance(point, dict) or set(map(str, point)) != {"x", "y"}:
            self.report((*path, anchor), "expected {x, y}")
            return None
        xy = {k: self._finite(point[k], (*path, anchor, k), "a number") for k in ("x", "y")}
        parsed: dict[str, Any] = {"front": front, anchor: xy}
        if anchor == "vanishing_point":
            parsed["scale_ratio"] = self._finite(
                value["scale_ratio"], (*path, "scale_ratio"), "a ratio, 0 or more"
            )
        if front is None or any(v is None for v in (*xy.values(), parsed.get("scale_ratio", 0.0))):
            return None
        return parsed

    def _ranged(self, cls: ObjectClass, value: Any, path: FieldPath) -> list[Any] | None:
        """Ranges of the file: "1200-3400" or [1200, 3400] (inclusive) or 17, or for text in an HTML document
        {start: {xpath, offset}, end: {xpath, offset}}."""
        items = value if isinstance(value, list) else [value]
        if not items or len(items) > MAX_RANGES:
            self.report(path, f'expected 1 to {MAX_RANGES} ranges of {_RANGE_UNITS[cls.shape]}, like "1200-3400"')
            return None
        html = any(isinstance(item, dict) for item in items)
        known = self.data.html if self.data else None
        if known is not None and html != known:
            if html:
                self.report(
                    path, f'{self._where()} is not an HTML document: give ranges of characters, like "10-42"'
                )
            else:
                self.report(
                    path, f"{self._where()} is an HTML document: give {{start: {{xpath, offset}}, end: ...}}"
                )
            return None
        if not html:
            pairs = self._pairs(items, path)
            return None if pairs is None else canonical_ranges(pairs)
        try:
            return canonical_html(items)
        except (KeyError, TypeError, ValueError) as exc:
            detail = f"{exc} is missing" if isinstance(exc, KeyError) else str(exc)
            self.report(path, f"expected {{start: {{xpath, offset}}, end: {{xpath, offset}}}} ranges: {detail}")
            return None

    def _pairs(self, items: list[Any], path: FieldPath) -> list[tuple[int, int]] | None:
        pairs = []
        for i, item in enumerate(items):
            pair = parse_frame_key(item) if not isinstance(item, list) else _pair(item)
            if pair is None:
                where = (*path, i) if len(items) > 1 or isinstance(item, list) else path
                self.report(where, f'"{item}" is not a range like "1200-3400" (start to end, inclusive)')
                return None
            pairs.append(pair)
        return pairs

    def _where(self) -> str:
        return self.data.title if self.data else "the data unit"

    def _points(self, value: Any, path: FieldPath, minimum: int) -> list[list[float]] | None:
        if not isinstance(value, list) or len(value) < minimum:
            self.report(path, f"expected a list of at least {minimum} points [x, y]")
            return None
        points: list[list[float]] = []
        ok = True
        for i, point in enumerate(value):
            if not isinstance(point, list) or len(point) != 2:
                self.report((*path, i), f"expected a point [x, y], got {point!r}")
                ok = False
                continue
            x, y = (self._coordinate(c, (*path, i)) for c in point)
            if x is None or y is None:
                ok = False
            else:
                points.append([x, y])
        return points if ok else None

    def _polygon(self, value: Any, path: FieldPath) -> list[list[list[list[float]]]] | None:
        ring = self._points(value, path, 3)
        return None if ring is None else [[ring]]

    def _polygons(self, value: Any, path: FieldPath) -> list[list[list[list[float]]]] | None:
        if not isinstance(value, list) or not value:
            self.report(path, "expected a list of polygons, each a list of rings [[x, y], ...]")
            return None
        polygons = []
        for i, polygon in enumerate(value):
            if not isinstance(polygon, list) or not polygon:
                self.report((*path, i), "expected a polygon: a list of rings, the outline first, then holes")
                return None
            rings = [self._points(ring, (*path, i, j), 3) for j, ring in enumerate(polygon)]
            if any(r is None for r in rings):
                return None
            polygons.append([r for r in rings if r is not None])
        return polygons

    def _frame_size(self, frames: FrameRange | None, path: FieldPath) -> tuple[int, int] | None:
        """The (width, height) of the frames a mask is on; (0, 0) when not known; None (reported) when the
        frames are images of different sizes."""
        if self.data is None:
            return (0, 0)
        if frames is None:
            return self.data.size(0) if not self.data.sizes else (0, 0)
        size = self.data.size(frames[0])
        last = min(frames[1], len(self.data.sizes) - 1)
        other = next((f for f in range(frames[0] + 1, last + 1) if self.data.size(f) != size), None)
        if other is not None:
            self.report(
                path,
                f"frames {frames[0]} and {other} of {self.data.title} are images of different sizes"
                f" ({_size(size)} and {_size(self.data.size(other))}): give each its own mask",
            )
            return None
        return size

    def _bitmask(self, value: Any, path: FieldPath, frames: FrameRange | None) -> dict[str, Any] | None:
        if not isinstance(value, dict) or len(set(value) & {"png", "rle"}) != 1:
            self.report(path, "expected {png: path/to/mask.png} or {rle: <Encord RLE string>}")
            return None
        frame_size = self._frame_size(frames, path)
        if frame_size is None:
            return None
        width, height = frame_size
        where = self.data.title if self.data else "the data unit"
        if self.data and self.data.sizes and frames is not None:
            where = f"image {frames[0]} of {where}"
        if "png" in value:
            mask_path = self.base_dir / str(value["png"])
            try:
                width, height, mask = read_mask(mask_path)
            except FileNotFoundError:
                self.report((*path, "png"), f"no file {mask_path}")
                return None
            except (PngError, ValueError) as exc:
                self.report((*path, "png"), f"cannot read {mask_path}: {exc}")
                return None
            if all(frame_size) and (width, height) != frame_size:
                self.report((*path, "png"), f"mask is {width}x{height} pixels but {where} is {_size(frame_size)}")
                return None
            rle = _serialise_bitmask(mask)
        else:
            rle = value["rle"]
            if not isinstance(rle, str) or not rle:
                self.report((*path, "rle"), "expected an Encord RLE string")
                return None
            if self.data and not all(frame_size):
                self.report(
                    (*path, "rle"),
                    f"the remote does not say how large {where} is, so an RLE cannot be checked: give the mask as"
                    " `png:` instead",
                )
                return None
            if self.data and _rle_length(rle) != width * height:
                self.report((*path, "rle"), f"the RLE does not cover {where}'s {_size(frame_size)} pixels")
                return None
        return {"top": 0, "left": 0, "width": width, "height": height, "rle": rle}

    def _skeleton(self, cls: ObjectClass, value: Any, path: FieldPath) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.report(path, f"expected {{point name: {{x, y}}}} for {', '.join(cls.skeleton_points)}")
            return None
        names = set(map(str, value))
        if names != set(cls.skeleton_points):
            missing = sorted(set(cls.skeleton_points) - names)
            unknown = sorted(names - set(cls.skeleton_points))
            self.report(
                path,
                f"skeleton points must be {', '.join(cls.skeleton_points)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(unknown)}" if unknown else ""),
            )
            return None
        points = {str(name): self._skeleton_point(point, (*path, str(name))) for name, point in value.items()}
        if any(p is None for p in points.values()):
            return None
        return points

    def _skeleton_point(self, value: Any, path: FieldPath) -> dict[str, Any] | None:
        visibility = value.get("visibility", "visible") if isinstance(value, dict) else "visible"
        if visibility not in VISIBILITIES:
            self.report((*path, "visibility"), f"expected one of {', '.join(VISIBILITIES)}, got {visibility!r}")
            return None
        point: dict[str, Any] | None = self._numbers(
            {k: v for k, v in value.items() if k != "visibility"} if isinstance(value, dict) else value,
            path,
            ("x", "y"),
        )
        if point is not None and visibility != "visible":
            point["visibility"] = visibility
        return point


def _pair(item: list[Any]) -> tuple[int, int] | None:
    if len(item) != 2 or not all(type(n) is int and n >= 0 for n in item) or item[0] > item[1]:
        return None
    return (item[0], item[1])


def _size(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def _serialise_bitmask(mask: bytes) -> str:
    from encord.common.bitmask_operations import serialise_bitmask

    return str(serialise_bitmask(mask))


def _rle_length(rle: str) -> int:
    from encord.common.bitmask_operations import _string_to_rle

    return int(sum(_string_to_rle(rle)))
