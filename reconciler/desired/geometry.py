"""Geometry in label files -> canonical `Geometry`, with findings for wrong shapes and ranges.

Nothing in a file is trusted: every number must be finite, every shape must lie in its frame and have
a size (a box of width 0, a polygon with no area and a polyline that stays on one point are findings),
and a shape holds at most `MAX_POINTS` points, so a hostile file costs bounded work.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from reconciler.desired.frames import parse_frame_key
from reconciler.desired.png import PngError, read_mask
from reconciler.diagnostics import FieldPath, shown
from reconciler.model import DataUnit, FrameRange, Geometry, Shape, canonical_html, canonical_ranges
from reconciler.ontology import ObjectClass
from reconciler.rle import mask_to_rle_string, rle_string_length

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
MAX_POINTS = 100_000
"""Points one shape may hold (a polygon's over all its rings): far more than any drawn outline."""
EDGE = 1e-6
"""How far (of the frame) a shape may reach past the frame's edge: rounding, never a real overhang."""
MAX_MAGNITUDE = 1e6
"""The largest angle, ratio or offset a file may give (far beyond any real one: 1e6 degrees is 2777 turns)."""
_MIN_AREA = 1e-14
"""A polygon ring with less area (of the frame) is degenerate: its points are on one line."""
_MEANING = {"stretch": "a ratio", "theta": "an angle in degrees"}
_RLE = re.compile(r"(?:[P-o]{0,12}[0-O])+")
"""An Encord RLE string: runs of 5-bit groups, `P`-`o` continuing a run and `0`-`O` ending it."""


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
            parsed = self._in_frame(self._numbers(value, path, ("x", "y", "w", "h")), path)
        elif key == "rotated_box":
            parsed = self._in_frame(self._rotated_box(value, path), path)
        elif key == "point":
            parsed = self._numbers(value, path, ("x", "y"))
        elif key == "polyline":
            parsed = self._polyline(value, path)
        elif key == "polygon":
            parsed = self._polygon(value, path)
        elif key == "polygons":
            parsed = self._polygons(value, path)
        elif key == "bitmask":
            parsed = self._bitmask(value, path, frames)
        elif key == "circle":
            parsed = self._round(value, path, ("x", "y", "r"), {"stretch": 1.0, "theta": 0.0}, frames)
        elif key == "ellipse":
            parsed = self._round(value, path, ("x", "y", "rx", "ry"), {"theta": 0.0}, frames)
        elif key == "cuboid_2d":
            parsed = self._cuboid_2d(value, path)
        elif cls.shape.ranged:
            parsed = self._ranged(cls, value, path)
        else:
            parsed = self._skeleton(cls, value, path)
        return None if parsed is None else Geometry(cls.shape, parsed)

    def _coordinate(self, value: Any, path: FieldPath) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            self.report(path, f"expected a number from 0 to 1, got {shown(value)}")
            return None
        if not 0.0 <= value <= 1.0:
            self.report(path, f"{shown(value)} is outside 0..1 (coordinates are normalised to the frame size)")
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
        unknown = sorted(str(k) for k in value if k not in keys)
        missing = [k for k in keys if k not in value]
        if unknown or missing:
            detail = "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(unknown)}" if unknown else "",
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
        theta = self._finite(value["theta"], (*path, "theta"), "an angle in degrees")
        box = self._numbers({k: v for k, v in value.items() if k != "theta"}, path, ("x", "y", "w", "h"))
        return None if box is None or theta is None else {**box, "theta": theta}

    def _in_frame(self, box: dict[str, float] | None, path: FieldPath) -> dict[str, float] | None:
        """A box (rotated or not: its sides before the rotation) with a size, inside the frame."""
        if box is None:
            return None
        for corner, side, axis in (("x", "w", "width"), ("y", "h", "height")):
            if box[side] <= 0.0:
                self.report((*path, side), f"the box has no {axis}: give {side} above 0")
                return None
            if box[corner] + box[side] > 1.0 + EDGE:
                self.report(
                    (*path, side),
                    f"the box leaves the frame: {corner} + {side} = {_sum(box[corner], box[side])} is beyond 1"
                    f" (the frame's {'right' if corner == 'x' else 'bottom'} edge)",
                )
                return None
        return box

    def _finite(self, value: Any, path: FieldPath, what: str) -> float | None:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or value != value
            or abs(value) > MAX_MAGNITUDE
        ):
            self.report(
                path, f"expected {what} (a finite number within {MAX_MAGNITUDE:,.0f} of 0), got {shown(value)}"
            )
            return None
        return float(value)

    def _round(
        self,
        value: Any,
        path: FieldPath,
        keys: tuple[str, ...],
        optional: dict[str, float],
        frames: FrameRange | None,
    ) -> dict[str, float] | None:
        """A circle or an ellipse: a centre and radii in 0..1, then optional numbers (stretch, theta); with
        a size, inside the frame."""
        if not isinstance(value, dict):
            self.report(path, f"expected a mapping with {', '.join((*keys, *optional))}")
            return None
        extra = {k: v for k, v in value.items() if k in optional}
        base = self._numbers({k: v for k, v in value.items() if k not in optional}, path, keys)
        numbers = {k: self._finite(extra.get(k, d), (*path, k), _MEANING[k]) for k, d in optional.items()}
        if base is None or any(v is None for v in numbers.values()):
            return None
        shape = {**base, **{k: v for k, v in numbers.items() if v is not None}}
        what = "circle" if "r" in shape else "ellipse"
        for radius in (*keys[2:], *(["stretch"] if "stretch" in shape else [])):
            if shape[radius] <= 0.0:
                self.report((*path, radius), f"the {what} has no size: give {radius} above 0")
                return None
        return shape if self._round_in_frame(shape, path, frames) else None

    def _round_in_frame(self, shape: dict[str, float], path: FieldPath, frames: FrameRange | None) -> bool:
        """Whether a circle or ellipse lies in the frame (within `EDGE`). Its extent across the frame's
        height (of a circle: also its width, once rotated) depends on the frame's aspect ratio, checked
        where the data unit's size is known; without it, only what does not depend on it."""
        for aspect in self._aspects(frames):
            extent = _round_extent(shape, aspect)
            for axis, centre, half in (("width", shape["x"], extent[0]), ("height", shape["y"], extent[1])):
                if half is not None and (centre - half < -EDGE or centre + half > 1.0 + EDGE):
                    self.report(
                        path,
                        f"the {'circle' if 'r' in shape else 'ellipse'} leaves the frame: it reaches from"
                        f" {_sum(centre, -half)} to {_sum(centre, half)} of the frame's {axis} (0 to 1)",
                    )
                    return False
        return True

    def _aspects(self, frames: FrameRange | None) -> list[float | None]:
        """The width / height of each distinct frame size on `frames` (None where not known)."""
        if self.data is None:
            return [None]
        if frames is None or not self.data.sizes:
            sizes = {self.data.size(frames[0] if frames else 0)}
        else:
            sizes = {self.data.size(f) for f in range(frames[0], min(frames[1], len(self.data.sizes) - 1) + 1)}
        return sorted({w / h if w > 0 and h > 0 else None for w, h in sizes}, key=lambda a: a or 0.0)

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
        if front is not None and abs(_area(front)) < _MIN_AREA:
            self.report((*path, "front"), "the front face has no area: its 4 points are on one line")
            return None
        anchor = "offset" if "offset" in value else "vanishing_point"
        point = value[anchor]
        if not isinstance(point, dict) or set(map(str, point)) != {"x", "y"}:
            self.report((*path, anchor), "expected {x, y}")
            return None
        xy = {k: self._finite(point[k], (*path, anchor, k), "a coordinate") for k in ("x", "y")}
        parsed: dict[str, Any] = {"front": front, anchor: xy}
        if anchor == "vanishing_point":
            ratio = self._finite(value["scale_ratio"], (*path, "scale_ratio"), "a ratio, 0 or more")
            if ratio is not None and ratio < 0:
                self.report((*path, "scale_ratio"), f"expected a ratio, 0 or more, got {ratio}")
                ratio = None
            parsed["scale_ratio"] = ratio
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

    def _points(
        self, value: Any, path: FieldPath, minimum: int, budget: int = MAX_POINTS
    ) -> list[list[float]] | None:
        """A list of at least `minimum` (and at most `budget`) points; the first bad point is reported."""
        if not isinstance(value, list) or len(value) < minimum:
            self.report(path, f"expected a list of at least {minimum} points [x, y]")
            return None
        if len(value) > budget:
            self.report(path, f"{len(value)} points: a shape holds at most {MAX_POINTS} (all its rings together)")
            return None
        points: list[list[float]] = []
        for i, point in enumerate(value):
            if point.__class__ is list and len(point) == 2:
                x, y = point
                if x.__class__ is float and y.__class__ is float and 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0:
                    points.append(point)  # the common case, checked in one pass
                    continue
            if not isinstance(point, list) or len(point) != 2:
                self.report((*path, i), f"expected a point [x, y], got {shown(point)}")
                return None
            x, y = (self._coordinate(c, (*path, i)) for c in point)
            if x is None or y is None:
                return None
            points.append([x, y])
        return points

    def _polyline(self, value: Any, path: FieldPath) -> list[list[float]] | None:
        points = self._points(value, path, 2)
        if points is not None and all(p == points[0] for p in points):
            self.report(path, f"the polyline has no length: all its points are {points[0]}")
            return None
        return points

    def _ring(self, value: Any, path: FieldPath, budget: int) -> list[list[float]] | None:
        ring = self._points(value, path, 3, budget)
        if ring is not None and abs(_area(ring)) < _MIN_AREA:
            self.report(path, "the polygon has no area: its points are all on one line")
            return None
        return ring

    def _polygon(self, value: Any, path: FieldPath) -> list[list[list[list[float]]]] | None:
        ring = self._ring(value, path, MAX_POINTS)
        return None if ring is None else [[ring]]

    def _polygons(self, value: Any, path: FieldPath) -> list[list[list[list[float]]]] | None:
        if not isinstance(value, list) or not value:
            self.report(path, "expected a list of polygons, each a list of rings [[x, y], ...]")
            return None
        polygons = []
        budget = MAX_POINTS
        for i, polygon in enumerate(value):
            if not isinstance(polygon, list) or not polygon:
                self.report((*path, i), "expected a polygon: a list of rings, the outline first, then holes")
                return None
            rings = []
            for j, item in enumerate(polygon):
                ring = self._ring(item, (*path, i, j), budget)
                if ring is None:
                    return None
                budget -= len(ring)
                rings.append(ring)
            polygons.append(rings)
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
            if not isinstance(value["png"], str) or not value["png"].strip() or "\x00" in value["png"]:
                self.report((*path, "png"), f"expected the path of a PNG file, got {shown(value['png'])}")
                return None
            mask_path = self.base_dir / value["png"]
            try:
                width, height, mask = read_mask(mask_path)
            except FileNotFoundError:
                self.report((*path, "png"), f"no file {mask_path}")
                return None
            except (PngError, ValueError, OSError) as exc:
                self.report((*path, "png"), f"cannot read {mask_path}: {exc}")
                return None
            if all(frame_size) and (width, height) != frame_size:
                self.report((*path, "png"), f"mask is {width}x{height} pixels but {where} is {_size(frame_size)}")
                return None
            rle = mask_to_rle_string(mask)
        else:
            rle = value["rle"]
            if not isinstance(rle, str) or not _RLE.fullmatch(rle):
                self.report((*path, "rle"), "expected an Encord RLE string (characters 0 to o)")
                return None
            if self.data and not all(frame_size):
                self.report(
                    (*path, "rle"),
                    f"the remote does not say how large {where} is, so an RLE cannot be checked: give the mask as"
                    " `png:` instead",
                )
                return None
            if self.data and rle_string_length(rle) != width * height:
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


def _round_extent(shape: dict[str, float], aspect: float | None) -> tuple[float | None, float | None]:
    """Half the width and half the height (of the frame's) a circle or an ellipse covers, rotated by theta
    in pixels; None for a half that depends on the frame's aspect ratio (width / height) when not known."""
    cos, sin = math.cos(math.radians(shape["theta"])), math.sin(math.radians(shape["theta"]))
    if "r" in shape:  # semi-axes r and r * stretch, both of the width
        r, stretch = shape["r"], shape["stretch"]
        half_width = r * math.hypot(cos, stretch * sin)
        tall = r * math.hypot(sin, stretch * cos)
        return half_width, None if aspect is None else tall * aspect
    rx, ry = shape["rx"], shape["ry"]  # of the width and of the height
    if aspect is None:
        level = abs(sin) < 1e-12
        return (rx, ry) if level else (None, None)
    return math.hypot(rx * cos, ry * sin / aspect), math.hypot(rx * sin * aspect, ry * cos)


def _area(ring: list[list[float]]) -> float:
    """The signed area of a ring (shoelace), of the frame."""
    twice = 0.0
    x0, y0 = ring[-1]
    for x1, y1 in ring:
        twice += x0 * y1 - x1 * y0
        x0, y0 = x1, y1
    return twice / 2


def _sum(a: float, b: float) -> str:
    return f"{a + b:.6g}"


def _pair(item: list[Any]) -> tuple[int, int] | None:
    if len(item) != 2 or not all(type(n) is int and n >= 0 for n in item) or item[0] > item[1]:
        return None
    return (item[0], item[1])


def _size(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"
