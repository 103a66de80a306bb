"""The plan as signed lines, shared by the text and markdown renderers so they never disagree.

Every string a plan holds came from a label file, an ontology, a remote or a plan file: lines are
made inert here (`escape`), once for both renderers, so none can break a line, colour a terminal or
pass for a line labelsync writes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from reconciler.render.escape import inert, lead

MAX_FIELDS = 25
"""Lines shown of one change's fields; the rest are counted (and are in the JSON plan)."""
MAX_POINTS = 10
"""Points of one shape listed (moved, added, removed); the rest are counted."""
SIGNIFICANT = 6
"""Significant digits a number is shown with, unless its pair needs more to differ (up to 17)."""
_SIGN = {"create": "+", "update": "~", "delete": "-"}


class Line(NamedTuple):
    sign: str
    """`+` added, `~` changed, `-` deleted, ` ` context."""
    depth: int
    text: str


def value(v: Any) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, float):
        return f"{v:.{SIGNIFICANT}g}"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if _is_points(v):
        shown = ", ".join(_point(p) for p in v[:MAX_POINTS])
        more = ", ..." if len(v) > MAX_POINTS else ""
        return f"{len(v)} point{'s' if len(v) != 1 else ''}: {shown}{more}"
    if isinstance(v, list):
        return "[" + ", ".join(value(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def pair(before: Any, after: Any) -> tuple[str, str]:
    """Two values as `value` shows them, each number with the fewest significant digits (at least
    `SIGNIFICANT`) that tell it from its counterpart (`0.12 -> 0.1200000001`); past 16, both as repr
    (the shortest text that reads back as the number: at most 17 digits, and never the same for two)."""
    if _is_number(before) and _is_number(after):
        return _numbers(before, after)
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        if _is_points(before) and _is_points(after) and before:
            return _point_lists(before, after)
        parts = [pair(a, b) for a, b in zip(before, after, strict=True)]
        return "[" + ", ".join(a for a, _ in parts) + "]", "[" + ", ".join(b for _, b in parts) + "]"
    if isinstance(before, dict) and isinstance(after, dict) and list(before) == list(after):
        parts = [pair(before[k], after[k]) for k in before]
        keys = list(before)
        return (
            "{" + ", ".join(f"{k}: {a}" for k, (a, _) in zip(keys, parts, strict=True)) + "}",
            "{" + ", ".join(f"{k}: {b}" for k, (_, b) in zip(keys, parts, strict=True)) + "}",
        )
    return value(before), value(after)


def _numbers(a: float, b: float) -> tuple[str, str]:
    if isinstance(a, int) and isinstance(b, int):
        return str(a), str(b)
    if a == b:
        return value(a), value(b)
    for digits in range(SIGNIFICANT, 17):
        x, y = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if x != y:
            return x, y
    return repr(a), repr(b)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_point(v: Any) -> bool:
    return isinstance(v, list) and len(v) == 2 and all(_is_number(c) for c in v)


def _is_points(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(_is_point(p) for p in v)


def _point(p: list[Any]) -> str:
    return f"({value(p[0])}, {value(p[1])})"


def _point_pair(before: list[Any], after: list[Any]) -> tuple[str, str]:
    (x0, x1), (y0, y1) = _numbers(before[0], after[0]), _numbers(before[1], after[1])
    return f"({x0}, {y0})", f"({x1}, {y1})"


def _point_lists(before: list[Any], after: list[Any]) -> tuple[str, str]:
    pairs = [_point_pair(a, b) for a, b in zip(before[:MAX_POINTS], after[:MAX_POINTS], strict=True)]
    more = ", ..." if len(before) > MAX_POINTS else ""
    count = f"{len(before)} point{'s' if len(before) != 1 else ''}: "
    return (
        count + ", ".join(a for a, _ in pairs) + more,
        count + ", ".join(b for _, b in pairs) + more,
    )


def summary_line(plan: dict[str, Any]) -> str:
    s = plan["summary"]
    rows = f"{s['rows']} label row{'s' if s['rows'] != 1 else ''}"
    tags = f"{s['tag_changes']} tag change{'s' if s['tag_changes'] != 1 else ''}"
    line = f"{s['add']} to add, {s['change']} to change, {s['delete']} to delete across {rows}, {tags}"
    return f"{line} ({s['unchanged_rows']} rows unchanged, {s['unmanaged_rows']} unmanaged)"


def deletes_line(plan: dict[str, Any], flag: str) -> str | None:
    """`3 labels (13% of the 23 the files manage) will be deleted and 2 tags removed: apply needs --allow-delete.`;
    None when the plan deletes nothing. `flag` is the option as the target shows it."""
    s = plan["summary"]
    labels, tags, managed = s["delete"], s["tag_removals"], s["managed_labels"]
    if not labels and not tags:
        return None
    parts = []
    if labels:
        share = f" ({labels / managed:.0%} of the {managed} the files manage)" if managed else ""
        parts.append(f"{labels} label{'s' if labels != 1 else ''}{share} will be deleted")
    if tags:
        parts.append(f"{tags} tag{'s' if tags != 1 else ''} {'removed' if labels else 'will be removed'}")
    return f"{' and '.join(parts)}: apply needs {flag}."


def row_heading(row: dict[str, Any]) -> str:
    branch = "" if row["branch"] == "main" else f" @ {row['branch']}"
    new = "" if row["label_hash"] else " (new label row)"
    return lead(row["title"]) + inert(f"{branch}{new}  <- {row['file']}")


def row_lines(row: dict[str, Any]) -> Iterator[Line]:
    for line in _row_lines(row):
        yield line._replace(text=inert(line.text))


def _row_lines(row: dict[str, Any]) -> Iterator[Line]:
    for change in row["changes"]:
        yield from _change_lines(change)
    for tag in row["tag_changes"]:
        frames = f" on frames {tag['frames']}" if tag["frames"] else ""
        yield Line("+" if tag["action"] == "add" else "-", 1, f"tag {tag['tag']}{frames}")
    if row["counts"]["kept"]:
        count = row["counts"]["kept"]
        yield Line(" ", 1, f"({count} remote label{'s' if count != 1 else ''} kept: the file says prune: false)")
    carried = row["counts"].get("carried", 0)
    if carried:
        what = f"{carried} label{'s' if carried != 1 else ''}"
        yield Line(" ", 1, f"({what} that labelsync cannot declare yet, kept as they are)")


_COORDINATES = ("x", "y", "w", "h", "theta")
_RANGED = ("frames", "audio", "time_range", "text")
_RANGES_TEXT = re.compile(r"[0-9]+(?:-[0-9]+)?(?:, [0-9]+(?:-[0-9]+)?)*")
_POINT_PATH = re.compile(r"(.*) point [^ ]+")
"""`polygon part 2 hole 1 point 4`, `skeleton point top`: the shape, then the point."""


def _grouped(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`box.x = 0.1`, `box.y = 0.2`, ... added (or removed) together shown as one `box = {x: 0.1, y: 0.2, ...}`."""
    out: list[dict[str, Any]] = []
    for field in fields:
        side = "after" if field["before"] is None else "before" if field["after"] is None else None
        parent, _, leaf = field["path"].rpartition(".")
        if side is None or leaf not in _COORDINATES:
            out.append(field)
        elif out and out[-1].get("group") == (parent, side):
            out[-1][side][leaf] = field[side]
        else:
            out.append(
                {"path": parent, "group": (parent, side), "before": None, "after": None, side: {leaf: field[side]}}
            )
    return out


def _title(change: dict[str, Any]) -> str:
    """`object cherry-2 (Cherry), renamed from cherry-1  <- line 14`: the line of the row's file that asks for
    the change, when the plan knows it (a delete has none)."""
    name = change["name"]
    title = f"{change['kind']} {name} ({change['class']})" if name != change["class"] else change["kind"]
    renamed = change.get("renamed_from")
    if renamed:
        title += f", renamed from {renamed}"
    line = change.get("line")
    if isinstance(line, int) and not isinstance(line, bool):
        title += f"  <- line {line}"
    return title


def _change_lines(change: dict[str, Any]) -> Iterator[Line]:
    yield Line(_SIGN[change["action"]], 1, _title(change))
    lines = list(_field_lines(_grouped(change["fields"])))
    yield from lines[:MAX_FIELDS]
    if len(lines) > MAX_FIELDS:
        yield Line(" ", 2, f"... and {len(lines) - MAX_FIELDS} more (see --format json)")
    for tag in change["tags"]:
        yield Line("+" if tag["action"] == "add" else "-", 2, f"tag {tag['tag']}")


def _field_lines(fields: list[dict[str, Any]]) -> Iterator[Line]:
    """One line per field; past `MAX_POINTS` points of one shape, one line counting the rest."""
    shape: str | None = None
    listed = 0
    left: list[dict[str, Any]] = []
    for field in fields:
        match = _POINT_PATH.fullmatch(field["path"])
        of = match.group(1) if match and _point_field(field) else None
        if of is None or of != shape:
            yield from _points_left(left)
            shape, listed, left = of, 0, []
        listed += 1
        if of is not None and listed > MAX_POINTS:
            left.append(field)
            continue
        yield _field_line(field)
    yield from _points_left(left)


def _points_left(left: list[dict[str, Any]]) -> Iterator[Line]:
    if left:
        moved = all(f["before"] is not None and f["after"] is not None for f in left)
        what = "moved" if moved else "changed"
        yield Line(" ", 2, f"... and {len(left)} more point{'s' if len(left) != 1 else ''} {what}")


def _point_field(field: dict[str, Any]) -> bool:
    sides = [v for v in (field["before"], field["after"]) if v is not None]
    return bool(sides) and all(_is_point(v) for v in sides)


def _field_line(field: dict[str, Any]) -> Line:
    path, before, after = field["path"], field["before"], field["after"]
    if before is None:
        return Line("+", 2, f"{path} = {_shown(path, after)}")
    if after is None:
        return Line("-", 2, f"{path} = {_shown(path, before)}")
    if _point_field(field) and _POINT_PATH.fullmatch(path):
        was, now = _point_pair(before, after)
        return Line("~", 2, f"{path} moved {was} -> {now}, by {math.dist(before, after):.3g}")
    if path.endswith(" points") and _is_number(before) and _is_number(after):
        return Line("~", 2, f"{path.removesuffix(' points')}: {before} -> {after} points")
    if _bare(path, before) and _bare(path, after):
        return Line("~", 2, f"{path}: {before} -> {after}")
    was, now = pair(before, after)
    return Line("~", 2, f"{path}: {was} -> {now}")


def _shown(path: str, v: Any) -> str:
    if _bare(path, v):
        return str(v)
    if _is_point(v) and _POINT_PATH.fullmatch(path):
        return _point(v)
    return value(v)


def _bare(path: str, v: Any) -> bool:
    """Names and frame ranges are shown as they are: `class: Cherry -> Person`, `frames: 20-29 -> 20-34`."""
    if not isinstance(v, str):
        return False
    if path == "class":
        return True
    leaf = path.rpartition(".")[2]
    return (
        leaf in _RANGED
        and not path.startswith(("attributes.", "dynamic.", "answer"))
        and bool(_RANGES_TEXT.fullmatch(v))
    )
