"""`was: OLD-ID`: a label renamed in its file keeps its hash (its remote identity), and the plan says so.

Without `was:` a new id is a new hash: the old label is deleted and a new one added. With it, the plan shows
a rename (nothing to write), or an update that says it renames; the label keeps the hash of its old id for as
long as it lives, so `was:` stays in the file (and `fmt` keeps it). Through the real CLI on the example.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from typing import Any

import pytest
from labelsync_workspace import Workspace

from reconciler.identity import label_hash

CHERRY = "labels/images/cherry_001.jpg.yaml"
TITLE = "cherry_001.jpg"


@pytest.fixture
def applied(workspace: Workspace) -> Workspace:
    result = workspace.run("apply", "--yes")
    assert result.exit_code == 0, result.output
    return workspace


@pytest.fixture
def applied_local(local_workspace: Workspace) -> Workspace:
    result = local_workspace.run("apply", "--yes")
    assert result.exit_code == 0, result.output
    return local_workspace


def json_plan(ws: Workspace, *args: str) -> dict[str, Any]:
    result = ws.run("plan", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def row_of(plan: dict[str, Any], file: str) -> dict[str, Any]:
    rows = [r for r in plan["rows"] if r["file"] == file]
    assert len(rows) == 1, [r["file"] for r in plan["rows"]]
    return rows[0]


def rename_cherry_2(ws: Workspace) -> None:
    ws.replace_in_file(CHERRY, "  - id: cherry-2\n", "  - id: cherry-big\n    was: cherry-2\n")


def git(ws: Workspace, *args: str) -> None:
    subprocess.run(["git", "-C", str(ws.root), *args], check=True, capture_output=True)


def commit(ws: Workspace, message: str = "labels") -> None:
    git(ws, "add", "-A")
    git(ws, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message)


def test_a_renamed_label_keeps_its_hash_and_the_plan_shows_a_rename(applied: Workspace) -> None:
    before = applied.dump()
    rename_cherry_2(applied)
    plan = json_plan(applied)
    assert plan["summary"]["add"] == plan["summary"]["delete"] == plan["summary"]["change"] == 0
    row = row_of(plan, CHERRY)
    assert row["renames"] == [{"from": "cherry-2", "to": "cherry-big"}]
    assert row["changes"] == []
    assert applied.run("plan", "--detailed-exitcode").exit_code == 0  # nothing to write
    result = applied.run("apply", "--yes", "--allow-delete")
    assert result.exit_code == 0, result.output
    assert applied.dump() == before  # nothing was written: the label kept its hash
    hashes = {label.hash for label in applied.row(TITLE).labels}
    data_hash = applied.key(TITLE).data_hash
    assert label_hash(data_hash, "main", "cherry-2") in hashes
    assert label_hash(data_hash, "main", "cherry-big") not in hashes


def test_without_was_a_new_id_is_a_delete_and_an_add(applied_local: Workspace) -> None:
    applied_local.replace_in_file(CHERRY, "  - id: cherry-2\n", "  - id: cherry-big\n")
    row = row_of(json_plan(applied_local), CHERRY)
    assert sorted((c["action"], c["name"]) for c in row["changes"]) == [
        ("create", "cherry-big"),
        ("delete", label_hash(applied_local.key(TITLE).data_hash, "main", "cherry-2")),  # no git: its hash
    ]
    assert row["renames"] == []


def test_a_rename_with_a_box_change_is_an_update_that_says_it_renames(applied_local: Workspace) -> None:
    rename_cherry_2(applied_local)
    applied_local.replace_in_file(CHERRY, "box: {x: 0.38,", "box: {x: 0.4,")
    row = row_of(json_plan(applied_local), CHERRY)
    (change,) = row["changes"]
    assert change["action"] == "update"
    assert change["name"] == "cherry-big" and change["renamed_from"] == "cherry-2"
    assert change["hash"] == label_hash(applied_local.key(TITLE).data_hash, "main", "cherry-2")
    assert change["line"] == applied_local.line_of(CHERRY, "id: cherry-big")
    assert [f["path"] for f in change["fields"]] == ["box.x"]
    assert row["renames"] == []  # said by the change
    saved = applied_local.run("plan", "--out", "plan.json")
    assert saved.exit_code == 0, saved.output
    result = applied_local.run("apply", "plan.json", "--yes")
    assert result.exit_code == 0, result.output
    assert applied_local.run("plan", "--detailed-exitcode").exit_code == 0


def test_a_committed_rename_is_not_shown_again(applied_local: Workspace) -> None:
    git(applied_local, "init", "-q")
    commit(applied_local)
    rename_cherry_2(applied_local)
    assert row_of(json_plan(applied_local), CHERRY)["renames"] == [{"from": "cherry-2", "to": "cherry-big"}]
    commit(applied_local, "rename")
    plan = json_plan(applied_local)
    assert all(r["file"] != CHERRY for r in plan["rows"]), plan["rows"]
    assert applied_local.run("plan", "--detailed-exitcode").exit_code == 0


def test_fmt_keeps_was_right_after_the_id(applied_local: Workspace) -> None:
    applied_local.replace_in_file(
        CHERRY,
        "  - id: cherry-2\n    class: Cherry\n",
        "  - class: Cherry\n    was: cherry-2\n    id: cherry-big\n",
    )
    result = applied_local.run("fmt", CHERRY)
    assert result.exit_code == 0, result.output
    text = applied_local.path(CHERRY).read_text(encoding="utf-8")
    assert "  - id: cherry-big\n    was: cherry-2\n    class: Cherry\n" in text
    assert row_of(json_plan(applied_local), CHERRY)["renames"] == [{"from": "cherry-2", "to": "cherry-big"}]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  - id: cherry-2\n", "  - id: cherry-big\n    was: cherry-2\n    hash: abcd1234\n", "not both"),
        ("  - id: cherry-2\n", "  - id: cherry-big\n    was: cherry-1\n", "is the id of another label"),
        ("  - id: cherry-2\n", "  - id: cherry-2\n    was: cherry-2\n", "the label's own id"),
        ("  - id: cherry-2\n", "  - id: cherry-big\n    was: [cherry-2]\n", "expected the label's old id"),
        ("  - id: fruit-kind\n", "  - id: kind\n    was: gone\n", None),
    ],
)
def test_a_was_that_cannot_mean_a_rename_is_a_finding_at_its_line(
    local_workspace: Workspace, old: str, new: str, message: str | None
) -> None:
    local_workspace.replace_in_file(CHERRY, old, new)
    if message is None:  # another label's `was: gone` too: two labels cannot both have been it
        local_workspace.replace_in_file(CHERRY, "  - id: fruit-types\n", "  - id: types\n    was: gone\n")
        message = 'two labels were "gone"'
    result = local_workspace.run("validate")
    assert result.exit_code != 0
    text = result.output
    assert message in text, text
    was_lines = [
        n for n, line in enumerate(local_workspace.path(CHERRY).read_text().splitlines(), 1) if "was:" in line
    ]
    assert any(f"{CHERRY}:{n}:" in text for n in was_lines), text


def test_pull_keeps_was_and_protect_when_it_rewrites_a_file(applied_local: Workspace) -> None:
    ws = applied_local
    rename_cherry_2(ws)
    ws.replace_in_file(CHERRY, "data: cherry_001.jpg\n", "data: cherry_001.jpg\nprotect: true\n")
    ws.replace_in_file(CHERRY, "  - id: fruit-kind\n", "  - id: fruit-kind\n    protect: true\n")
    ws.annotator_edit(TITLE, lambda row: replace(row, tags=(*row.tags, "from-the-editor")))

    pulled = ws.run("pull", "--drifted")
    assert pulled.exit_code == 0, pulled.output
    doc = ws.read_label_file(CHERRY)
    assert doc["protect"] is True and "from-the-editor" in doc["tags"]
    renamed = [o for o in doc["objects"] if o["id"] == "cherry-big"]
    assert renamed and renamed[0]["was"] == "cherry-2" and "hash" not in renamed[0]
    kind = [c for c in doc["classifications"] if c["id"] == "fruit-kind"]
    assert kind and kind[0]["protect"] is True
    assert ws.run("plan", "--detailed-exitcode").exit_code == 0  # the same labels, the same hashes
