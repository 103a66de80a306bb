"""The plan as signed lines, shared by the text and markdown renderers so they never disagree.

Every string a plan holds came from a label file, an ontology, a remote or a plan file: lines are
made inert here (`escape`), once for both renderers, so none can break a line, colour a terminal or
pass for a line labelsync writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

from reconciler.render.escape import inert, lead

MAX_FIELDS = 25
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
        return f"{v:.6g}"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(value(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


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


def _grouped(fields: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    """`box.x = 0.1`, `box.y = 0.2`, ... shown as one `box = {x: 0.1, y: 0.2, ...}` line."""
    side = "after" if action == "create" else "before"
    out: list[dict[str, Any]] = []
    for field in fields:
        parent, _, leaf = field["path"].rpartition(".")
        if leaf in _COORDINATES and out and out[-1].get("group") == parent:
            out[-1][side][leaf] = field[side]
        elif leaf in _COORDINATES:
            out.append({"path": parent, "group": parent, side: {leaf: field[side]}})
        else:
            out.append(field)
    return out


def _change_lines(change: dict[str, Any]) -> Iterator[Line]:
    sign = _SIGN[change["action"]]
    name = change["name"]
    title = f"{change['kind']} {name} ({change['class']})" if name != change["class"] else change["kind"]
    yield Line(sign, 1, title)
    fields = change["fields"] if change["action"] == "update" else _grouped(change["fields"], change["action"])
    for field in fields[:MAX_FIELDS]:
        if change["action"] == "create":
            yield Line(sign, 2, f"{field['path']} = {value(field['after'])}")
        elif change["action"] == "delete":
            yield Line(sign, 2, f"{field['path']} = {value(field['before'])}")
        elif field["before"] is None:
            yield Line("+", 2, f"{field['path']} = {value(field['after'])}")
        elif field["after"] is None:
            yield Line("-", 2, f"{field['path']} = {value(field['before'])}")
        else:
            yield Line("~", 2, f"{field['path']}: {value(field['before'])} -> {value(field['after'])}")
    if len(fields) > MAX_FIELDS:
        yield Line(" ", 2, f"... and {len(fields) - MAX_FIELDS} more (see --format json)")
    for tag in change["tags"]:
        yield Line("+" if tag["action"] == "add" else "-", 2, f"tag {tag['tag']}")
