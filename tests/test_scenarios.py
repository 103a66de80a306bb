"""What a user goes through, end to end: edit label files, plan, apply, against a real remote.

Every test drives the real CLI in a copy of the example project (see `workspace` in conftest.py)
and checks what a user cares about: the exit code, the lines of the plan, and what the remote holds
afterwards. The same scenarios run against every remote backend the `workspace` fixture knows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from labelsync_workspace import ROOT, Result, Workspace

from reconciler.model import LabelRow, ObjectLabel

CHERRY = "labels/images/cherry_001.jpg.yaml"
PERSIMMON = "labels/images/persimmon_004.jpg.yaml"
BLUEBERRY_KEPT = "labels/images/blueberry_003.jpg.yaml"  # prune: false
VIDEO = "labels/videos/orchard_walk.mp4.yaml"

EXAMPLE_PLAN = "Plan: 23 to add, 0 to change, 0 to delete across 8 label rows, 11 tag changes"
NO_CHANGES = "No changes: the remote matches the label files."


# -- helpers ---------------------------------------------------------------------------------------


@pytest.fixture
def applied(workspace: Workspace) -> Workspace:
    """The example project applied: the remote matches the label files."""
    result = workspace.run("apply", "--yes")
    assert result.exit_code == 0, result.output
    return workspace


def plan(ws: Workspace, *args: str) -> Result:
    return ws.run("plan", "--detailed-exitcode", *args)


def apply(ws: Workspace, *args: str) -> Result:
    return ws.run("apply", "--yes", *args)


def item(doc: dict[str, Any], label_id: str) -> dict[str, Any]:
    """The object or classification with this id in a loaded label file."""
    found: list[dict[str, Any]] = [
        x for x in [*doc.get("objects", []), *doc.get("classifications", [])] if x["id"] == label_id
    ]
    assert len(found) == 1, f"{len(found)} labels with id {label_id}"
    return found[0]


def assert_lines(result: Result, *lines: str) -> None:
    """Each line is in the output, as a whole line (leading indentation aside)."""
    printed = [line.strip() for line in result.stdout.splitlines()]
    missing = [line for line in lines if line not in printed]
    assert not missing, f"missing {missing} in:\n{result.stdout}\n{result.stderr}"


def assert_planned_then_applied(
    ws: Workspace, *lines: str, summary: str, apply_args: tuple[str, ...] = ()
) -> None:
    """plan shows the lines and the summary (exit 2), apply writes them, and plan is clean after."""
    planned = plan(ws)
    assert planned.exit_code == 2, planned.output
    assert_lines(planned, *lines)
    assert f"Plan: {summary}" in planned.stdout
    applied = apply(ws, *apply_args)
    assert applied.exit_code == 0, applied.output
    assert "Apply complete: 1 label row written" in applied.stdout
    after = plan(ws)
    assert after.exit_code == 0, after.output
    assert NO_CHANGES in after.stdout


def set_box_x(label_hash: str, x: float) -> Callable[[LabelRow], LabelRow]:
    """An annotator drags a box sideways."""

    def moved(obj: ObjectLabel) -> ObjectLabel:
        if obj.hash != label_hash:
            return obj
        return replace(obj, frames=tuple((f, replace(g, value={**g.value, "x": x})) for f, g in obj.frames))

    return lambda row: replace(row, objects=tuple(moved(o) for o in row.objects))


def add_copy(label_hash: str, new_hash: str) -> Callable[[LabelRow], LabelRow]:
    """An annotator draws another object like an existing one."""

    def change(row: LabelRow) -> LabelRow:
        (original,) = [o for o in row.objects if o.hash == label_hash]
        return replace(row, objects=(*row.objects, replace(original, hash=new_hash, tags=())))

    return change


# -- the example, from scratch ---------------------------------------------------------------------


def test_fresh_example_plans_every_label_as_an_add(workspace: Workspace) -> None:
    result = plan(workspace)
    assert result.exit_code == 2, result.output
    assert f"{EXAMPLE_PLAN} (0 rows unchanged, 2 unmanaged)." in result.stdout
    assert_lines(result, "cherry_001.jpg (new label row)  <- labels/images/cherry_001.jpg.yaml")
    assert_lines(
        result,
        f"+ object cherry-1 (Cherry)  <- line {workspace.line_of(CHERRY, 'id: cherry-1')}",
        "+ box = {x: 0.12, y: 0.2, w: 0.22, h: 0.3}",
        "+ tag outdoor",
    )


def test_apply_writes_the_example_to_the_remote(workspace: Workspace) -> None:
    result = apply(workspace)
    assert result.exit_code == 0, result.output
    assert "Apply complete: 8 label rows written" in result.stdout
    cherry = workspace.labels("cherry_001.jpg")
    assert sorted(cherry) == ["cherry-1", "cherry-2", "fruit-kind", "fruit-types"]
    assert cherry["cherry-1"]["box.x"] == 0.12
    assert cherry["cherry-1"]["attributes.Ripeness/Ripe/Sweetness"] == "Sweet"
    assert cherry["cherry-1"]["tags"] == ["hard-case"]
    assert workspace.row("cherry_001.jpg").tags == ("outdoor", "reviewed")
    video = workspace.labels("orchard_walk.mp4")
    assert video["person-1"]["dynamic.Position[4-9]"] == "Walking"
    assert video["fruit-types"]["frames"] == "0-59"


def test_applied_example_plans_no_changes(applied: Workspace) -> None:
    result = plan(applied)
    assert result.exit_code == 0, result.output
    assert NO_CHANGES in result.stdout
    assert "across 0 label rows, 0 tag changes (8 rows unchanged, 2 unmanaged)" in result.stdout


def test_apply_again_has_nothing_to_apply(applied: Workspace) -> None:
    before = applied.dump()
    result = apply(applied)
    assert result.exit_code == 0, result.output
    assert "Nothing to apply." in result.stdout
    assert applied.dump() == before


# -- plan is read-only ---------------------------------------------------------------------------------


def test_plan_never_writes_on_a_fresh_project(workspace: Workspace) -> None:
    assert plan(workspace).exit_code == 2  # creates the empty local project on first use
    before = workspace.dump()
    for args in ([], ["--format", "json"], ["--format", "markdown"], ["--out", "plan.json"]):
        assert plan(workspace, *args).exit_code == 2
    assert workspace.dump() == before
    assert not before["label_rows"]


def test_plan_never_writes_when_there_are_changes(applied: Workspace) -> None:
    applied.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    applied.edit_label_file(PERSIMMON, lambda d: d["objects"].pop())
    before = applied.dump()
    for args in ([], ["--format", "json"], ["--out", "plan.json"]):
        assert plan(applied, *args).exit_code == 2
    assert applied.dump() == before


# -- changes -------------------------------------------------------------------------------------------


def test_moved_box(applied: Workspace) -> None:
    applied.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    assert_planned_then_applied(
        applied,
        f"~ object cherry-1 (Cherry)  <- line {applied.line_of(CHERRY, 'id: cherry-1')}",
        "~ box.x: 0.12 -> 0.3",
        summary="0 to add, 1 to change, 0 to delete across 1 label row, 0 tag changes",
    )
    assert applied.labels("cherry_001.jpg")["cherry-1"]["box.x"] == 0.3


def test_radio_attribute_changed(applied: Workspace) -> None:
    applied.edit_label_file(CHERRY, lambda d: item(d, "cherry-2")["attributes"].update(Ripeness="Ripe"))
    assert_planned_then_applied(
        applied, '~ attributes.Ripeness: "Unripe" -> "Ripe"', summary="0 to add, 1 to change, 0 to delete"
    )
    assert applied.labels("cherry_001.jpg")["cherry-2"]["attributes.Ripeness"] == "Ripe"


def test_nested_attribute_changed(applied: Workspace) -> None:
    applied.edit_label_file(
        CHERRY, lambda d: item(d, "cherry-1")["attributes"].update(Ripeness={"Ripe": {"Sweetness": "Sour"}})
    )
    assert_planned_then_applied(
        applied,
        '~ attributes.Ripeness/Ripe/Sweetness: "Sweet" -> "Sour"',
        summary="0 to add, 1 to change, 0 to delete",
    )
    assert applied.labels("cherry_001.jpg")["cherry-1"]["attributes.Ripeness/Ripe/Sweetness"] == "Sour"


def test_checklist_changed(applied: Workspace) -> None:
    applied.edit_label_file(
        CHERRY, lambda d: item(d, "cherry-1")["attributes"].update(Defects=["Split", "Bruised"])
    )
    assert_planned_then_applied(
        applied,
        '~ attributes.Defects: ["Bruised"] -> ["Bruised", "Split"]',
        summary="0 to add, 1 to change, 0 to delete",
    )
    assert applied.labels("cherry_001.jpg")["cherry-1"]["attributes.Defects"] == ["Bruised", "Split"]


def test_dynamic_attribute_ranges_changed(applied: Workspace) -> None:
    applied.edit_label_file(
        VIDEO, lambda d: item(d, "person-1").update(dynamic={"Position": {"3-5": "Standing", "6-9": "Walking"}})
    )
    assert_planned_then_applied(
        applied,
        f"~ object person-1 (Person)  <- line {applied.line_of(VIDEO, 'id: person-1')}",
        '- dynamic.Position[3] = "Standing"',
        '- dynamic.Position[4-9] = "Walking"',
        '+ dynamic.Position[3-5] = "Standing"',
        '+ dynamic.Position[6-9] = "Walking"',
        summary="0 to add, 1 to change, 0 to delete",
    )
    person = applied.labels("orchard_walk.mp4")["person-1"]
    assert person["dynamic.Position[3-5]"] == "Standing"
    assert person["dynamic.Position[6-9]"] == "Walking"
    assert "dynamic.Position[4-9]" not in person


def test_classification_answer_changed(applied: Workspace) -> None:
    applied.edit_label_file(CHERRY, lambda d: item(d, "fruit-kind").update(answer="Blueberry"))
    assert_planned_then_applied(
        applied,
        f"~ classification fruit-kind (Blueberry or cherry?)  <- line {applied.line_of(CHERRY, 'id: fruit-kind')}",
        '~ answer: "Cherry" -> "Blueberry"',
        summary="0 to add, 1 to change, 0 to delete",
    )
    assert applied.labels("cherry_001.jpg")["fruit-kind"]["answer"] == "Blueberry"


def test_object_added(applied: Workspace) -> None:
    new = {"id": "cherry-3", "class": "Cherry", "box": {"x": 0.7, "y": 0.7, "w": 0.1, "h": 0.1}}
    applied.edit_label_file(CHERRY, lambda d: d["objects"].append({**new, "attributes": {"Ripeness": "Ripe"}}))
    assert_planned_then_applied(
        applied,
        f"+ object cherry-3 (Cherry)  <- line {applied.line_of(CHERRY, 'id: cherry-3')}",
        "+ box = {x: 0.7, y: 0.7, w: 0.1, h: 0.1}",
        summary="1 to add, 0 to change, 0 to delete",
    )
    assert applied.labels("cherry_001.jpg")["cherry-3"]["box.x"] == 0.7


# -- tags ----------------------------------------------------------------------------------------------


def test_data_tags_added_and_removed(applied: Workspace) -> None:
    applied.edit_label_file(CHERRY, lambda d: d.update(tags=["outdoor", "night"]))
    before = applied.dump()
    refused = apply(applied)  # removing a tag is a delete: guarded like one
    assert refused.exit_code == 3, refused.output
    assert "the plan removes 1 tag and deletes are not allowed" in refused.stderr
    assert applied.dump() == before
    assert_planned_then_applied(
        applied,
        "+ tag night",
        "- tag reviewed",
        "1 tag will be removed: apply needs --allow-delete.",
        summary="0 to add, 0 to change, 0 to delete across 1 label row, 2 tag changes",
        apply_args=("--allow-delete",),
    )
    assert applied.row("cherry_001.jpg").tags == ("night", "outdoor")


def test_label_tags_added_and_removed(applied: Workspace) -> None:
    def retag(doc: dict[str, Any]) -> None:
        item(doc, "cherry-1")["tags"] = ["occluded"]
        item(doc, "cherry-2")["tags"] = ["hard-case"]

    applied.edit_label_file(CHERRY, retag)
    planned = plan(applied)
    assert_lines(planned, "+ tag occluded", "- tag hard-case")
    # A tag-only change is a tag change, not a label change.
    assert_planned_then_applied(
        applied,
        summary="0 to add, 0 to change, 0 to delete across 1 label row, 3 tag changes",
        apply_args=("--allow-delete",),
    )
    cherry = applied.labels("cherry_001.jpg")
    assert cherry["cherry-1"]["tags"] == ["occluded"]
    assert cherry["cherry-2"]["tags"] == ["hard-case"]


def test_frame_tags_changed(applied: Workspace) -> None:
    applied.edit_label_file(VIDEO, lambda d: d["frame_tags"].update(blurry=["10-20"]))
    assert_planned_then_applied(
        applied,
        "- tag blurry on frames 10-19, 42",
        "+ tag blurry on frames 10-20",
        summary="0 to add, 0 to change, 0 to delete across 1 label row, 2 tag changes",
        apply_args=("--allow-delete",),
    )
    (blurry,) = [t for t in applied.row("orchard_walk.mp4").frame_tags if t.name == "blurry"]
    assert blurry.ranges == ((10, 20),)


# -- deletes ---------------------------------------------------------------------------------------------


@pytest.fixture
def one_delete(applied: Workspace) -> Workspace:
    """persimmon-2 removed from its file: the plan deletes one label."""
    applied.edit_label_file(PERSIMMON, lambda d: d["objects"].remove(item(d, "persimmon-2")))
    return applied


def test_removed_object_is_planned_as_a_delete(one_delete: Workspace) -> None:
    result = plan(one_delete)
    assert result.exit_code == 2, result.output
    # The file no longer names the label, so the plan names it by its hash.
    deleted = one_delete.label_hash("persimmon_004.jpg", "persimmon-2")
    assert_lines(
        result,
        f"- object {deleted} (Persimmon)",
        "1 label (4% of the 23 the files manage) will be deleted: apply needs --allow-delete.",
    )
    assert "0 to add, 0 to change, 1 to delete across 1 label row" in result.stdout


def test_apply_refuses_deletes_without_allow_delete(one_delete: Workspace) -> None:
    before = one_delete.dump()
    result = apply(one_delete)
    assert result.exit_code == 3, result.output
    assert "deletes 1 label and deletes are not allowed" in result.stderr
    assert "--allow-delete" in result.stderr
    assert one_delete.dump() == before


def test_apply_with_allow_delete_deletes(one_delete: Workspace) -> None:
    result = apply(one_delete, "--allow-delete")
    assert result.exit_code == 0, result.output
    assert sorted(one_delete.labels("persimmon_004.jpg")) == ["fruit-types", "persimmon-1"]
    assert plan(one_delete).exit_code == 0


def test_max_deletes_refuses_more_deletes_than_allowed(one_delete: Workspace) -> None:
    before = one_delete.dump()
    result = apply(one_delete, "--allow-delete", "--max-deletes", "0")
    assert result.exit_code == 3, result.output
    assert "more than --max-deletes 0" in result.stderr
    assert one_delete.dump() == before


def test_a_plan_deleting_most_managed_labels_is_refused_unless_allowed_for_the_run(applied: Workspace) -> None:
    """Every file cut down to its `data:` line: the plan deletes all 23 labels, and deletes are allowed."""
    for path in sorted(applied.path("labels").rglob("*.yaml")):
        doc = applied.read_label_file(str(path.relative_to(applied.root)))
        kept = {k: doc[k] for k in ("data", "data_hash", "branch") if k in doc}
        path.write_text(yaml.safe_dump(kept), encoding="utf-8")
    before = applied.dump()
    result = apply(applied, "--allow-delete")
    assert result.exit_code == 3, result.output
    assert (
        "the plan deletes 23 of the 23 labels the files manage (100%, more than the 50% `deletes.max_share` allows)"
        in result.stderr
    )
    assert "--allow-mass-delete" in result.stderr
    assert applied.dump() == before
    forced = apply(applied, "--allow-delete", "--allow-mass-delete")
    assert forced.exit_code == 0, forced.output
    assert plan(applied).exit_code == 0


def git(ws: Workspace, *args: str) -> None:
    subprocess.run(["git", "-C", str(ws.root), *args], check=True, capture_output=True)


def test_a_deleted_label_file_is_shown_as_its_row_leaving_management(applied: Workspace) -> None:
    git(applied, "init", "-q")
    git(applied, "add", "-A")
    git(applied, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "labels")
    applied.path(PERSIMMON).unlink()
    applied.path(CHERRY).rename(applied.path("labels/images/cherry-moved.yaml"))  # moved: still managed
    result = plan(applied)
    assert result.exit_code == 0, result.output  # nothing to write: the row is left as it is
    assert_lines(
        result,
        f"warning: {PERSIMMON} was deleted: row persimmon_004.jpg leaves management (labelsync no longer changes"
        " or deletes its labels, which stay on the remote as they are); to delete them, empty the file instead"
        " of removing it",
    )
    assert "cherry" not in result.stdout.split("Plan:")[0]
    assert "3 unmanaged" in result.stdout
    refused = applied.run("plan", "--base", "--output=x")
    assert refused.exit_code == 1 and "expected a git revision" in refused.stderr
    assert not applied.path("x").exists()


# -- prune: false ----------------------------------------------------------------------------------------


@pytest.fixture
def annotator_added(applied: Workspace) -> Workspace:
    """An annotator drew a second blueberry on blueberry_003.jpg, whose file says `prune: false`."""
    applied.annotator_edit(
        "blueberry_003.jpg", add_copy(applied.label_hash("blueberry_003.jpg", "blueberry-1"), "annot001")
    )
    return applied


def test_prune_false_keeps_an_annotators_label(annotator_added: Workspace) -> None:
    result = plan(annotator_added)
    assert result.exit_code == 0, result.output
    assert "to delete" in result.stdout and "0 to delete" in result.stdout
    assert_lines(result, "(1 remote label kept: the file says prune: false)")
    assert apply(annotator_added).exit_code == 0
    assert sorted(annotator_added.labels("blueberry_003.jpg")) == ["annot001", "blueberry-1"]


def test_prune_false_keeps_an_annotators_tags(applied: Workspace) -> None:
    def tag_it(row: LabelRow) -> LabelRow:
        first = row.objects[0]
        return replace(
            row, tags=(*row.tags, "annotator-check"), objects=(replace(first, tags=("odd",)), *row.objects[1:])
        )

    applied.annotator_edit("blueberry_003.jpg", tag_it)
    result = plan(applied)
    assert result.exit_code == 0, result.output  # nothing to remove: the file keeps what it does not declare
    assert apply(applied).exit_code == 0
    row = applied.row("blueberry_003.jpg")
    assert "annotator-check" in row.tags
    assert row.objects[0].tags == ("odd",)


def test_prune_false_keeps_an_annotators_label_beside_changes(annotator_added: Workspace) -> None:
    annotator_added.edit_label_file(BLUEBERRY_KEPT, lambda d: d.update(tags=["checked"]))
    result = plan(annotator_added)
    assert result.exit_code == 2, result.output
    assert_lines(result, "+ tag checked", "(1 remote label kept: the file says prune: false)")
    assert "0 to delete" in result.stdout
    assert apply(annotator_added).exit_code == 0
    assert sorted(annotator_added.labels("blueberry_003.jpg")) == ["annot001", "blueberry-1"]


def test_saved_plan_notes_kept_labels_and_has_nothing_to_apply(annotator_added: Workspace) -> None:
    data = save_plan(annotator_added)
    assert (data["summary"]["rows"], data["summary"]["unchanged_rows"]) == (0, 8)
    assert [row["counts"]["kept"] for row in data["rows"]] == [1]
    assert not validate_plan(data)
    shown = annotator_added.run("show", "plan.json")
    assert_lines(shown, "(1 remote label kept: the file says prune: false)", NO_CHANGES)
    assert "(8 rows unchanged, 2 unmanaged)" in shown.stdout
    before = annotator_added.dump()
    result = annotator_added.run("apply", "plan.json", "--yes")
    assert result.exit_code == 0, result.output
    assert "Nothing to apply." in result.stdout
    assert annotator_added.dump() == before


def test_prune_true_deletes_an_annotators_label(annotator_added: Workspace) -> None:
    annotator_added.edit_label_file(BLUEBERRY_KEPT, lambda d: d.update(prune=True))
    result = plan(annotator_added)
    assert result.exit_code == 2, result.output
    assert_lines(result, "- object annot001 (Blueberry)")
    assert "0 to add, 0 to change, 1 to delete across 1 label row" in result.stdout


# -- saved plans -------------------------------------------------------------------------------------------


def validate_plan(data: dict[str, Any]) -> list[str]:
    schema = json.loads((ROOT / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return [f"{e.json_path}: {e.message}" for e in Draft202012Validator(schema).iter_errors(data)]


def save_plan(ws: Workspace, name: str = "plan.json") -> dict[str, Any]:
    result = ws.run("plan", "--out", name)
    assert result.exit_code == 0, result.output
    assert f"Saved the plan to {name}" in result.stderr
    data: dict[str, Any] = json.loads(ws.path(name).read_text(encoding="utf-8"))
    return data


def test_saved_plan_of_the_example_matches_the_schema(workspace: Workspace) -> None:
    data = save_plan(workspace)
    assert data["summary"]["add"] == 23
    assert not validate_plan(data)


def test_saved_plan_with_every_kind_of_change_matches_the_schema(annotator_added: Workspace) -> None:
    ws = annotator_added
    ws.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    ws.edit_label_file(CHERRY, lambda d: item(d, "fruit-types").update(tags=[]))
    ws.edit_label_file(PERSIMMON, lambda d: d["objects"].remove(item(d, "persimmon-2")))
    ws.edit_label_file(VIDEO, lambda d: d["frame_tags"].update(blurry=["10-20"]))
    ws.edit_label_file(BLUEBERRY_KEPT, lambda d: d.update(tags=["checked"]))
    data = save_plan(ws)
    actions = {c["action"] for row in data["rows"] for c in row["changes"]}
    assert actions == {"update", "delete"}
    assert not validate_plan(data)
    assert not validate_plan(json.loads(ws.run("plan", "--format", "json").stdout))


def test_plan_schema_allows_additions_and_rejects_damage(applied: Workspace) -> None:
    applied.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    data = save_plan(applied)
    assert not validate_plan({**data, "format_version": "1.7", "new_key": 1})
    assert not validate_plan({**data, "rows": [{**data["rows"][0], "new_key": 1}]})
    change = data["rows"][0]["changes"][0]
    assert validate_plan({**data, "format_version": "2.0"})
    assert validate_plan({k: v for k, v in data.items() if k != "summary"})
    assert validate_plan({**data, "rows": [{**data["rows"][0], "changes": [{**change, "action": "rename"}]}]})
    assert validate_plan({**data, "rows": [{**data["rows"][0], "changes": [{**change, "after": None}]}]})


def test_saved_plan_applies_exactly_what_was_planned(applied: Workspace) -> None:
    applied.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    save_plan(applied)
    applied.edit_label_file(CHERRY, lambda d: item(d, "cherry-2")["box"].update(x=0.5))  # after the plan
    result = applied.run("apply", "plan.json", "--yes")
    assert result.exit_code == 0, result.output
    assert "Apply complete: 1 label row written" in result.stdout
    cherry = applied.labels("cherry_001.jpg")
    assert (cherry["cherry-1"]["box.x"], cherry["cherry-2"]["box.x"]) == (0.3, 0.38)
    replanned = plan(applied)
    assert_lines(replanned, "~ box.x: 0.38 -> 0.5")
    assert "0 to add, 1 to change, 0 to delete" in replanned.stdout


def test_saved_plan_applied_twice_is_already_up_to_date(applied: Workspace) -> None:
    applied.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    save_plan(applied)
    assert applied.run("apply", "plan.json", "--yes").exit_code == 0
    before = applied.dump()
    again = applied.run("apply", "plan.json", "--yes")
    assert again.exit_code == 0, again.output
    assert (
        "0 label rows written (0 added, 0 changed, 0 deleted, 0 tag changes), 1 already up to date" in again.stdout
    )
    assert applied.dump() == before


def test_show_renders_a_saved_plan_as_markdown(applied: Workspace) -> None:
    applied.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    save_plan(applied)
    result = applied.run("show", "plan.json", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("### labelsync plan\n")
    assert "**0 to add, 1 to change, 0 to delete across 1 label row, 0 tag changes" in result.stdout
    assert "```diff" in result.stdout
    assert "!    box.x: 0.12 -> 0.3" in result.stdout.splitlines()


def test_show_renders_a_saved_plan_as_text(applied: Workspace) -> None:
    applied.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    save_plan(applied)
    result = applied.run("show", "plan.json")
    assert result.exit_code == 0, result.output
    assert_lines(result, "~ box.x: 0.12 -> 0.3")


@pytest.fixture
def stale_plan(applied: Workspace) -> Workspace:
    """A plan for cherry_001.jpg and persimmon_004.jpg; then an annotator edits cherry_001.jpg."""
    applied.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    applied.edit_label_file(PERSIMMON, lambda d: item(d, "fruit-types").update(answer=["Persimmon", "Cherry"]))
    save_plan(applied)
    applied.annotator_edit("cherry_001.jpg", set_box_x(applied.label_hash("cherry_001.jpg", "cherry-2"), 0.5))
    return applied


def test_stale_plan_skips_the_row_edited_after_the_plan(stale_plan: Workspace) -> None:
    result = stale_plan.run("apply", "plan.json", "--yes")
    assert result.exit_code == 4, result.output
    assert "Apply complete: 1 label row written" in result.stdout
    assert "1 skipped (edited after the plan)" in result.stdout
    assert "skipped: cherry_001.jpg was edited after the plan; nothing was overwritten" in result.stderr
    cherry = stale_plan.labels("cherry_001.jpg")
    assert (cherry["cherry-1"]["box.x"], cherry["cherry-2"]["box.x"]) == (0.12, 0.5)  # the annotator's edit
    assert stale_plan.labels("persimmon_004.jpg")["fruit-types"]["answer"] == ["Cherry", "Persimmon"]


def test_plan_after_a_stale_apply_shows_the_difference(stale_plan: Workspace) -> None:
    stale_plan.run("apply", "plan.json", "--yes")
    result = plan(stale_plan)
    assert result.exit_code == 2, result.output
    assert_lines(result, "~ box.x: 0.12 -> 0.3", "~ box.x: 0.5 -> 0.38")
    assert "0 to add, 2 to change, 0 to delete across 1 label row" in result.stdout


# -- confirmation and dry runs -------------------------------------------------------------------------------


def test_apply_without_yes_refuses_when_not_interactive(workspace: Workspace) -> None:
    before = workspace.dump()
    result = workspace.run("apply", input="y\n")
    assert result.exit_code == 1, result.output
    assert "refusing to apply without confirmation in a non-interactive run: add --yes" in result.stderr
    assert workspace.dump() == before


def test_dry_run_writes_nothing(workspace: Workspace) -> None:
    before = workspace.dump()
    result = workspace.run("apply", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run: 8 label rows would be written; nothing was written." in result.stdout
    assert workspace.dump() == before


# -- bad input -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BadEdit:
    """A textual edit of one file that makes it wrong, and the finding a user should see."""

    file: str
    old: str
    new: str
    field: str
    message: str
    at: str = ""
    """Text on the line the finding points at; default: the first line of `new`."""

    def line(self, ws: Workspace) -> int:
        return ws.line_of(self.file, self.at or self.new.strip().splitlines()[0])


BAD_EDITS = {
    "unknown top-level key": BadEdit(
        CHERRY, "tags: [outdoor", "tagz: [outdoor", "tagz", 'unknown key "tagz" (did you mean "tags"?)'
    ),
    "class not in the ontology": BadEdit(
        CHERRY,
        "- id: cherry-2\n    class: Cherry",
        "- id: cherry-2\n    class: Chery",
        "objects[1].class",
        'no object class "Chery" in the ontology (did you mean "Cherry"?)',
        at="class: Chery",
    ),
    "attribute not in the ontology": BadEdit(
        CHERRY,
        "Notes: stem",
        "Note: stem",
        "objects[0].attributes.Note",
        'Cherry has no attribute "Note" (did you mean "Notes"?)',
    ),
    "option not in the ontology": BadEdit(
        CHERRY,
        "Ripeness: Unripe",
        "Ripeness: Unrip",
        "objects[1].attributes.Ripeness",
        '"Ripeness" has no option "Unrip" (did you mean "Unripe"?)',
    ),
    "geometry of another shape": BadEdit(
        CHERRY,
        "box: {x: 0.38, y: 0.24, w: 0.2, h: 0.28}",
        "polygon: [[0.1, 0.1], [0.2, 0.2], [0.1, 0.3]]",
        "objects[1].polygon",
        "Cherry is a bounding_box class: give `box`, not `polygon`",
    ),
    "coordinate outside 0..1": BadEdit(
        CHERRY, "box: {x: 0.12,", "box: {x: 1.5,", "objects[0].box.x", "1.5 is outside 0..1"
    ),
    "required attribute missing": BadEdit(
        CHERRY,
        "    attributes:\n      Ripeness: Unripe\n      Defects: [Bruised, Split]",
        "    attributes: {Defects: [Bruised, Split]}",
        "objects[1].attributes",
        'Cherry requires the attribute "Ripeness"',
    ),
    "duplicate id": BadEdit(
        CHERRY,
        "- id: cherry-2",
        "- id: cherry-1  # again",
        "objects[1].id",
        'duplicate id "cherry-1" (first used at objects[0])',
    ),
    "data unit not in the project": BadEdit(
        CHERRY,
        "data: cherry_001.jpg",
        "data: cherry_01.jpg",
        "data",
        'no data unit titled "cherry_01.jpg" in the project (did you mean "cherry_001.jpg"?)',
    ),
    "frame beyond the video": BadEdit(
        VIDEO,
        '"20-29": {box',
        '"115-125": {box',
        "objects[1].frames.115-125",
        "frame 115-125 is beyond orchard_walk.mp4, which has 120 frames (0 to 119)",
    ),
    "dynamic answer on a frame without geometry": BadEdit(
        VIDEO,
        '"4-9": Walking',
        '"4-12": Walking',
        "objects[0].dynamic.Position.4-12",
        "Person has no geometry on frame 10: a dynamic answer needs one",
    ),
    "overlapping ranges of one classification": BadEdit(
        VIDEO,
        '    frames: ["20-29", 35]\n',
        '    frames: ["20-29", 35]\n  - id: fruit-kind-2\n    question: Blueberry or cherry?\n'
        '    answer: Blueberry\n    frames: ["25-30"]\n',
        "classifications[1].frames",
        '"Blueberry or cherry?" is answered twice on frame 25 (also by "fruit-kind")',
        at='frames: ["25-30"]',
    ),
}


def assert_rejected(ws: Workspace, result: Result, before: Any, *expected: str) -> None:
    """Exit 1, every expected text in the error output, no traceback, nothing written."""
    assert result.exit_code == 1, result.output
    for text in expected:
        assert text in result.stderr, f"{text!r} not in:\n{result.stderr}"
    assert "Traceback" not in result.output
    assert ws.dump() == before


@pytest.mark.parametrize("case", list(BAD_EDITS.values()), ids=list(BAD_EDITS))
def test_bad_label_file_is_rejected_with_its_location(workspace: Workspace, case: BadEdit) -> None:
    before = workspace.dump()
    workspace.replace_in_file(case.file, case.old, case.new)
    result = apply(workspace)
    location = f"{case.file}:{case.line(workspace)}: {case.field}: "
    assert_rejected(workspace, result, before, location + case.message, "nothing was written to the remote")


def test_malformed_yaml_is_rejected_with_its_line(workspace: Workspace) -> None:
    before = workspace.dump()
    workspace.replace_in_file(CHERRY, "  - id: cherry-2\n", "  - id: cherry-2\n   nonsense: [\n")
    result = apply(workspace)
    line = workspace.line_of(CHERRY, "nonsense")
    assert_rejected(workspace, result, before, f"{CHERRY}:{line}: invalid YAML:")


def test_two_files_for_one_data_unit_are_rejected(workspace: Workspace) -> None:
    before = workspace.dump()
    copy = "labels/images/cherry_again.yaml"
    workspace.path(copy).write_text(workspace.path(CHERRY).read_text(encoding="utf-8"), encoding="utf-8")
    result = apply(workspace)
    line = workspace.line_of(copy, "data: cherry_001.jpg")
    assert_rejected(
        workspace,
        result,
        before,
        f"{copy}:{line}: data: {CHERRY} already declares the label row of cherry_001.jpg",
    )


def test_unknown_setting_in_the_config_is_rejected_with_its_line(workspace: Workspace) -> None:
    before = workspace.dump()
    workspace.replace_in_file("labelsync.yaml", "bundle_size: 100", "bundel_size: 100")
    result = apply(workspace)
    line = workspace.line_of("labelsync.yaml", "bundel_size")
    assert_rejected(
        workspace,
        result,
        before,
        f'labelsync.yaml:{line}: bundel_size: unknown setting (did you mean "bundle_size"?)',
    )


# -- the installed entry point ------------------------------------------------------------------------------


@pytest.mark.parametrize("module", [True, False], ids=["python -m reconciler", "labelsync script"])
def test_entry_point_runs_plan(workspace: Workspace, module: bool) -> None:
    if not module and not Path(sys.executable).with_name("labelsync").exists():
        pytest.skip("no labelsync script beside this Python")
    result = workspace.run_subprocess("plan", "--detailed-exitcode", module=module)
    assert result.exit_code == 2, result.output
    assert EXAMPLE_PLAN in result.stdout
    assert "Traceback" not in result.stderr


def test_a_second_yaml_document_in_a_label_file_is_an_error(workspace: Workspace) -> None:
    path = workspace.path("labels/images/cherry_001.jpg.yaml")
    path.write_text(path.read_text(encoding="utf-8") + "---\ndata: cherry_001.jpg\n", encoding="utf-8")
    before = workspace.dump()
    result = workspace.run("plan")
    assert result.exit_code == 1
    line = len(path.read_text(encoding="utf-8").splitlines()) - 1
    assert (
        f"labels/images/cherry_001.jpg.yaml:{line}: invalid YAML: a second YAML document starts here"
        in result.stderr
    )
    assert workspace.dump() == before


# -- the command line ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("plan", "--detailed-exitcod"), ("apply", "--yes", "--allow-deletes"), ("plann",)])
def test_a_usage_error_exits_1_never_2_which_means_changes(workspace: Workspace, args: tuple[str, ...]) -> None:
    before = workspace.dump()
    result = workspace.run(*args)
    assert result.exit_code == 1, result.output  # a drift job with a typo must fail, not report drift forever
    assert "Error:" in result.output
    assert workspace.dump() == before


def test_dash_h_is_help_for_every_command(workspace: Workspace) -> None:
    for command in ([], ["plan"], ["apply"], ["validate"], ["pull"], ["show"], ["fmt"], ["local"], ["local", "init"]):
        result = workspace.run(*command, "-h")
        assert result.exit_code == 0, (command, result.output)
        assert result.stdout.startswith(f"Usage: labelsync {' '.join(command)}".rstrip()), result.stdout[:80]


def test_force_color_colours_a_ci_log_and_no_color_wins(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "\x1b[" not in workspace.run("plan").stdout  # not a terminal: plain
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = workspace.run("plan").stdout
    assert "\x1b[32m+ object cherry-1" in coloured.replace("  ", "")
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in workspace.run("plan").stdout


def test_the_pre_commit_hooks_run_labelsync_commands_that_pass_on_the_example(workspace: Workspace) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {hook["id"] for hook in hooks} == {"labelsync-validate", "labelsync-fmt"}
    for hook in hooks:
        program, *args = hook["entry"].split()
        assert program == "labelsync" and hook["language"] == "python"
        result = workspace.run(*args)
        assert result.exit_code == 0, (hook["id"], result.output)
