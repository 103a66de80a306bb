"""A plan diff a reviewer can read: what `labelsync plan` prints for a change, line by line.

A class change has its own line, a polygon's moved points are named with where they went and how far,
a video object's frames that change read as one range change, and two numbers that differ never print
the same. Driven through the real CLI on the example project (the `workspace` fixture), so these are the
exact lines a reviewer sees; the renderer's own cases (caps, provenance) are checked on plan dicts.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from labelsync_workspace import Result, Workspace

from reconciler.render.lines import MAX_POINTS, pair, row_lines

CHERRY = "labels/images/cherry_001.jpg.yaml"
PERSIMMON = "labels/images/persimmon_004.jpg.yaml"
VIDEO = "labels/videos/orchard_walk.mp4.yaml"


@pytest.fixture
def applied(workspace: Workspace) -> Workspace:
    result = workspace.run("apply", "--yes")
    assert result.exit_code == 0, result.output
    return workspace


def item(doc: dict[str, Any], label_id: str) -> dict[str, Any]:
    (found,) = [x for x in [*doc.get("objects", []), *doc.get("classifications", [])] if x["id"] == label_id]
    return found


def change_lines(result: Result, heading: str) -> list[str]:
    """The lines of the change whose heading starts with `heading`: the heading, then its fields."""
    assert result.exit_code == 2, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    (start,) = [i for i, line in enumerate(lines) if line.startswith(heading)]
    end = start + 1
    while end < len(lines) and lines[end] and not lines[end].startswith(("~ object", "+ object", "- object")):
        end += 1
    return lines[start:end]


def plan(ws: Workspace, *args: str) -> Result:
    return ws.run("plan", "--detailed-exitcode", *args)


def test_a_class_change_is_shown_first(applied: Workspace) -> None:
    def to_person(doc: dict[str, Any]) -> None:
        cherry = item(doc, "cherry-2")
        cherry["class"] = "Person"
        del cherry["attributes"]

    applied.edit_label_file(CHERRY, to_person)
    line = applied.line_of(CHERRY, "id: cherry-2")
    assert change_lines(plan(applied), "~ object cherry-2") == [
        f"~ object cherry-2 (Person)  <- line {line}",
        "~ class: Cherry -> Person",
        '- attributes.Defects = ["Bruised", "Split"]',
        '- attributes.Ripeness = "Unripe"',
    ]
    applied_now = applied.run("apply", "--yes")  # the old class's answers go with it: Encord refuses them
    assert applied_now.exit_code == 0, applied_now.output
    assert plan(applied).exit_code == 0


def test_a_moved_polygon_point_is_named_with_where_it_went_and_how_far(applied: Workspace) -> None:
    applied.replace_in_file(PERSIMMON, "[0.42, 0.35]", "[0.45, 0.35]")
    applied.replace_in_file(PERSIMMON, "[0.75, 0.55], [0.65, 0.55]", "[0.75, 0.59], [0.65, 0.55]")
    result = plan(applied)
    assert change_lines(result, "~ object persimmon-1")[1:] == [
        "~ polygon point 3 moved (0.42, 0.35) -> (0.45, 0.35), by 0.03"
    ]
    assert change_lines(result, "~ object persimmon-2")[1:] == [
        "~ polygon hole 1 point 3 moved (0.75, 0.55) -> (0.75, 0.59), by 0.04"
    ]
    markdown = plan(applied, "--format", "markdown").stdout.splitlines()
    assert "!    polygon point 3 moved (0.42, 0.35) -> (0.45, 0.35), by 0.03" in markdown


def test_an_added_polygon_point_and_part_are_counted_and_listed(applied: Workspace) -> None:
    applied.replace_in_file(PERSIMMON, "[0.42, 0.35], [0.3, 0.55]", "[0.42, 0.35], [0.4, 0.5], [0.3, 0.55]")
    applied.replace_in_file(
        PERSIMMON,
        "        - [[0.65, 0.45], [0.75, 0.45], [0.75, 0.55], [0.65, 0.55]]\n",
        "        - [[0.65, 0.45], [0.75, 0.45], [0.75, 0.55], [0.65, 0.55]]\n      - - [[0.1, 0.1], [0.2, 0.1], [0.2, 0.2]]\n",
    )
    result = plan(applied)
    assert change_lines(result, "~ object persimmon-1")[1:] == [
        "~ polygon: 5 -> 6 points",
        "+ polygon point 4 = (0.4, 0.5)",
    ]
    assert change_lines(result, "~ object persimmon-2")[1:] == [
        "+ polygon part 2 = 3 points: (0.1, 0.1), (0.2, 0.1), (0.2, 0.2)"
    ]


def test_a_polygon_redrawn_lists_its_first_points_and_counts_the_rest(applied: Workspace) -> None:
    turns = [2 * math.pi * i / (MAX_POINTS + 3) for i in range(MAX_POINTS + 3)]
    ring = [[round(0.5 + 0.2 * math.cos(a), 3), round(0.5 + 0.2 * math.sin(a), 3)] for a in turns]
    applied.edit_label_file(PERSIMMON, lambda d: item(d, "persimmon-1").update(polygon=ring))
    assert applied.run("apply", "--yes").exit_code == 0
    moved = [[round(x + 0.05, 3), y] for x, y in ring]
    applied.edit_label_file(PERSIMMON, lambda d: item(d, "persimmon-1").update(polygon=moved))
    lines = change_lines(plan(applied), "~ object persimmon-1")[1:]
    assert lines[0] == "~ polygon point 1 moved (0.7, 0.5) -> (0.75, 0.5), by 0.05"
    assert len(lines) == MAX_POINTS + 1
    assert lines[-1] == "... and 3 more points moved"


def test_a_video_range_change_is_one_line(applied: Workspace) -> None:
    applied.replace_in_file(VIDEO, '"20-29": {box', '"20-34": {box')
    result = plan(applied)
    assert change_lines(result, "~ object cherry-1")[1:] == ["~ frames: 20-29 -> 20-34"]
    assert "Plan: 0 to add, 1 to change, 0 to delete" in result.stdout


def test_a_range_change_with_a_moved_box_is_the_range_then_the_box(applied: Workspace) -> None:
    applied.replace_in_file(VIDEO, '"20-29": {box: {x: 0.6,', '"20-34": {box: {x: 0.65,')
    assert change_lines(plan(applied), "~ object cherry-1")[1:] == [
        "~ frames: 20-29 -> 20-34",
        "~ box.x: 0.6 -> 0.65",
    ]


def test_a_track_extended_with_a_new_box_shows_the_new_frames(applied: Workspace) -> None:
    applied.replace_in_file(
        VIDEO,
        '"4-9": {box: {x: 0.3, y: 0.3, w: 0.5, h: 0.5}}',
        '"4-12": {box: {x: 0.3, y: 0.3, w: 0.5, h: 0.5}}\n      "13": {box: {x: 0.4, y: 0.3, w: 0.5, h: 0.5}}',
    )
    assert change_lines(plan(applied), "~ object person-1")[1:] == [
        "~ frames: 3-9 -> 3-13",
        "+ frames[13].box = {x: 0.4, y: 0.3, w: 0.5, h: 0.5}",
    ]


def test_a_classification_range_change_is_one_line(applied: Workspace) -> None:
    applied.replace_in_file(VIDEO, 'frames: ["20-29", 35]', 'frames: ["20-31", 35]')
    lines = [line.strip() for line in plan(applied).stdout.splitlines()]
    assert "~ frames: 20-29, 35 -> 20-31, 35" in lines


def test_numbers_that_differ_never_print_the_same(applied: Workspace) -> None:
    applied.replace_in_file(CHERRY, "x: 0.12,", "x: 0.1200000001,")
    assert change_lines(plan(applied), "~ object cherry-1")[1:] == ["~ box.x: 0.12 -> 0.1200000001"]


@pytest.mark.parametrize(
    ("before", "after", "shown"),
    [
        (0.12, 0.1200000001, ("0.12", "0.1200000001")),
        (0.12, 0.3, ("0.12", "0.3")),
        (0.1, 0.1 + 2**-55, ("0.1", "0.10000000000000003")),
        (1, 2, ("1", "2")),
        ([0.5, 0.12], [0.5, 0.1200001], ("[0.5, 0.12]", "[0.5, 0.1200001]")),
        ({"x": 0.3, "y": 0.7}, {"x": 0.3000004, "y": 0.7}, ("{x: 0.3, y: 0.7}", "{x: 0.3000004, y: 0.7}")),
    ],
)
def test_a_pair_of_numbers_is_shown_with_the_digits_that_tell_them_apart(
    before: Any, after: Any, shown: tuple[str, str]
) -> None:
    assert pair(before, after) == shown


def _row(*changes: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": "t",
        "branch": "main",
        "label_hash": "h",
        "file": "labels/t.yaml",
        "changes": list(changes),
        "tag_changes": [],
        "counts": {"kept": 0, "carried": 0},
    }


def _change(**keys: Any) -> dict[str, Any]:
    base = {"action": "update", "kind": "object", "name": "cherry-2", "class": "Cherry", "tags": []}
    return {**base, "fields": [{"path": "box.x", "before": 0.1, "after": 0.2}], **keys}


def test_a_change_names_its_line_and_its_old_id_when_the_plan_has_them() -> None:
    lines = [(line.sign, line.text) for line in row_lines(_row(_change(line=14, renamed_from="cherry-1")))]
    assert lines[0] == ("~", "object cherry-2 (Cherry), renamed from cherry-1  <- line 14")
    assert next(line.text for line in row_lines(_row(_change()))) == "object cherry-2 (Cherry)"
    plain = [line.text for line in row_lines(_row(_change(line=None, renamed_from=None)))]
    assert plain[0] == "object cherry-2 (Cherry)"
    hostile = [line.text for line in row_lines(_row(_change(renamed_from="a\nPlan: forged")))]
    assert "\n" not in hostile[0]


def test_a_track_whose_box_moves_on_every_frame_stays_bounded() -> None:
    fields = [{"path": f"frames[{i}].box.x", "before": 0.1, "after": 0.2} for i in range(500)]
    lines = list(row_lines(_row(_change(fields=fields))))
    assert len(lines) == 1 + 25 + 1
    assert lines[-1].text == "... and 475 more (see --format json)"
