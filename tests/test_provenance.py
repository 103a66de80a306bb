"""Provenance: every change of a plan carries the file and the line that asks for it.

A create or an update points at the label's `id:` in its file; a delete at the line that declared the label
in the file's last committed version (git, at `--base`), and is named by its id there; data tag changes at
the file's `tags:`. Through the real CLI on the example project.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from labelsync_workspace import Workspace

from reconciler.desired.declared import declared_lines
from reconciler.identity import label_hash
from reconciler.planfile import plan_from_dict, plan_to_dict
from reconciler.yamlio import lines_of, load

CHERRY = "labels/images/cherry_001.jpg.yaml"
TITLE = "cherry_001.jpg"


@pytest.fixture
def applied(local_workspace: Workspace) -> Workspace:
    result = local_workspace.run("apply", "--yes")
    assert result.exit_code == 0, result.output
    return local_workspace


def json_plan(ws: Workspace, *args: str) -> dict[str, Any]:
    result = ws.run("plan", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def git(ws: Workspace, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(ws.root), *args], check=True, capture_output=True, text=True)
    return done.stdout


def commit(ws: Workspace) -> None:
    git(ws, "add", "-A")
    git(ws, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "labels")


def test_every_change_of_the_example_points_at_the_id_that_asks_for_it(local_workspace: Workspace) -> None:
    plan = json_plan(local_workspace)
    changes = 0
    for row in plan["rows"]:
        lines = local_workspace.path(row["file"]).read_text(encoding="utf-8").splitlines()
        for change in row["changes"]:
            changes += 1
            assert change["line"] is not None, change["name"]
            declared = lines[change["line"] - 1].split(" #")[0].strip()
            assert declared in (f"- id: {change['name']}", f"id: {change['name']}"), (row["file"], change["line"])
        if row["tag_changes"]:
            assert row["tags_line"] is not None
            assert lines[row["tags_line"] - 1].startswith(("tags:", "frame_tags:"))
    assert changes == 23


def test_an_update_points_at_its_label(applied: Workspace) -> None:
    applied.replace_in_file(CHERRY, "box: {x: 0.38,", "box: {x: 0.4,")
    applied.replace_in_file(CHERRY, "tags: [outdoor, reviewed]", "tags: [outdoor]")
    (row,) = json_plan(applied)["rows"]
    (change,) = row["changes"]
    assert change["line"] == applied.line_of(CHERRY, "id: cherry-2")
    assert row["tags_line"] == applied.line_of(CHERRY, "tags: [outdoor]")


def test_a_saved_plan_keeps_the_lines(applied: Workspace) -> None:
    applied.replace_in_file(CHERRY, "box: {x: 0.38,", "box: {x: 0.4,")
    assert applied.run("plan", "--out", "plan.json").exit_code == 0
    data = json.loads(applied.path("plan.json").read_text(encoding="utf-8"))
    assert data["rows"][0]["changes"][0]["line"] == applied.line_of(CHERRY, "id: cherry-2")
    assert plan_to_dict(plan_from_dict(data)) == data


def test_a_deleted_label_is_named_by_its_id_and_line_in_the_last_commit(applied: Workspace) -> None:
    git(applied, "init", "-q")
    commit(applied)
    line = applied.line_of(CHERRY, "id: fruit-types")
    applied.replace_in_file(
        CHERRY,
        "  - id: fruit-types\n    question: Many types of fruit?\n    answer: [Cherry]\n    tags: [reviewed]",
        "",
    )
    (row,) = json_plan(applied)["rows"]
    (change,) = row["changes"]
    assert (change["action"], change["name"], change["line"]) == ("delete", "fruit-types", line)
    assert change["hash"] == label_hash(applied.key(TITLE).data_hash, "main", "fruit-types")
    text = applied.run("plan").stdout
    assert "fruit-types" in text


def test_without_git_a_deleted_label_is_named_by_its_hash(applied: Workspace) -> None:
    applied.replace_in_file(
        CHERRY,
        "  - id: fruit-types\n    question: Many types of fruit?\n    answer: [Cherry]\n    tags: [reviewed]",
        "",
    )
    (row,) = json_plan(applied)["rows"]
    (change,) = row["changes"]
    assert change["name"] == label_hash(applied.key(TITLE).data_hash, "main", "fruit-types")
    assert change["line"] is None


def test_a_deleted_label_is_named_against_the_base_given(applied: Workspace) -> None:
    git(applied, "init", "-q")
    commit(applied)
    first = git(applied, "rev-parse", "HEAD").strip()
    applied.replace_in_file(CHERRY, "  - id: fruit-types\n", "  - id: fruit-types-2\n    was: fruit-types\n")
    commit(applied)  # HEAD calls it fruit-types-2; the first commit fruit-types
    applied.replace_in_file(
        CHERRY,
        "  - id: fruit-types-2\n    was: fruit-types\n    question: Many types of fruit?\n    answer: [Cherry]\n"
        "    tags: [reviewed]",
        "",
    )
    (row,) = json_plan(applied)["rows"]
    assert [c["name"] for c in row["changes"]] == ["fruit-types-2"]
    (row,) = json_plan(applied, "--base", first)["rows"]
    assert [c["name"] for c in row["changes"]] == ["fruit-types"]


BLOCK = """data: x.jpg
tags: [a]
objects:
  - class: Cherry
    box: {x: 0.1, y: 0.1, w: 0.1, h: 0.1}
    id: one
  -
    id: two
    attributes:
      id: not this one
  - {id: three, class: Cherry}
classifications: []
"""


def test_lines_are_found_without_composing_a_block_file_and_agree_with_pyyaml() -> None:
    doc = load(BLOCK)
    paths: list[Any] = [("tags",), ("objects", 0), ("objects", 1), ("objects", 2), ("classifications",)]
    found = declared_lines(BLOCK, doc, paths)
    assert found == [2, 6, 8, 11, 12]
    flow = "data: x.jpg\nobjects: [{id: one, class: Cherry},\n  {id: two, class: Cherry}]\n"
    assert declared_lines(flow, load(flow), [("objects", 0), ("objects", 1)]) == lines_of(
        flow, [("objects", 0), ("objects", 1)]
    )


def test_finding_lines_costs_nothing_for_unchanged_files(applied: Workspace, monkeypatch: Any) -> None:
    """A no-change plan never looks for lines: they are found only for the files a plan diffs."""
    import reconciler.desired.loading as loading

    calls: list[str] = []
    real = loading.with_lines

    def counting(label_file: Any, text: str, doc: Any) -> Any:
        calls.append(label_file.path)
        return real(label_file, text, doc)

    monkeypatch.setattr(loading, "with_lines", counting)
    (Path(applied.root) / ".labelsync" / "desired-cache.json").unlink(missing_ok=True)
    assert applied.run("plan", "--detailed-exitcode").exit_code == 0
    assert calls == []
    applied.replace_in_file(CHERRY, "box: {x: 0.38,", "box: {x: 0.4,")
    assert applied.run("plan", "--detailed-exitcode").exit_code == 2
    assert calls == [CHERRY]


def test_lines_in_a_huge_object_are_those_composing_finds() -> None:
    """An object of over `STREAMED_FROM` characters is read event by event up to the path, not composed:
    the lines found are the same."""
    import yaml

    from reconciler.yamlio import lines as yaml_lines
    from reconciler.yamlio.pyyaml import Marks

    points = json.dumps([[0.1, 0.1], [0.9, 0.1], [0.5, 0.9]] * 20_000)
    text = (
        "data: x.jpg\nobjects:\n  - id: small\n    class: Cherry\n    box: {x: 0.1, y: 0.1, w: 0.1, h: 0.1}\n"
        f"  - id: lake\n    class: Lake\n    tags: [a, b]\n    polygon:\n      {points}\n    attributes:\n"
        "      Depth: 3\n" + "  - id: pad\n    class: Cherry\n    note: " + "x" * 1_000_000 + "\n"
    )
    assert len(text) > yaml_lines.SLICED_FROM
    paths: list[Any] = [
        ("objects", 1, "polygon"),
        ("objects", 1, "polygon", 3),
        ("objects", 1, "attributes", "Depth"),
        ("objects", 1, "tags", 1),
        ("objects", 1, "missing"),
        ("objects", 0, "box", "x"),
    ]
    root = yaml.compose(text, Loader=Marks)
    composed = [yaml_lines._line_in(root, path, {}) for path in paths]
    assert composed == [9, 10, 12, 8, 6, 5]
    assert lines_of(text, paths) == composed
