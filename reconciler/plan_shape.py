"""The structure of a plan file's JSON, checked before anything reads it: schemas/plan.schema.json in code.

A value of the wrong type anywhere, a key missing or a label key unknown is a `PlanFileError` naming its
place (`rows[0].changes[1].after.object.frames`), never a crash further on. Objects the version policy lets
grow (the plan, its summary, rows, changes, counts) accept keys they do not know; the canonical labels are
closed. tests/test_plan_files.py checks this agrees with the schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from reconciler.desired.geometry import VISIBILITIES
from reconciler.diagnostics import FieldPath, format_path
from reconciler.errors import PlanFileError

Check = Callable[[Any, FieldPath], None]

DAMAGED = "this plan file is damaged"
FINGERPRINT = re.compile(r"[0-9a-f]{32}")
DIGEST = re.compile(r"[0-9a-f]{64}")
COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
FRAME_NUMBER = re.compile(r"0|[1-9][0-9]*")
FRAMES_TEXT = re.compile(r"([0-9]+(-[0-9]+)?(, [0-9]+(-[0-9]+)?)*)?")
VERSION = re.compile(r"([0-9]+)\.([0-9]+)")
FIRST_WITH_SOURCE = 2
"""The minor version from which a plan carries `source`."""


def damaged(what: str, path: FieldPath = ()) -> PlanFileError:
    where = f"{format_path(path)}: " if path else ""
    return PlanFileError(f"{DAMAGED}: {where}{what}: make a new plan")


def _fail(path: FieldPath, what: str) -> NoReturn:
    raise damaged(what, path)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    return "a list" if isinstance(value, list) else "an object"


def _expected(path: FieldPath, what: str, value: Any) -> NoReturn:
    _fail(path, f"expected {what}, got {_kind(value)}")


# -- building blocks ---------------------------------------------------------------------------------------


def text(min_length: int = 0, pattern: re.Pattern[str] | None = None, what: str = "text") -> Check:
    def check(value: Any, path: FieldPath) -> None:
        if not isinstance(value, str):
            _expected(path, what, value)
        if len(value) < min_length or (pattern is not None and not pattern.fullmatch(value)):
            _expected(path, what, value)

    return check


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number(value: Any, path: FieldPath) -> None:
    if not _is_number(value):
        _expected(path, "a number", value)


def count(value: Any, path: FieldPath) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        _expected(path, "a whole number, 0 or more", value)


def boolean(value: Any, path: FieldPath) -> None:
    if not isinstance(value, bool):
        _expected(path, "true or false", value)


def line_number(value: Any, path: FieldPath) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        _expected(path, "a line number (1 or more)", value)


def enum(*values: str) -> Check:
    def check(value: Any, path: FieldPath) -> None:
        if not isinstance(value, str) or value not in values:
            _expected(path, " or ".join(repr(v) for v in values), value)

    return check


def null_or(inner: Check) -> Check:
    def check(value: Any, path: FieldPath) -> None:
        if value is not None:
            inner(value, path)

    return check


def array(items: Check, min_items: int = 0, max_items: int | None = None, unique: bool = False) -> Check:
    def check(value: Any, path: FieldPath) -> None:
        if not isinstance(value, list):
            _expected(path, "a list", value)
        if len(value) < min_items or (max_items is not None and len(value) > max_items):
            size = str(min_items) if max_items == min_items else f"at least {min_items}"
            _fail(path, f"expected a list of {size} items, got {len(value)}")
        for i, item in enumerate(value):
            items(item, (*path, i))
        if unique and len({repr(v) for v in value}) != len(value):
            _fail(path, "a value is listed twice")

    return check


def obj(required: Mapping[str, Check], optional: Mapping[str, Check] | None = None, closed: bool = False) -> Check:
    optional = optional or {}

    def check(value: Any, path: FieldPath) -> None:
        if not isinstance(value, dict):
            _expected(path, "an object", value)
        for key, inner in required.items():
            if key not in value:
                _fail(path, f'the key "{key}" is missing')
            inner(value[key], (*path, key))
        for key, inner in optional.items():
            if key in value:
                inner(value[key], (*path, key))
        if closed:
            unknown = sorted(str(k) for k in value if k not in required and k not in optional)
            if unknown:
                _fail(path, f'unknown key "{unknown[0]}"')

    return check


def mapping(values: Check, keys: re.Pattern[str] | None = None, min_properties: int = 0) -> Check:
    def check(value: Any, path: FieldPath) -> None:
        if not isinstance(value, dict):
            _expected(path, "an object", value)
        if len(value) < min_properties:
            _fail(path, f"expected at least {min_properties} key(s)")
        for key, item in value.items():
            if keys is not None and not keys.fullmatch(key):
                _fail(path, f'"{key}" is not a key here')
            values(item, (*path, key))

    return check


def _any_object(value: Any, path: FieldPath) -> None:
    if not isinstance(value, dict):
        _expected(path, "an object", value)


# -- the plan's pieces -------------------------------------------------------------------------------------

fingerprint = text(pattern=FINGERPRINT, what="a fingerprint (32 hex digits)")
hash_ = text(min_length=1, what="a hash")
tag_name = text(min_length=1, what="a tag name")
label_tags = array(tag_name, unique=True)
ranges = array(array(count, min_items=2, max_items=2))
file_ranges = array(array(count, min_items=2, max_items=2), min_items=1)


def _xy(value: Any, path: FieldPath) -> None:
    if not (isinstance(value, list) and len(value) == 2 and _is_number(value[0]) and _is_number(value[1])):
        _expected(path, "a point [x, y]", value)


def _numbers(*keys: str, optional: tuple[str, ...] = ()) -> Check:
    return obj(dict.fromkeys(keys, number), dict.fromkeys(optional, number), closed=True)


_point = _numbers("x", "y")
_skeleton_point = obj({"x": number, "y": number}, {"visibility": enum(*VISIBILITIES)}, closed=True)
_html_end = obj({"xpath": text(min_length=1), "offset": count}, closed=True)
_html_range = obj({"start": _html_end, "end": _html_end}, closed=True)


def _text_ranges(value: Any, path: FieldPath) -> None:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        array(_html_range, min_items=1)(value, path)
    else:
        file_ranges(value, path)


def _cuboid_2d(value: Any, path: FieldPath) -> None:
    front = array(_xy, min_items=4, max_items=4)
    if isinstance(value, dict) and "offset" in value:
        obj({"front": front, "offset": _point}, closed=True)(value, path)
    else:
        obj({"front": front, "vanishing_point": _point, "scale_ratio": number}, closed=True)(value, path)


GEOMETRY: dict[str, Check] = {
    "box": _numbers("x", "y", "w", "h"),
    "rotated_box": _numbers("x", "y", "w", "h", "theta"),
    "point": _point,
    "polyline": array(_xy),
    "polygon": array(array(array(_xy), min_items=1), min_items=1),
    "bitmask": obj({"top": count, "left": count, "width": count, "height": count, "rle": text()}, closed=True),
    "skeleton": mapping(_skeleton_point, min_properties=1),
    "circle": _numbers("x", "y", "r", "stretch", "theta"),
    "ellipse": _numbers("x", "y", "rx", "ry", "theta"),
    "cuboid_2d": _cuboid_2d,
    "audio": file_ranges,
    "time_range": file_ranges,
    "text": _text_ranges,
}
"""Each shape's canonical value (model.Geometry), by its geometry key."""


def _geometry(value: Any, path: FieldPath) -> None:
    if not isinstance(value, dict) or len(value) != 1:
        _expected(path, "one geometry, like {box: {x, y, w, h}}", value)
    ((key, inner),) = value.items()
    if key not in GEOMETRY:
        _fail(path, f'"{key}" is not a geometry')
    GEOMETRY[key](inner, (*path, key))


def answer(value: Any, path: FieldPath) -> None:
    if isinstance(value, str) or _is_number(value):
        return
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return
    _expected(path, "an answer (text, a number or a list of option hashes)", value)


answers = mapping(answer)
_dynamic = obj({"attribute": hash_, "value": answer, "ranges": ranges}, closed=True)
_object_label = obj(
    {
        "hash": hash_,
        "feature": hash_,
        "frames": mapping(_geometry, keys=FRAME_NUMBER, min_properties=1),
        "answers": answers,
        "dynamic": array(_dynamic),
        "tags": label_tags,
    },
    closed=True,
)
_classification_label = obj(
    {"hash": hash_, "feature": hash_, "answers": answers, "ranges": ranges, "tags": label_tags}, closed=True
)


def label(value: Any, path: FieldPath) -> None:
    if isinstance(value, dict) and "object" in value:
        obj({"object": _object_label}, closed=True)(value, path)
    elif isinstance(value, dict) and "classification" in value:
        obj({"classification": _classification_label}, closed=True)(value, path)
    else:
        _expected(path, "a label: {object: ...} or {classification: ...}", value)


def _display_value(value: Any, path: FieldPath) -> None:
    """Any JSON value: for people only (a cuboid's front is a list of points), and never read back."""


_field_change = obj({"path": text(min_length=1), "before": _display_value, "after": _display_value})
_tag_change_keys = obj(
    {
        "tag": tag_name,
        "action": enum("add", "remove"),
        "scope": enum("data", "label"),
        "target": text(),
        "frames": text(pattern=FRAMES_TEXT, what='frames like "10-19, 42"'),
    }
)


def tag_change(value: Any, path: FieldPath) -> None:
    _tag_change_keys(value, path)
    if value["scope"] == "data" and value["target"] != "":
        _fail((*path, "target"), "a data-scope tag has no target")
    if value["scope"] == "label" and value["frames"] != "":
        _fail((*path, "frames"), "a label-scope tag has no frames")


_change_keys = obj(
    {
        "action": enum("create", "update", "delete"),
        "kind": enum("object", "classification"),
        "hash": hash_,
        "name": text(min_length=1),
        "class": text(),
        "fields": array(_field_change),
        "tags": array(tag_change),
        "before": null_or(label),
        "after": null_or(label),
    },
    {"line": null_or(line_number), "renamed_from": null_or(text(min_length=1))},
)
_SIDES = {"create": (False, True), "update": (True, True), "delete": (True, False)}


def change(value: Any, path: FieldPath) -> None:
    _change_keys(value, path)
    for side, present in zip(("before", "after"), _SIDES[value["action"]], strict=True):
        if (value[side] is not None) != present:
            _fail((*path, side), f"a {value['action']} {'needs' if present else 'has no'} a label {side} it")
        if value[side] is not None and value["kind"] not in value[side]:
            _fail((*path, side), f"expected the {value['kind']} label a change of kind {value['kind']} makes")


_counts = obj(
    {"add": count, "change": count, "delete": count, "tag_changes": count, "kept": count},
    {"carried": count, "protected": count},
)
_rename = obj({"from": text(min_length=1), "to": text(min_length=1)}, closed=True)
row = obj(
    {
        "data_hash": text(min_length=1),
        "branch": text(min_length=1),
        "title": text(),
        "file": text(min_length=1),
        "label_hash": null_or(text()),
        "before": fingerprint,
        "after": fingerprint,
        "counts": _counts,
        "changes": array(change),
        "tag_changes": array(tag_change),
        "tags": null_or(array(tag_name, unique=True)),
        "frame_tags": null_or(mapping(ranges)),
    },
    {
        "renames": array(_rename),
        "protected": array(text(min_length=1)),
        "tags_line": null_or(line_number),
    },
)
_summary = obj(
    dict.fromkeys(
        (
            "add",
            "change",
            "delete",
            "rows",
            "tag_changes",
            "unchanged_rows",
            "unmanaged_rows",
            "tag_removals",
            "managed_labels",
        ),
        count,
    )
)
_source = obj(
    {
        "commit": null_or(text(pattern=COMMIT, what="a git commit (40 or 64 hex digits)")),
        "dirty": boolean,
        "files": count,
        "files_digest": text(pattern=DIGEST, what="a digest (64 hex digits)"),
        "paths": array(text(min_length=1)),
    },
    {"shard": obj({"k": count, "n": count, "basis": text(pattern=DIGEST, what="a digest (64 hex digits)")})},
)
plan = obj(
    {
        "format_version": text(),
        "created_at": text(),
        "remote": text(min_length=1),
        "ontology": fingerprint,
        "ontology_editor": _any_object,
        "digest": text(pattern=DIGEST, what="a digest (64 hex digits)"),
        "summary": _summary,
        "warnings": array(text()),
        "rows": array(row),
    },
    {"source": _source},
)


def check_plan_shape(data: Any) -> None:
    """Raise `PlanFileError` ("this plan file is damaged: <where>: <what>") unless `data` has a plan's shape."""
    plan(data, ())
    version = VERSION.fullmatch(data["format_version"])
    if "source" not in data and (version is None or int(version[2]) >= FIRST_WITH_SOURCE):
        _fail(
            (),
            f"format_version {data['format_version'][:20]} has no source (the commit and files it was made from)",
        )
