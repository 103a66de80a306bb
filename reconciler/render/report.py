"""The plan as one self-contained HTML page: each changed label drawn before (red) and after (green).

`render_report(plan, units)` is pure: the plan's dict form (`planfile.plan_to_dict`) and what is known of each
row's data unit (`ReportUnit`, by data hash) in, one HTML document out. Geometry is inline SVG drawn here, so
the page needs no script to show anything; one small inline script only writes what it counted into
`#report-status` (drawn labels, errors caught by `window.onerror`, images that did not load) for a test or a
curious reviewer to read.

Every string a plan holds is untrusted: text is made inert (`escape.inert`) and HTML-escaped, and the only
media used is an http(s) URL or a `data:` URI of a PNG, JPEG, GIF or WebP image (`reconciler/cli/report_io.py`
embeds local files as such); anything else is a blank frame of the data unit's size. A Content-Security-Policy
allows the page's own script and style (by hash), images from `data:` and the origins of the media URLs, and
nothing else. The page is bounded: `MAX_ROWS` rows, `MAX_CHANGES` labels a row, `MAX_PANELS` frames a row,
`MAX_POINTS` points a shape, `MAX_MASK_PIXELS` of decoded masks and `MAX_MEDIA_CHARS` of embedded images,
each with a line saying what was left out.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
import struct
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from reconciler.desired.frames import format_range
from reconciler.render.escape import inert
from reconciler.render.lines import row_heading, row_lines, summary_line
from reconciler.rle import _string_to_counts

BEFORE = "#e03131"
"""Red: the label as the remote holds it now."""
AFTER = "#2f9e44"
"""Green: the label as apply writes it."""
MAX_ROWS = 500
MAX_CHANGES = 200
"""Labels drawn per row; the rest are counted."""
MAX_PANELS = 24
"""Frames drawn per row of a video (or image group, or series); the rest are counted."""
MAX_POINTS = 4000
"""Points drawn per shape: a polygon or polyline with more is thinned evenly."""
MAX_MASK_PIXELS = 50_000_000
"""Mask pixels decoded over the report; masks past it are drawn as the rectangle they cover."""
MAX_MEDIA_CHARS = 96 * 1024 * 1024
"""Characters of embedded (data: URI) images over the report; past it, blank frames."""
MAX_URL = 8192
_DEFAULT_SIZE = (1000, 750)
"""The frame drawn when the remote does not say how large the data unit is."""
_DATA_URI = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]*={0,2}")
_HOST = re.compile(r"[A-Za-z0-9.\-]+(?::[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?")
_RLE = re.compile(r"[0-o]*")
_FRAMED_TYPES = frozenset({"video", "img_group", "dicom", "nifti"})
_RANGED_TYPES = frozenset({"audio", "plain_text", "time_series"})
_RANGED_SHAPES = frozenset({"audio", "text", "time_range"})
_ACTIONS = {"create": "add", "update": "change", "delete": "delete"}


@dataclass(frozen=True, slots=True)
class ReportUnit:
    """What the report knows of a data unit: its size, its frame count, its file and its type."""

    width: int = 0
    height: int = 0
    frames: int = 1
    media: str = ""
    """An http(s) URL or a data: URI of the image; a local path is embedded by `report_io`, else not used."""
    type: str = "image"
    """The data type, as `reconciler.model.DataType` values it (`image`, `video`, `img_group`, ...)."""


@dataclass
class _Budget:
    mask_pixels: int = MAX_MASK_PIXELS
    media_chars: int = MAX_MEDIA_CHARS
    origins: set[str] = field(default_factory=set)


@dataclass
class _Counts:
    labels: int = 0
    """Changes (labels) in the plan."""
    drawn: set[str] = field(default_factory=set)
    """Ids (`row:change`) of the changes something was drawn for."""


class ReportRows:
    """The rows a report draws (the first `MAX_ROWS` that change), from rows given one at a time (a streamed
    plan's); the rows after them only counted."""

    def __init__(self) -> None:
        self.drawn: list[dict[str, Any]] = []
        self.more_rows = 0
        self.more_labels = 0

    @classmethod
    def of(cls, rows: Iterable[dict[str, Any]]) -> ReportRows:
        made = cls()
        for row in rows:
            made.add(row)
        return made

    def add(self, row: dict[str, Any]) -> None:
        if not (row["changes"] or row["tag_changes"]):
            return
        if len(self.drawn) < MAX_ROWS:
            self.drawn.append(row)
        else:
            self.more_rows += 1
            self.more_labels += len(row["changes"])


def render_report(plan: dict[str, Any], units: Mapping[str, ReportUnit], rows: ReportRows | None = None) -> str:
    """The plan as one HTML document: a summary, then per changed row its panels and its diff. `rows`: the
    plan's, given one at a time (then `plan["rows"]` is not read); by default, `plan["rows"]`."""
    if rows is None:
        rows = ReportRows.of(plan["rows"])
    budget, counts = _Budget(), _Counts()
    edges = _skeleton_edges(plan.get("ontology_editor"))
    counts.labels = sum(len(row["changes"]) for row in rows.drawn) + rows.more_labels
    sections: list[str] = []
    for index, row in enumerate(rows.drawn):
        unit = units.get(row["data_hash"], ReportUnit(frames=0, type=""))
        sections.append(_row_section(index, row, unit, edges, budget, counts))
    if rows.more_rows:
        more, changes = rows.more_rows, rows.more_labels
        sections.append(
            f'<p class="left-out">... and {more} more label row{_s(more)} ({changes} label'
            f"{_s(changes)}) not drawn: the report draws at most {MAX_ROWS}. Every change is in the JSON plan.</p>"
        )
    header = _header(plan, len(rows.drawn) + rows.more_rows)
    status = json.dumps({"drawn": len(counts.drawn), "labels": counts.labels, "errors": []})
    body = (
        f'<body data-drawn="{len(counts.drawn)}" data-labels="{counts.labels}">\n{header}'
        f'<p id="report-status">{_e(status)}</p>\n' + "\n".join(sections) + "\n</body>"
    )
    return _document(body, budget.origins)


# -- the page ------------------------------------------------------------------------------------------

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#212529;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:0 0 6px;word-break:break-all}
.row{border-top:1px solid #dee2e6;padding:14px 0}
.panels{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start}
figure{margin:0;border:1px solid #ced4da;background:#f8f9fa}
figure.large svg{width:720px;max-width:100%;height:auto;display:block}
figure.small svg{width:220px;height:auto;display:block}
figure.lanes svg{width:900px;max-width:100%;height:auto;display:block}
figcaption{font-size:12px;padding:2px 6px;color:#495057;word-break:break-all}
pre{background:#f8f9fa;padding:8px;overflow-x:auto;font-size:12px;margin:8px 0 0}
pre .add{color:#2b8a3e}pre .del{color:#c92a2a}pre .chg{color:#e67700}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:-1px}
.legend .before{background:#e03131}.legend .after{background:#2f9e44}
.note,.left-out{color:#868e96;font-size:12px}#report-status{color:#868e96;font-size:11px}
"""

_SCRIPT = """(function(){
var errors=[],failed=0;
window.onerror=function(m,s,l,c){errors.push(String(m)+" ("+l+":"+c+")");show();};
window.addEventListener("error",function(e){var t=e.target;if(t&&t!==window&&t.tagName){failed++;show();}},true);
function show(){var el=document.getElementById("report-status");if(!el){return;}
 var seen={},drawn=0,g=document.querySelectorAll("[data-change]");
 for(var i=0;i<g.length;i++){var k=g[i].getAttribute("data-change");if(!seen[k]){seen[k]=1;drawn++;}}
 el.textContent=JSON.stringify({drawn:drawn,labels:Number(document.body.getAttribute("data-labels")),
  errors:errors,images:document.querySelectorAll("image[href]").length,images_failed:failed,
  loaded:document.readyState==="complete"});}
document.addEventListener("DOMContentLoaded",show);window.addEventListener("load",show);
})();"""


def _document(body: str, origins: Iterable[str]) -> str:
    images = " ".join(["data:", *sorted(origins)])
    policy = (
        f"default-src 'none'; img-src {images}; style-src '{_sha256(_STYLE)}'; script-src '{_sha256(_SCRIPT)}';"
        " base-uri 'none'; form-action 'none'"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(policy)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>labelsync plan report</title>\n"
        f"<style>{_STYLE}</style>\n<script>{_SCRIPT}</script>\n</head>\n{body}\n</html>\n"
    )


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _header(plan: dict[str, Any], rows: int) -> str:
    made = f", made {_t(str(plan.get('created_at') or ''))}" if plan.get("created_at") else ""
    legend = (
        '<span class="before"></span>before (the remote now)<span class="after"></span>after (what apply writes)'
    )
    out = [
        "<h1>labelsync plan</h1>",
        f"<p><strong>{_t(summary_line(plan))}</strong></p>",
        f"<p>Remote: <code>{_t(str(plan['remote']))}</code>{made}</p>",
        f'<p class="legend">{legend}</p>',
    ]
    out += [f'<p class="note">{_t(str(w))}</p>' for w in plan.get("warnings", [])]
    if not rows:
        out.append("<p>No changes: the remote matches the label files.</p>")
    return "\n".join(out) + "\n"


def _row_section(
    index: int,
    row: dict[str, Any],
    unit: ReportUnit,
    edges: Mapping[str, list[tuple[str, str]]],
    budget: _Budget,
    counts: _Counts,
) -> str:
    changes = list(enumerate(row["changes"]))
    shown, hidden = changes[:MAX_CHANGES], len(changes) - MAX_CHANGES
    width, height = (unit.width, unit.height) if unit.width > 0 and unit.height > 0 else _DEFAULT_SIZE
    frame = _Frame(width, height, unit.width > 0 and unit.height > 0)
    ranged = [(i, c) for i, c in shown if _is_ranged(c)]
    classifications = [(i, c) for i, c in shown if _label(c, "classification") is not None]
    elsewhere = {i for i, _ in ranged} | {i for i, _ in classifications}
    geometric = [(i, c) for i, c in shown if i not in elsewhere]
    parts: list[str] = []
    notes: list[str] = []
    if geometric:
        parts += _frame_panels(index, geometric, unit, frame, edges, budget, counts, notes)
    if ranged:
        parts.append(_ranged_panel(index, ranged, counts))
    if classifications:
        parts.append(_classification_panel(index, classifications, unit, counts))
    if hidden > 0:
        notes.append(
            f"... and {hidden} more label{_s(hidden)} of this row not drawn (at most {MAX_CHANGES} a row)"
        )
    if not frame.known:
        notes.append("the remote does not say how large this data unit is: drawn on a frame of 1000 x 750")
    diff = "\n".join(_diff_line(line.sign, line.depth, line.text) for line in row_lines(row))
    c = row["counts"]
    return (
        f'<section class="row" id="row-{index}">\n<h2>{_e(row_heading(row))}</h2>\n'
        f'<p class="note">+{c["add"]} ~{c["change"]} -{c["delete"]}, {c["tag_changes"]} tag change'
        f"{_s(c['tag_changes'])}</p>\n"
        f'<div class="panels">\n'
        + "\n".join(parts)
        + "\n</div>\n"
        + "".join(f'<p class="left-out">{_e(note)}</p>\n' for note in notes)
        + f"<pre>{diff}</pre>\n</section>"
    )


def _diff_line(sign: str, depth: int, text: str) -> str:
    css = {"+": "add", "-": "del", "~": "chg"}.get(sign, "")
    return f'<span class="{css}">{_e(sign)} {"  " * depth}{_e(text)}</span>'


# -- frames ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    width: int
    height: int
    known: bool


def _frame_panels(
    index: int,
    changes: list[tuple[int, dict[str, Any]]],
    unit: ReportUnit,
    frame: _Frame,
    edges: Mapping[str, list[tuple[str, str]]],
    budget: _Budget,
    counts: _Counts,
    notes: list[str],
) -> list[str]:
    """One panel per frame a change draws on: the whole frame for an image, a strip of frames otherwise."""
    by_change = {i: _changed_frames(c) for i, c in changes}
    frames = sorted({f for fs in by_change.values() for f in fs})
    chosen = _choose_frames(by_change, frames)
    if len(frames) > len(chosen):
        more = len(frames) - len(chosen)
        notes.append(f"... and {more} more frame{_s(more)} with changes not drawn (at most {MAX_PANELS} a row)")
    strip = unit.type in _FRAMED_TYPES or unit.frames > 1 or chosen != [0]
    media = _media(unit, budget) if not strip else ""
    if unit.media and not media and not strip:
        notes.append("its image is not drawn (not an http(s) URL or an embedded PNG, JPEG, GIF or WebP image)")
    panels = []
    for number in chosen:
        shapes = []
        for i, change in changes:
            if number not in by_change[i]:
                continue
            drawn = _draw_change(f"{index}:{i}", change, number, frame, edges, budget, large=not strip)
            if drawn:
                counts.drawn.add(f"{index}:{i}")
                shapes.append(drawn)
        caption = f"frame {number}" if strip else "image"
        panels.append(_panel(frame, media, shapes, caption, "small" if strip else "large"))
    return panels


def _choose_frames(by_change: Mapping[int, list[int]], frames: list[int]) -> list[int]:
    """At most MAX_PANELS frames: each change's first changed frame first (so every label is drawn where the
    bound allows), then the earliest others."""
    chosen: list[int] = []
    for fs in by_change.values():
        if fs and fs[0] not in chosen and len(chosen) < MAX_PANELS:
            chosen.append(fs[0])
    for f in frames:
        if len(chosen) >= MAX_PANELS:
            break
        if f not in chosen:
            chosen.append(f)
    return sorted(chosen)


def _changed_frames(change: dict[str, Any]) -> list[int]:
    """The frames whose geometry differs between the sides; every frame of a change that only moves tags or
    attributes (so it is drawn where it is)."""
    before = _frames_of(_label(change, "object", "before"))
    after = _frames_of(_label(change, "object", "after"))
    keys = set(before) | set(after)
    differ = sorted(f for f in keys if before.get(f) != after.get(f))
    return differ or sorted(keys)[:1]


def _frames_of(obj: dict[str, Any] | None) -> dict[int, Any]:
    frames = obj.get("frames") if obj else None
    if not isinstance(frames, dict):
        return {}
    return {int(k): v for k, v in frames.items() if str(k).isdigit()}


def _panel(frame: _Frame, media: str, shapes: list[str], caption: str, size: str) -> str:
    w, h = frame.width, frame.height
    image = f'<image href="{_e(media)}" x="0" y="0" width="{w}" height="{h}" preserveAspectRatio="none"/>'
    return (
        f'<figure class="{size}"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img">'
        f'<rect x="0" y="0" width="{w}" height="{h}" fill="#e9ecef"/>'
        + (image if media else "")
        + "".join(shapes)
        + f"</svg><figcaption>{_e(caption)} ({w} x {h})</figcaption></figure>"
    )


def _media(unit: ReportUnit, budget: _Budget) -> str:
    """The unit's image as the page may load it, or "" (a blank frame)."""
    media = unit.media
    if not media or unit.type not in ("image", ""):
        return ""
    if media.startswith("data:"):
        if not _DATA_URI.fullmatch(media) or len(media) > budget.media_chars:
            return ""
        budget.media_chars -= len(media)
        return media
    origin = _web_origin(media)
    if origin is None:
        return ""
    budget.origins.add(origin)
    return media


def _web_origin(url: str) -> str | None:
    """`scheme://host[:port]` of an http(s) URL the page may load; None for anything else."""
    if len(url) > MAX_URL or not url.isprintable() or any(c.isspace() for c in url) or '"' in url or "'" in url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return None
    if not _HOST.fullmatch(parts.netloc):
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


# -- shapes ----------------------------------------------------------------------------------------------


def _draw_change(
    ident: str,
    change: dict[str, Any],
    number: int,
    frame: _Frame,
    edges: Mapping[str, list[tuple[str, str]]],
    budget: _Budget,
    *,
    large: bool,
) -> str:
    out = []
    for side, colour in (("before", BEFORE), ("after", AFTER)):
        obj = _label(change, "object", side)
        geometry = _frames_of(obj).get(number)
        if obj is None or not isinstance(geometry, dict) or len(geometry) != 1:
            continue
        ((key, value),) = geometry.items()
        try:
            elements, anchor = _shape(str(key), value, frame, colour, edges.get(str(obj.get("feature"))), budget)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError):
            elements, anchor = [], None
        if not elements:
            elements = [_text_at(8, 8 + _font(frame, large), f"({key}: cannot draw)", colour, frame, large)]
            anchor = (8.0, 8.0)
        label = f"{change['name']} ({change['class']})" if change["name"] != change["class"] else change["class"]
        tip = f"{side}: {_ACTIONS.get(change['action'], change['action'])} {change['kind']} {label} [{key}]"
        text = ""
        if anchor is not None:
            x, y = anchor
            size = _font(frame, large)
            y = y - size * 0.35 if side == "before" else y + size * 1.1
            text = _text_at(x, min(max(y, size), frame.height - 2), label, colour, frame, large)
        out.append(
            f'<g class="label {side}" data-change="{ident}" data-side="{side}" data-shape="{_t(str(key))}">'
            f"<title>{_t(tip)}</title>{''.join(elements)}{text}</g>"
        )
    return "".join(out)


def _font(frame: _Frame, large: bool) -> float:
    return max(frame.width, frame.height) / (48 if large else 20)


def _text_at(x: float, y: float, text: str, colour: str, frame: _Frame, large: bool) -> str:
    size = _font(frame, large)
    return (
        f'<text x="{_n(max(x, 0))}" y="{_n(y)}" font-size="{_n(size)}" fill="{colour}" stroke="#fff"'
        f' stroke-width="{_n(size / 5)}" paint-order="stroke" font-family="sans-serif">{_t(text)}</text>'
    )


def _style(colour: str, fill: bool = True, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    filled = f'fill="{colour}" fill-opacity="0.15"' if fill else 'fill="none"'
    return f'{filled} stroke="{colour}" stroke-width="2" vector-effect="non-scaling-stroke"{dash}'


Point = tuple[float, float]


def _shape(
    key: str,
    value: Any,
    frame: _Frame,
    colour: str,
    edges: list[tuple[str, str]] | None,
    budget: _Budget,
) -> tuple[list[str], Point | None]:
    """SVG elements drawing one shape in pixels of the frame, and where its label goes (its top left)."""
    w, h = frame.width, frame.height

    def px(p: Any) -> Point:
        return (_f(p[0]) * w, _f(p[1]) * h)

    def pxd(p: Any) -> Point:
        return (_f(p["x"]) * w, _f(p["y"]) * h)

    if key in ("box", "rotated_box"):
        x, y, bw, bh = _f(value["x"]) * w, _f(value["y"]) * h, _f(value["w"]) * w, _f(value["h"]) * h
        theta = _f(value.get("theta", 0.0)) if key == "rotated_box" else 0.0
        turn = f' transform="rotate({_n(theta)} {_n(x + bw / 2)} {_n(y + bh / 2)})"' if theta else ""
        corners = _rotated([(x, y), (x + bw, y), (x + bw, y + bh), (x, y + bh)], theta, (x + bw / 2, y + bh / 2))
        rect = f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(bw)}" height="{_n(bh)}"{turn} {_style(colour)}/>'
        return [rect], _top_left(corners)
    if key == "polygon":
        rings = [_thinned([px(p) for p in ring]) for polygon in value for ring in polygon]
        d = " ".join("M" + " L".join(f"{_n(x)} {_n(y)}" for x, y in ring) + " Z" for ring in rings if ring)
        outline = [p for ring in rings for p in ring]
        return [f'<path d="{d}" fill-rule="evenodd" {_style(colour)}/>'], _top_left(outline)
    if key == "polyline":
        line = _thinned([px(p) for p in value])
        return [f'<polyline points="{_pts(line)}" {_style(colour, fill=False)}/>'], _top_left(line)
    if key == "point":
        x, y = pxd(value)
        return _marker(x, y, frame, colour), (x, y)
    if key == "skeleton":
        points = {str(name): pxd(p) for name, p in value.items()}
        out = [
            f'<line x1="{_n(points[a][0])}" y1="{_n(points[a][1])}" x2="{_n(points[b][0])}" y2="{_n(points[b][1])}"'
            f" {_style(colour, fill=False)}/>"
            for a, b in edges or ()
            if a in points and b in points
        ]
        for name, (x, y) in points.items():
            seen = value[name].get("visibility", "visible") == "visible"
            out += _marker(x, y, frame, colour, hollow=not seen, tip=name)
        return out, _top_left(list(points.values()))
    if key in ("circle", "ellipse"):
        cx, cy = pxd(value)
        if key == "circle":
            rx = _f(value["r"]) * w
            ry = rx * _f(value.get("stretch", 1.0))
        else:
            rx, ry = _f(value["rx"]) * w, _f(value["ry"]) * h
        theta = _f(value.get("theta", 0.0))
        turn = f' transform="rotate({_n(theta)} {_n(cx)} {_n(cy)})"' if theta else ""
        ellipse = f'<ellipse cx="{_n(cx)}" cy="{_n(cy)}" rx="{_n(rx)}" ry="{_n(ry)}"{turn} {_style(colour)}/>'
        return [ellipse], (cx - max(rx, ry), cy - max(rx, ry))
    if key == "cuboid_2d":
        front = [px(p) for p in value["front"]]
        if "vanishing_point" in value:
            vx, vy = pxd(value["vanishing_point"])
            ratio = _f(value["scale_ratio"])
            back = [(vx + (x - vx) * ratio, vy + (y - vy) * ratio) for x, y in front]
        else:
            ox, oy = pxd(value["offset"])
            back = [(x + ox, y + oy) for x, y in front]
        out = [
            f'<polygon points="{_pts(back)}" {_style(colour, fill=False, dashed=True)}/>',
            *(
                f'<line x1="{_n(a[0])}" y1="{_n(a[1])}" x2="{_n(b[0])}" y2="{_n(b[1])}" {_style(colour, fill=False)}/>'
                for a, b in zip(front, back, strict=True)
            ),
            f'<polygon points="{_pts(front)}" {_style(colour)}/>',
        ]
        return out, _top_left(front + back)
    if key == "bitmask":
        return _bitmask(value, frame, colour, budget)
    return [], None


def _marker(x: float, y: float, frame: _Frame, colour: str, hollow: bool = False, tip: str = "") -> list[str]:
    r = max(frame.width, frame.height) / 120
    fill = "#fff" if hollow else colour
    title = f"<title>{_t(tip)}</title>" if tip else ""
    return [
        f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{fill}" stroke="{colour}" stroke-width="2"'
        f' vector-effect="non-scaling-stroke">{title}</circle>'
    ]


def _bitmask(value: Any, frame: _Frame, colour: str, budget: _Budget) -> tuple[list[str], Point | None]:
    """The mask's pixels as a translucent PNG where the budget allows, and the rectangle of its set pixels."""
    top, left = int(value.get("top", 0)), int(value.get("left", 0))
    mw, mh, rle = int(value["width"]), int(value["height"]), str(value["rle"])
    if not (mw > 0 and mh > 0 and top >= 0 and left >= 0) or not _RLE.fullmatch(rle):
        raise ValueError("not a mask")
    # mask pixels are the frame's; on a frame of unknown size the mask says how large it is
    sx, sy = (1.0, 1.0) if frame.known else (frame.width / (left + mw), frame.height / (top + mh))
    counts = _string_to_counts(rle)
    if any(c < 0 for c in counts) or sum(counts) != mw * mh:
        raise ValueError("the RLE does not cover the mask")
    runs = list(_set_runs(counts))
    bounds = _run_bounds(runs, mw)
    out = []
    if bounds is None:  # an empty mask: the area it covers
        x0, y0, x1, y1 = 0, 0, mw, mh
    else:
        x0, y0, x1, y1 = bounds
        if mw * mh <= budget.mask_pixels:
            budget.mask_pixels -= mw * mh
            png = _mask_png(runs, mw, mh, colour)
            uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            out.append(
                f'<image href="{uri}" x="{_n(left * sx)}" y="{_n(top * sy)}" width="{_n(mw * sx)}"'
                f' height="{_n(mh * sy)}" preserveAspectRatio="none" opacity="0.55" image-rendering="pixelated"/>'
            )
    rect = (
        f'<rect x="{_n((left + x0) * sx)}" y="{_n((top + y0) * sy)}" width="{_n((x1 - x0) * sx)}"'
        f' height="{_n((y1 - y0) * sy)}" {_style(colour, fill=False, dashed=True)}/>'
    )
    out.append(rect)
    return out, ((left + x0) * sx, (top + y0) * sy)


def _set_runs(counts: list[int]) -> Iterator[tuple[int, int]]:
    """(start, length) of each run of set pixels: the odd runs of an RLE whose first run is of zeros."""
    position = 0
    for i, count in enumerate(counts):
        if i % 2 and count:
            yield position, count
        position += count


def _run_bounds(runs: list[tuple[int, int]], width: int) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1), end exclusive, of the set pixels; None for an empty mask."""
    if not runs:
        return None
    x0, y0, x1, y1 = width, math.inf, 0, 0
    for start, length in runs:
        end = start + length - 1
        r0, r1 = start // width, end // width
        y0, y1 = min(y0, r0), max(y1, r1 + 1)
        if r0 != r1:
            x0, x1 = 0, width
        else:
            x0, x1 = min(x0, start % width), max(x1, end % width + 1)
    return int(x0), int(y0), int(x1), int(y1)


def _mask_png(runs: list[tuple[int, int]], width: int, height: int, colour: str) -> bytes:
    """A palette PNG: transparent, with the set pixels in `colour`."""
    pixels = bytearray(width * height)
    for start, length in runs:
        pixels[start : start + length] = b"\x01" * length
    raw = b"".join(b"\x00" + bytes(pixels[r * width : (r + 1) * width]) for r in range(height))
    rgb = bytes.fromhex(colour[1:])

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
        + chunk(b"PLTE", b"\x00\x00\x00" + rgb)
        + chunk(b"tRNS", b"\x00\xff")
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def _rotated(points: list[Point], theta: float, centre: Point) -> list[Point]:
    if not theta:
        return points
    a = math.radians(theta)
    cos, sin = math.cos(a), math.sin(a)
    cx, cy = centre
    return [(cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos) for x, y in points]


def _thinned(points: list[Point]) -> list[Point]:
    if len(points) <= MAX_POINTS:
        return points
    step = len(points) / MAX_POINTS
    return [points[int(i * step)] for i in range(MAX_POINTS)]


def _top_left(points: list[Point]) -> Point | None:
    if not points:
        return None
    return (min(x for x, _ in points), min(y for _, y in points))


# -- ranges: ranged shapes and classifications -------------------------------------------------------------

_LANE = 40
_LANE_WIDTH = 1000


def _ranged_panel(index: int, changes: list[tuple[int, dict[str, Any]]], counts: _Counts) -> str:
    """Audio, text and time-series objects: one lane per label, a bar per range, before above after."""
    lanes = []
    span = 1
    for _, change in changes:
        for side in ("before", "after"):
            for value in _frames_of(_label(change, "object", side)).values():
                ((_, ranges),) = value.items() if isinstance(value, dict) and len(value) == 1 else (("", []),)
                span = max([span, *(_end(r) + 1 for r in ranges if not isinstance(r, dict))])
    for i, change in changes:
        sides: dict[str, Any] = {}
        for side in ("before", "after"):
            value = _frames_of(_label(change, "object", side)).get(0)
            sides[side] = next(iter(value.values())) if isinstance(value, dict) and len(value) == 1 else None
        lanes.append((f"{index}:{i}", change, sides))
    caption = f"ranges (0 to {span - 1})"
    return _lanes_panel(lanes, span, caption, counts)


def _classification_panel(
    index: int, changes: list[tuple[int, dict[str, Any]]], unit: ReportUnit, counts: _Counts
) -> str:
    """Classifications: one lane per label over the row's frames (the whole bar on an image or for a global
    classification)."""
    span = max(unit.frames, 1)
    lanes = []
    for i, change in changes:
        sides: dict[str, Any] = {}
        for side in ("before", "after"):
            cls = _label(change, "classification", side)
            if cls is None:
                sides[side] = None
                continue
            ranges = cls.get("ranges") or []
            sides[side] = ranges if ranges else [[0, span - 1]]
            span = max([span, *(_end(r) + 1 for r in ranges)])
        lanes.append((f"{index}:{i}", change, sides))
    caption = "classifications" + (f", over frames 0 to {span - 1}" if span > 1 else "")
    return _lanes_panel(lanes, span, caption, counts)


def _lanes_panel(
    lanes: list[tuple[str, dict[str, Any], dict[str, Any]]], span: int, caption: str, counts: _Counts
) -> str:
    height = _LANE * len(lanes) + 6
    out = []
    scale = (_LANE_WIDTH - 20) / max(span, 1)
    for n, (ident, change, sides) in enumerate(lanes):
        y = n * _LANE + 4
        label = f"{change['name']} ({change['class']})" if change["name"] != change["class"] else change["class"]
        action = _ACTIONS.get(change["action"], change["action"])
        out.append(
            f'<text x="10" y="{y + 12}" font-size="13" fill="#343a40" font-family="sans-serif">{_t(action)} '
            f"{_t(label)}</text>"
        )
        for side, colour, offset in (("before", BEFORE, 16), ("after", AFTER, 27)):
            ranges = sides.get(side)
            if ranges is None:
                continue
            bars: list[str] = []
            for r in ranges[:MAX_POINTS]:
                if isinstance(r, dict):  # an HTML range: where it starts and ends, as text
                    bars.append(
                        f'<text x="{10 + 160 * len(bars)}" y="{y + offset + 9}" font-size="10" fill="{colour}"'
                        f' font-family="monospace">{_t(_html_range(r))}</text>'
                    )
                    continue
                start, end = _start(r), _end(r)
                bars.append(
                    f'<rect x="{_n(10 + start * scale)}" y="{y + offset}" width="{_n(max((end - start + 1) * scale, 2))}"'
                    f' height="9" {_style(colour)}><title>{_t(f"{side}: {format_range((start, end))}")}</title></rect>'
                )
            if bars:
                counts.drawn.add(ident)
                out.append(f'<g class="label {side}" data-change="{ident}" data-side="{side}">{"".join(bars)}</g>')
    return (
        f'<figure class="lanes"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_LANE_WIDTH} {height}"'
        f' role="img"><rect x="0" y="0" width="{_LANE_WIDTH}" height="{height}" fill="#fff"/>{"".join(out)}</svg>'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _start(r: Any) -> int:
    return int(r[0])


def _end(r: Any) -> int:
    return int(r[-1])


def _html_range(r: dict[str, Any]) -> str:
    start, end = r.get("start", {}), r.get("end", {})
    return f"{start.get('xpath')}:{start.get('offset')} - {end.get('xpath')}:{end.get('offset')}"[:60]


def _is_ranged(change: dict[str, Any]) -> bool:
    for side in ("before", "after"):
        for value in _frames_of(_label(change, "object", side)).values():
            if isinstance(value, dict) and set(value) & _RANGED_SHAPES:
                return True
    return False


# -- helpers ---------------------------------------------------------------------------------------------


def _label(change: dict[str, Any], kind: str, side: str | None = None) -> dict[str, Any] | None:
    """The object (or classification) dict of one side of a change; with no side, of either side."""
    for s in (side,) if side else ("after", "before"):
        label = change.get(s)
        if isinstance(label, dict) and isinstance(label.get(kind), dict):
            found: dict[str, Any] = label[kind]
            return found
    return None


def _skeleton_edges(editor: Any) -> dict[str, list[tuple[str, str]]]:
    """Per skeleton class (feature hash), its edges as pairs of point names, from the plan's ontology."""
    out: dict[str, list[tuple[str, str]]] = {}
    templates = editor.get("skeleton_templates") if isinstance(editor, dict) else None
    for entry in templates if isinstance(templates, list) else ():
        template = entry.get("template") if isinstance(entry, dict) else None
        if not isinstance(template, dict):
            continue
        points, links = template.get("skeleton"), template.get("skeletonEdges")
        if not isinstance(points, dict) or not isinstance(links, dict):
            continue
        names = {str(k): str(p.get("name")) for k, p in points.items() if isinstance(p, dict)}
        pairs = [
            (names[str(a)], names[str(b)])
            for a, ends in links.items()
            if isinstance(ends, dict)
            for b in ends
            if str(a) in names and str(b) in names
        ]
        out[str(template.get("feature_node_hash"))] = pairs
    return out


def _f(value: Any) -> float:
    """A finite number (a bool or anything else is an error: the shape is not drawn)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"not a number: {value!r}")
    return float(value)


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if math.isfinite(value) else "0"


def _pts(points: list[Point]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _t(text: str) -> str:
    """A string from the plan as HTML text: inert (no control, bidi or invisible characters) and escaped."""
    return html.escape(inert(text), quote=True)


def _s(count: int) -> str:
    return "s" if count != 1 else ""
