"""Saved plan files trust nothing they are given: a plan changed, forged or damaged after it was made is
refused with a message (never a traceback) and nothing is written; what `show` displays is what `apply`
writes; plan files are written atomically; and the plan schema agrees with what labelsync reads.

Every test drives the real CLI on a real saved plan (see `workspace` in conftest.py: each remote).
"""

from __future__ import annotations

import copy
import errno
import json
import math
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from labelsync_workspace import ROOT, Result, Workspace

from reconciler.canonical import label_from_dict, label_to_dict, row_fingerprint
from reconciler.errors import PlanFileError
from reconciler.model import GEOMETRY_KEYS, LabelRow, ObjectLabel
from reconciler.plan_shape import GEOMETRY, check_plan_shape
from reconciler.planfile import plan_digest, plan_from_dict, plan_to_dict

CHERRY = "labels/images/cherry_001.jpg.yaml"
PERSIMMON = "labels/images/persimmon_004.jpg.yaml"
VIDEO = "labels/videos/orchard_walk.mp4.yaml"
DAMAGED = "this plan file is damaged: "
CHANGED = "this plan file was changed after it was made: make a new plan"
NOT_ACCEPTED = "this plan writes what the project does not accept, so nothing was written:"
ALTERED = "the plan does not match the row it was made against"
ROW = "cherry_001.jpg (labels/images/cherry_001.jpg.yaml)"
LABEL = "object cherry-1 (Cherry)"


# -- helpers -------------------------------------------------------------------------------------------------


@pytest.fixture
def applied(workspace: Workspace) -> Workspace:
    """The example project applied: the remote matches the label files."""
    result = workspace.run("apply", "--yes")
    assert result.exit_code == 0, result.output
    return workspace


def item(doc: dict[str, Any], label_id: str) -> dict[str, Any]:
    (found,) = [x for x in [*doc.get("objects", []), *doc.get("classifications", [])] if x["id"] == label_id]
    return found


def save_plan(ws: Workspace, name: str = "plan.json") -> dict[str, Any]:
    result = ws.run("plan", "--out", name)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(ws.path(name).read_text(encoding="utf-8"))
    return data


@pytest.fixture
def one_change(applied: Workspace) -> Workspace:
    """A saved plan (plan.json) that moves cherry-1 of cherry_001.jpg: box.x 0.12 -> 0.3."""
    applied.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    save_plan(applied)
    return applied


@pytest.fixture
def every_change(applied: Workspace) -> Workspace:
    """A saved plan (plan.json) with creates, updates, deletes, label tags, data tags and frame tags."""
    ws = applied
    ws.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    ws.edit_label_file(CHERRY, lambda d: item(d, "fruit-types").update(tags=[]))
    ws.edit_label_file(CHERRY, lambda d: d.update(tags=["outdoor", "checked"]))
    ws.edit_label_file(CHERRY, lambda d: d["classifications"].remove(item(d, "fruit-kind")))
    ws.edit_label_file(
        PERSIMMON, lambda d: d["objects"].append({"id": "stem", "class": "Pedicel", "point": {"x": 0.5, "y": 0.5}})
    )
    ws.edit_label_file(VIDEO, lambda d: d["frame_tags"].update(blurry=["10-20"], dusk=[3]))
    save_plan(ws)
    return ws


def write_json(ws: Workspace, data: Any, name: str) -> None:
    ws.path(name).write_text(json.dumps(data, indent=2), encoding="utf-8")


def forge(ws: Workspace, mutate: Callable[[dict[str, Any]], object], name: str = "forged.json") -> dict[str, Any]:
    """plan.json changed by `mutate` by someone who also recomputes its digest (anyone can)."""
    data = json.loads(ws.path("plan.json").read_text(encoding="utf-8"))
    mutate(data)
    data["digest"] = plan_digest(data)
    write_json(ws, data, name)
    return data


def change_of(data: dict[str, Any], title: str, name: str) -> dict[str, Any]:
    (row,) = [r for r in data["rows"] if r["title"] == title]
    (change,) = [c for c in row["changes"] if c["name"] == name]
    return change


def cherry_after(data: dict[str, Any]) -> dict[str, Any]:
    """The object label apply writes for cherry-1."""
    after: dict[str, Any] = change_of(data, "cherry_001.jpg", "cherry-1")["after"]["object"]
    return after


def refit_after(ws: Workspace, data: dict[str, Any]) -> None:
    """Recompute each row's `after` fingerprint from its forged labels, as a careful forger would."""
    for row in data["rows"]:
        current = ws.row(row["title"])
        labels = {label.hash: label for label in current.labels}
        for change in row["changes"]:
            labels.pop(change["hash"], None)
            if change["after"] is not None:
                labels[change["hash"]] = label_from_dict(change["after"])
        target = LabelRow(
            key=current.key,
            objects=tuple(lb for lb in labels.values() if isinstance(lb, ObjectLabel)),
            classifications=tuple(lb for lb in labels.values() if not isinstance(lb, ObjectLabel)),
            tags=tuple(row["tags"]) if row["tags"] is not None else current.tags,
            frame_tags=current.frame_tags,
        )
        row["after"] = row_fingerprint(target)


def refused(result: Result, *messages: str) -> None:
    """Exit 1 with one of these messages on stderr, and no traceback."""
    assert result.exit_code == 1, result.output
    assert any(m in result.stderr for m in messages), result.output
    assert "Traceback" not in result.output
    assert "a bug in labelsync" not in result.output


def line_of_output(result: Result, text: str) -> bool:
    return text in [line.strip() for line in result.stdout.splitlines()]


# -- saved plans of real label files -------------------------------------------------------------------------


def test_every_label_of_the_example_passes_the_checks_of_a_saved_plan(workspace: Workspace) -> None:
    """Every shape, attribute, frame and tag of the example: saved, shown, checked, applied."""
    planned = workspace.run("plan")
    save_plan(workspace)
    shown = workspace.run("show", "plan.json")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == planned.stdout
    result = workspace.run("apply", "plan.json", "--yes")
    assert result.exit_code == 0, result.output
    assert "Apply complete: 8 label rows written (23 added, 0 changed, 0 deleted, 11 tag changes)" in result.stdout
    again = workspace.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output


def test_show_displays_exactly_what_plan_displayed(every_change: Workspace) -> None:
    ws = every_change
    for fmt in ("text", "markdown", "json"):
        planned = ws.run("plan", "--format", fmt)
        shown = ws.run("show", "plan.json", "--format", fmt)
        assert shown.exit_code == 0, shown.output
        if fmt == "json":
            ignore = ("created_at", "digest")
            planned_data, shown_data = json.loads(planned.stdout), json.loads(shown.stdout)
            assert {k: v for k, v in shown_data.items() if k not in ignore} == {
                k: v for k, v in planned_data.items() if k not in ignore
            }
        else:
            assert shown.stdout == planned.stdout
    shown = ws.run("show", "plan.json")
    stem = f"+ object stem (Pedicel)  <- line {ws.line_of(PERSIMMON, 'id: stem')}"
    for line in ("~ box.x: 0.12 -> 0.3", "- tag reviewed", "+ tag checked", stem):
        assert line_of_output(shown, line), shown.stdout
    deleted = ws.label_hash("cherry_001.jpg", "fruit-kind")  # no file declares it now: named by its hash
    assert line_of_output(shown, f"- classification {deleted} (Blueberry or cherry?)"), shown.stdout
    assert line_of_output(shown, "+ tag blurry on frames 10-20"), shown.stdout
    result = ws.run("apply", "plan.json", "--yes", "--allow-delete")
    assert result.exit_code == 0, result.output


# -- (1) the digest ------------------------------------------------------------------------------------------


def test_a_plan_edited_after_it_was_made_is_refused(one_change: Workspace) -> None:
    ws = one_change
    text = ws.path("plan.json").read_text(encoding="utf-8")
    assert text.count('"x": 0.3') == 1
    ws.path("plan.json").write_text(text.replace('"x": 0.3', '"x": 0.31'), encoding="utf-8")
    before = ws.dump()
    refused(ws.run("show", "plan.json"), CHANGED)
    refused(ws.run("apply", "plan.json", "--yes"), CHANGED)
    refused(ws.run("apply", "plan.json", "--dry-run"), CHANGED)
    assert ws.dump() == before


def test_a_plan_without_its_digest_is_refused(one_change: Workspace) -> None:
    ws = one_change
    data = json.loads(ws.path("plan.json").read_text(encoding="utf-8"))
    del data["digest"]
    write_json(ws, data, "plan.json")
    before = ws.dump()
    result = ws.run("apply", "plan.json", "--yes")
    refused(result, DAMAGED)
    assert 'the key "digest" is missing' in result.stderr
    assert ws.dump() == before


# -- (3) show displays what apply writes ---------------------------------------------------------------------


def test_show_displays_what_apply_writes_not_what_the_file_says_it_shows(one_change: Workspace) -> None:
    """The measured bug: the stored display said 0.12 -> 0.13 while apply wrote 0.9 (here 0.7, which keeps the
    box in the frame, so the plan still passes every check). The display is derived from what is written."""
    ws = one_change

    def mutate(data: dict[str, Any]) -> None:
        change = change_of(data, "cherry_001.jpg", "cherry-1")
        change["fields"] = [{"path": "box.x", "before": 0.12, "after": 0.13}]
        cherry_after(data)["frames"]["0"]["box"]["x"] = 0.7
        refit_after(ws, data)

    forge(ws, mutate)
    shown = ws.run("show", "forged.json")
    assert shown.exit_code == 0, shown.output
    assert line_of_output(shown, "~ box.x: 0.12 -> 0.7"), shown.stdout
    assert "0.13" not in shown.stdout
    result = ws.run("apply", "forged.json", "--yes")
    assert result.exit_code == 0, result.output
    assert ws.labels("cherry_001.jpg")["cherry-1"]["box.x"] == 0.7  # what show displayed


def test_a_forged_label_before_is_not_written(one_change: Workspace) -> None:
    """The displayed `before` comes from the plan's label before: apply writes a row only if it is the row's."""
    ws = one_change
    forge(
        ws,
        lambda d: change_of(d, "cherry_001.jpg", "cherry-1")["before"]["object"]["frames"]["0"]["box"].update(
            x=0.5
        ),
    )
    shown = ws.run("show", "forged.json")
    assert line_of_output(shown, "~ box.x: 0.5 -> 0.3"), shown.stdout
    before = ws.dump()
    result = ws.run("apply", "forged.json", "--yes")
    refused(result, ALTERED)
    assert "cherry_001.jpg: the plan does not match the row it was made against" in result.stderr
    assert "object cherry-1 before the change is not the row's" in result.stderr
    assert ws.dump() == before


def test_forged_tag_changes_are_not_written(every_change: Workspace) -> None:
    ws = every_change

    def hide_a_removal(data: dict[str, Any]) -> None:
        (row,) = [r for r in data["rows"] if r["title"] == "cherry_001.jpg"]
        row["tag_changes"] = [t for t in row["tag_changes"] if t["action"] == "add"]

    forge(ws, hide_a_removal)
    shown = ws.run("show", "forged.json").stdout.splitlines()
    assert "    - tag reviewed" in shown  # on the label fruit-types, as it is
    assert "  - tag reviewed" not in shown  # the row's removal no longer shown
    before = ws.dump()
    result = ws.run("apply", "forged.json", "--yes", "--allow-delete")
    refused(result, ALTERED)
    assert "its tag changes are not what writing its tags does to the row" in result.stderr
    assert ws.labels("cherry_001.jpg")["cherry-1"]["box.x"] == 0.12  # nor the row's labels
    assert ws.dump() != before  # the other rows, which are what the plan shows, were written

    forge(ws, lambda d: d["rows"][0]["tag_changes"].append(dict(d["rows"][0]["tag_changes"][0])))
    refused(ws.run("show", "forged.json"), DAMAGED)


# -- (2) every row apply writes is checked as a label file is ------------------------------------------------


RIPENESS, SWEETNESS, NOTES = "d1a6e55e", "566bf9d7", "5d96cf7f"  # Ripeness: {Ripe: {Sweetness: Sweet}}


def _drop_required(after: dict[str, Any]) -> None:
    after["answers"] = {k: v for k, v in after["answers"].items() if k not in (RIPENESS, SWEETNESS)}


FORGED_LABELS: dict[str, tuple[Callable[[dict[str, Any]], object], str]] = {
    "out of range": (lambda a: a["frames"]["0"]["box"].update(x=1.7), "box.x: 1.7 is outside 0..1"),
    "negative": (lambda a: a["frames"]["0"]["box"].update(w=-0.1), "box.w: -0.1 is outside 0..1"),
    "not finite": (lambda a: a["frames"]["0"]["box"].update(x=math.inf), "inf is not a finite number"),
    "not a number": (lambda a: a["frames"]["0"]["box"].update(x=math.nan), "nan is not a finite number"),
    "required attribute dropped": (_drop_required, 'Cherry requires the attribute "Ripeness"'),
    "frame beyond the image": (
        lambda a: a["frames"].update({"5": a["frames"]["0"]}),
        "frame 5 is beyond cherry_001.jpg, which has 1 frame",
    ),
    "unknown option": (
        lambda a: a["answers"].update({RIPENESS: "nonesuch"}),
        "not something a label file can declare: Ripeness answers 'nonesuch', not one of its options",
    ),
    "nested answer without its option": (
        lambda a: a["answers"].pop(RIPENESS),
        "answers to Sweetness are not under a chosen option",
    ),
    "unknown attribute": (
        lambda a: a["answers"].update({"nonesuch": "x"}),
        "answers to nonesuch are not under a chosen option",
    ),
    "unknown class": (lambda a: a.update(feature="nonesuch"), "is not an object class of the ontology"),
    "shape of another class": (
        lambda a: a["frames"].update({"0": {"point": {"x": 0.5, "y": 0.5}}}),
        "Cherry is a bounding_box class: give `box`, not `point`",
    ),
    "number for text": (
        lambda a: a["answers"].update({NOTES: 7}),
        '"Notes" is a text attribute: expected text, got 7',
    ),
    "number not as a file gives it": (
        lambda a: a["frames"]["0"]["box"].update(y=0),
        "not in the canonical form a label file gives (box.y)",
    ),
    "tags out of order": (lambda a: a["tags"].append("a-tag"), "not in the canonical form a label file gives"),
    "hash not a label file's": (lambda a: a.update(hash="bad hash!"), "a pinned hash is 1 to 64 letters"),
}


@pytest.mark.parametrize("case", sorted(FORGED_LABELS))
def test_a_forged_label_is_refused_before_anything_is_written(one_change: Workspace, case: str) -> None:
    ws = one_change
    mutate, message = FORGED_LABELS[case]
    # a second, untouched row in the same plan: it is not written either
    ws.edit_label_file(
        PERSIMMON, lambda d: d["objects"].append({"id": "stem", "class": "Pedicel", "point": {"x": 0.5, "y": 0.5}})
    )
    save_plan(ws)

    def forged(data: dict[str, Any]) -> None:
        after = cherry_after(data)
        mutate(after)
        if case == "hash not a label file's":
            change_of(data, "cherry_001.jpg", "cherry-1")["hash"] = after["hash"]
            change_of(data, "cherry_001.jpg", "cherry-1")["before"] = None
            change_of(data, "cherry_001.jpg", "cherry-1")["action"] = "create"

    forge(ws, forged)
    before = ws.dump()
    for args in (["--yes"], ["--dry-run"]):
        result = ws.run("apply", "forged.json", *args)
        refused(result, NOT_ACCEPTED)
        assert message in result.stderr
        assert f"{ROW}: " in result.stderr
        label = "object cherry-1 (nonesuch)" if case == "unknown class" else LABEL
        assert f"{ROW}: {label}: " in result.stderr
    assert ws.dump() == before


def test_a_forged_frame_tag_beyond_the_video_is_refused(every_change: Workspace) -> None:
    ws = every_change

    def beyond(data: dict[str, Any]) -> None:
        (row,) = [r for r in data["rows"] if r["title"] == "orchard_walk.mp4"]
        row["frame_tags"]["blurry"] = [[10, 500]]
        for tag in row["tag_changes"]:
            if tag["tag"] == "blurry" and tag["action"] == "add":
                tag["frames"] = "10-500"

    forge(ws, beyond)
    shown = ws.run("show", "forged.json")
    assert line_of_output(shown, "+ tag blurry on frames 10-500"), shown.stdout  # shown as it would be written
    before = ws.dump()
    result = ws.run("apply", "forged.json", "--yes", "--allow-delete")
    refused(result, NOT_ACCEPTED)
    assert (
        "orchard_walk.mp4 (labels/videos/orchard_walk.mp4.yaml): frame_tags.blurry[0]: frame 10-500 is beyond"
        in (result.stderr)
    )
    assert ws.dump() == before  # nor any other row of the plan


def test_a_forged_row_title_is_refused(one_change: Workspace) -> None:
    """The title `show` displays is the data unit's that apply writes to."""
    ws = one_change
    forge(ws, lambda d: d["rows"][0].update(title="persimmon_004.jpg"))
    before = ws.dump()
    result = ws.run("apply", "forged.json", "--yes")
    refused(result, NOT_ACCEPTED)
    assert "is 'cherry_001.jpg' in the project, not 'persimmon_004.jpg'" in result.stderr
    assert ws.dump() == before


def test_a_forged_data_unit_is_refused(one_change: Workspace) -> None:
    ws = one_change
    forge(ws, lambda d: d["rows"][0].update(data_hash="nonesuch"))
    before = ws.dump()
    result = ws.run("apply", "forged.json", "--yes")
    refused(result, NOT_ACCEPTED)
    assert "the project has no data unit nonesuch" in result.stderr
    assert ws.dump() == before


# -- (4) damaged plan files ----------------------------------------------------------------------------------


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key in a JSON value, parents first, and the first item of each list (the others are alike)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from _paths(item, (*path, key))
    elif isinstance(value, list) and value:
        yield (*path, 0)
        yield from _paths(value[0], (*path, 0))


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _other_type(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        return "1"
    if isinstance(value, str):
        return 1
    return {} if isinstance(value, list) else []


def key_mutations(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The plan with each key deleted and each value retyped, one at a time (inside the embedded ontology, a
    sample: it is checked as a whole, against its fingerprint)."""
    paths = [p for p in _paths(data) if p[0] != "ontology_editor"]
    paths += [p for p in _paths(data["ontology_editor"], ("ontology_editor",))][::7]
    for path in paths:
        parent, key = _get(data, path[:-1]), path[-1]
        retyped = copy.deepcopy(data)
        _get(retyped, path[:-1])[key] = _other_type(parent[key])
        yield f"retype {path}", retyped
        if isinstance(parent, dict):
            deleted = copy.deepcopy(data)
            del _get(deleted, path[:-1])[key]
            yield f"delete {path}", deleted


def byte_mutations(raw: bytes) -> Iterator[tuple[str, bytes]]:
    """The file truncated at many offsets, and with single bytes flipped."""
    step = max(1, len(raw) // 60)
    for offset in [*range(0, len(raw), step), len(raw) - 2, len(raw) - 1]:
        yield f"truncated at {offset}", raw[:offset]
    for offset in range(3, len(raw), max(1, len(raw) // 50)):
        for mask in (0xFF, 0x01, 0x20):
            flipped = bytearray(raw)
            flipped[offset] ^= mask
            yield f"byte {offset} ^ {mask:#x}", bytes(flipped)
    yield "binary", bytes(range(256)) * 4
    yield "empty", b""
    yield "UTF-16", raw.decode("utf-8").encode("utf-16")
    yield "not an object", b"[1, 2, 3]"
    yield "nested too deep", b"[" * 100_000
    yield "a number too long", b'{"format_version": ' + b"9" * 5000 + b"}"
    yield "a key twice", raw.replace(b'{\n  "format_version"', b'{"format_version": "1.1",\n  "format_version"', 1)


@pytest.mark.parametrize("workspace", ["local"], indirect=True)  # refused before the remote is opened: any remote
def test_damaged_plan_files_are_refused_without_a_traceback(every_change: Workspace) -> None:
    ws = every_change
    raw = ws.path("plan.json").read_bytes()
    data = json.loads(raw)
    before = ws.dump()
    cases = 0
    for what, damaged in byte_mutations(raw):
        if damaged.rstrip() == raw.rstrip():
            continue  # only the final newline lost: still the plan
        ws.path("damaged.json").write_bytes(damaged)
        result = ws.run("apply", "damaged.json", "--yes", "--allow-delete")
        assert result.exit_code == 1, f"{what}: {result.output}"
        assert DAMAGED in result.stderr or CHANGED in result.stderr, f"{what}: {result.output}"
        assert "Traceback" not in result.output, what
        cases += 1
    validator = plan_validator()
    for what, mutated in key_mutations(data):
        write_json(ws, mutated, "damaged.json")
        result = ws.run("apply", "damaged.json", "--yes", "--allow-delete")
        assert result.exit_code == 1, f"{what}: {result.output}"
        # what the schema rejects is damaged; what it accepts was changed (its digest no longer matches)
        expected = CHANGED if validator.is_valid(mutated) else DAMAGED
        assert expected in result.stderr, f"{what}: {result.output}"
        assert "Traceback" not in result.output, what
        cases += 1
    assert cases > 300
    assert ws.dump() == before


def test_damaged_plans_with_a_recomputed_digest_are_refused(every_change: Workspace) -> None:
    """Someone who recomputes the digest gets no further: every damage is refused, and what is left a plan
    (display strings a reader does not read, a count it may lack) shows and does exactly what the plan did."""
    ws = every_change
    data = json.loads(ws.path("plan.json").read_text(encoding="utf-8"))
    shown = ws.run("show", "plan.json").stdout
    before = ws.dump()
    still_plans = []
    for what, mutated in key_mutations(data):
        if "'digest'" in what:
            continue
        mutated["digest"] = plan_digest(mutated)
        write_json(ws, mutated, "damaged.json")
        result = ws.run("apply", "damaged.json", "--dry-run", "--allow-delete")
        assert "Traceback" not in result.output, what
        if result.exit_code == 0:
            still_plans.append(what)
            if not re.fullmatch(r"delete \(.*'(line|tags_line|renamed_from|renames|protected)'\)", what):
                assert ws.run("show", "damaged.json").stdout == shown, what  # provenance and notes only show
        else:
            assert result.exit_code == 1, f"{what}: {result.output}"
            again = ws.run("show", "damaged.json")
            assert again.exit_code in (0, 1) and "Traceback" not in again.output, what
    assert ws.dump() == before
    harmless = re.compile(
        r"delete \(.*'(carried|protected|renames|line|renamed_from|tags_line)'\)"
        r"|retype \(.*'fields', \d+, '(before|after)'\)|retype \('rows', 1, 'tags'\)"
    )
    # provenance (`line`, `tags_line`, `renamed_from`) and the notes (`renames`, `protected`) are for people and
    # optional (plans of format 1.1 made before them lack them): a plan without them writes what it did
    assert still_plans and all(harmless.fullmatch(what) for what in still_plans), [
        what for what in still_plans if not harmless.fullmatch(what)
    ]
    # ('rows', 1, 'tags'): null (unchanged) retyped to [], and the row has no tags: it writes what it did


def test_wrong_versions_are_refused(one_change: Workspace) -> None:
    ws = one_change
    before = ws.dump()
    for version, message in (
        ("2.0", "format_version 2.0: this labelsync reads plans of format 1.x"),
        ("1.0", "format_version 1.0 has no digest (an older labelsync made it)"),
        ("one", "format_version 'one' is not MAJOR.MINOR"),
        (1.1, "it has no format_version"),
    ):
        forge(ws, lambda d, v=version: d.update(format_version=v))
        for command in (["show", "forged.json"], ["apply", "forged.json", "--yes"]):
            result = ws.run(*command)
            refused(result, DAMAGED)
            assert message in result.stderr
    assert ws.dump() == before


def test_a_file_that_is_not_a_plan_is_refused(one_change: Workspace) -> None:
    ws = one_change
    before = ws.dump()
    ws.path("binary.json").write_bytes(bytes(range(256)))
    result = ws.run("apply", "binary.json", "--yes")
    refused(result, DAMAGED)
    assert (
        "binary.json: this plan file is damaged: it is not UTF-8 text (byte 128): a binary file?" in result.stderr
    )
    ws.path("truncated.json").write_bytes(ws.path("plan.json").read_bytes()[:500])
    result = ws.run("show", "truncated.json")
    refused(result, DAMAGED)
    assert "truncated.json: this plan file is damaged: it is not JSON (line" in result.stderr
    ws.path("a-directory").mkdir()
    refused(ws.run("apply", "a-directory", "--yes"), "a-directory is a directory, not a plan file")
    refused(ws.run("show", "missing.json"), "missing.json: no such plan file")
    assert ws.dump() == before


# -- (5) writing plan files ----------------------------------------------------------------------------------


def _fail_writes(monkeypatch: pytest.MonkeyPatch, after: int) -> None:
    """The disk fills up: os.write takes `after` bytes in all, then raises ENOSPC."""
    real = os.write
    taken = [0]

    def write(fd: int, data: Any) -> int:
        if fd <= 2:
            return real(fd, data)
        room = after - taken[0]
        if room <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        done = real(fd, bytes(data)[:room])
        taken[0] += done
        return done

    monkeypatch.setattr(os, "write", write)


def _leftovers(ws: Workspace) -> list[str]:
    return sorted(p.name for p in ws.root.iterdir() if p.name.endswith(".tmp") or "plan.json." in p.name)


def test_a_failed_write_keeps_the_old_plan_file(one_change: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = one_change
    old = ws.path("plan.json").read_bytes()
    ws.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.4))
    for after in (0, 100):
        with monkeypatch.context() as patch:
            _fail_writes(patch, after)
            result = ws.run("plan", "--out", "plan.json")
        refused(
            result, "cannot save the plan to plan.json: No space left on device; the old plan file is as it was"
        )
        assert ws.path("plan.json").read_bytes() == old
        assert _leftovers(ws) == []
    applied = ws.run("apply", "plan.json", "--yes")  # the old plan is whole, and still applies
    assert applied.exit_code == 0, applied.output
    assert ws.labels("cherry_001.jpg")["cherry-1"]["box.x"] == 0.3


def test_a_failed_write_leaves_no_plan_file(one_change: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = one_change
    with monkeypatch.context() as patch:
        patch.setattr(
            os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device"))
        )
        result = ws.run("plan", "--out", "new-plan.json")
    refused(result, "cannot save the plan to new-plan.json: No space left on device; no plan file was written")
    assert not ws.path("new-plan.json").exists()
    assert _leftovers(ws) == []
    assert ws.run("plan", "--out", "new-plan.json").exit_code == 0  # and a write that works replaces nothing half
    assert json.loads(ws.path("new-plan.json").read_text(encoding="utf-8"))["summary"]["change"] == 1


def test_plan_out_into_a_missing_directory_is_a_clear_error(one_change: Workspace) -> None:
    ws = one_change
    result = ws.run("plan", "--out", "plans/next/plan.json")
    refused(
        result,
        "cannot save the plan to plans/next/plan.json: the directory plans/next does not exist (create it first)",
    )
    assert not ws.path("plans").exists()
    ws.path("plans").mkdir()
    result = ws.run("plan", "--out", "plans")
    refused(result, "cannot save the plan to plans: it is a directory")
    result = ws.run("plan", "--out", "plans/plan.json")
    assert result.exit_code == 0, result.output
    assert ws.run("show", "plans/plan.json").exit_code == 0


def test_a_saved_plan_file_is_readable_as_a_plain_file(one_change: Workspace) -> None:
    mode = one_change.path("plan.json").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


# -- the schema and the reader agree -------------------------------------------------------------------------


def plan_validator() -> Draft202012Validator:
    schema = json.loads((ROOT / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def reader_accepts_shape(data: Any) -> bool:
    try:
        check_plan_shape(data)
    except PlanFileError as exc:
        assert str(exc).startswith(DAMAGED)
        return False
    return True


def test_the_schema_and_the_reader_agree_on_the_shape_of_plans(every_change: Workspace) -> None:
    data = save_plan(every_change)
    validator = plan_validator()
    assert validator.is_valid(data) and reader_accepts_shape(data)
    disagree = []
    for what, mutated in key_mutations(data):
        if validator.is_valid(mutated) != reader_accepts_shape(mutated):
            disagree.append(what)
    assert not disagree


CANONICAL_SHAPES: dict[str, Any] = {
    "box": {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4},
    "rotated_box": {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4, "theta": 12.5},
    "point": {"x": 0.5, "y": 0.5},
    "polyline": [[0.1, 0.1], [0.2, 0.2]],
    "polygon": [[[[0.1, 0.1], [0.2, 0.1], [0.2, 0.2]], [[0.12, 0.12], [0.15, 0.12], [0.15, 0.15]]]],
    "bitmask": {"top": 0, "left": 0, "width": 4, "height": 2, "rle": "08"},
    "skeleton": {"top": {"x": 0.5, "y": 0.4}, "left": {"x": 0.4, "y": 0.6, "visibility": "occluded"}},
    "circle": {"x": 0.5, "y": 0.5, "r": 0.1, "stretch": 1.0, "theta": 0.0},
    "ellipse": {"x": 0.5, "y": 0.5, "rx": 0.1, "ry": 0.2, "theta": 30.0},
    "cuboid_2d": {"front": [[0.1, 0.1], [0.2, 0.1], [0.2, 0.2], [0.1, 0.2]], "offset": {"x": 0.05, "y": 0.05}},
    "audio": [[0, 1200], [3000, 3400]],
    "time_range": [[5, 9]],
    "text": [{"start": {"xpath": "/p[1]", "offset": 0}, "end": {"xpath": "/p[1]", "offset": 12}}],
}


def test_every_shape_a_plan_carries_is_in_the_schema_and_the_reader(one_change: Workspace) -> None:
    """Each shape's canonical value, and a global classification (no frames), as a label before a delete."""
    data = json.loads(one_change.path("plan.json").read_text(encoding="utf-8"))
    validator = plan_validator()
    assert set(CANONICAL_SHAPES) == set(GEOMETRY) == set(GEOMETRY_KEYS.values())
    perspective = {**CANONICAL_SHAPES["cuboid_2d"], "vanishing_point": {"x": 0.5, "y": 0.5}, "scale_ratio": 0.8}
    del perspective["offset"]
    values = [*CANONICAL_SHAPES.items(), ("cuboid_2d", perspective), ("text", [[10, 42]])]
    labels = [
        {
            "object": {
                "hash": "h",
                "feature": "f",
                "frames": {"0": {key: value}},
                "answers": {},
                "dynamic": [],
                "tags": [],
            }
        }
        for key, value in values
    ]
    labels.append(
        {"classification": {"hash": "h", "feature": "f", "answers": {"a": "b"}, "ranges": [], "tags": []}}
    )
    for canonical in labels:
        kind = next(iter(canonical))
        change = {
            "action": "delete",
            "kind": kind,
            "hash": "h",
            "name": "h",
            "class": "C",
            "fields": [],
            "tags": [],
        }
        plan = copy.deepcopy(data)
        plan["rows"][0]["changes"] = [{**change, "before": canonical, "after": None}]
        assert not [e.message for e in validator.iter_errors(plan)], canonical
        assert reader_accepts_shape(plan), canonical
        assert label_to_dict(label_from_dict(canonical)) == canonical
        wrong = copy.deepcopy(plan)
        body = wrong["rows"][0]["changes"][0]["before"][kind]
        if kind == "object":
            ((key, value),) = body["frames"]["0"].items()
            body["frames"]["0"] = {key: _other_type(value)}
        else:
            body["ranges"] = [[0]]
        assert not validator.is_valid(wrong) and not reader_accepts_shape(wrong), canonical


def test_the_schema_and_the_reader_agree_on_versions(one_change: Workspace) -> None:
    data = json.loads(one_change.path("plan.json").read_text(encoding="utf-8"))
    validator = plan_validator()
    for version, readable in (("1.0", False), ("1.1", True), ("1.7", True), ("2.0", False), ("1", False)):
        plan = {**data, "format_version": version}
        plan["digest"] = plan_digest(plan)
        try:
            plan_from_dict(plan)
            read = True
        except PlanFileError as exc:
            assert str(exc).startswith(DAMAGED), exc
            read = False
        assert (read, validator.is_valid(plan)) == (readable, readable), version


def _without_time(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("created_at", "digest")}


@pytest.mark.parametrize("state", ["from empty", "every change"])
def test_a_plan_saved_a_row_at_a_time_is_the_plan_held_whole(workspace: Workspace, state: str) -> None:
    """Plans are shown, saved and drawn as each bundle is planned, never held (reconciler/plan_stream.py).
    The file is, byte for byte, the whole plan serialised at once; two runs (with and without --report) save
    the same plan, each with its own valid digest; the JSON on stdout is the file; text, markdown and
    annotations are what `show` renders of the saved plan."""
    ws = workspace
    if state == "every change":
        applied = ws.run("apply", "--yes")
        assert applied.exit_code == 0, applied.output
        ws.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
        ws.edit_label_file(CHERRY, lambda d: d.update(tags=["outdoor", "checked"]))
        ws.edit_label_file(CHERRY, lambda d: d["classifications"].remove(item(d, "fruit-kind")))
        ws.edit_label_file(VIDEO, lambda d: d["frame_tags"].update(blurry=["10-20"], dusk=[3]))
    streamed = ws.run("plan", "--out", "streamed.json", "--format", "json")
    held = ws.run("plan", "--out", "held.json", "--report", "report")
    assert streamed.exit_code == held.exit_code == 0, streamed.output + held.output
    raw = ws.path("streamed.json").read_text(encoding="utf-8")
    assert streamed.stdout == raw
    assert raw == json.dumps(plan_to_dict(plan_from_dict(json.loads(raw))), indent=2, ensure_ascii=False) + "\n"
    files = [json.loads(raw), json.loads(ws.path("held.json").read_text(encoding="utf-8"))]
    assert _without_time(files[0]) == _without_time(files[1])
    assert files[0]["rows"] and all(data["digest"] == plan_digest(data) for data in files)
    if files[0]["created_at"] == files[1]["created_at"]:
        assert raw == ws.path("held.json").read_text(encoding="utf-8")
    for fmt in ("text", "markdown", "github"):
        planned, shown = ws.run("plan", "--format", fmt), ws.run("show", "streamed.json", "--format", fmt)
        assert planned.exit_code == shown.exit_code == 0, planned.output + shown.output
        if fmt == "text":  # all but the first line, which says where the plan comes from
            assert planned.stdout.split("\n\n", 1)[1] == shown.stdout.split("\n\n", 1)[1]
        else:
            assert planned.stdout == shown.stdout
    done = ws.run("apply", "streamed.json", "--yes", "--allow-delete")
    assert done.exit_code == 0, done.output
    assert ws.run("plan", "--detailed-exitcode").exit_code == 0
