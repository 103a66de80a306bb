"""What a reviewer sees and what apply after merge does with it: the pull-request loop, end to end.

A pull request changes label files; its plan is saved and posted for review. While it waits, an annotator
edits one of the rows it changes. After merge, apply is given the reviewed plan (found by the commit it
records): it applies exactly that plan, skips the row edited since (exit 4) and names it, and refuses a
plan that is not the reviewed one for the merged files.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace

from labelsync_workspace import Workspace

from reconciler.model import LabelRow

CHERRY = "labels/images/cherry_001.jpg.yaml"
PERSIMMON = "labels/images/persimmon_004.jpg.yaml"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Reviewer",
    "GIT_AUTHOR_EMAIL": "reviewer@example.com",
    "GIT_COMMITTER_NAME": "Reviewer",
    "GIT_COMMITTER_EMAIL": "reviewer@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": "/usr/bin:/bin:/usr/local/bin",
}


def git(ws: Workspace, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=ws.root, env=GIT_ENV, capture_output=True, text=True, check=True, timeout=30
    )
    return done.stdout.strip()


def start_repository(ws: Workspace) -> None:
    """The example in git on main, applied: the remote matches main."""
    (ws.root / ".gitignore").write_text(".labelsync/\n*.json\n!labels/*.json\n", encoding="utf-8")
    git(ws, "init", "-q", "-b", "main")
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "labels")
    applied = ws.run("apply", "--yes")
    assert applied.exit_code == 0, applied.output


def moved_cherry_2(row: LabelRow) -> LabelRow:
    """The annotator nudges cherry-2's box: the row now differs from what the plan saw."""
    objects = []
    for obj in row.objects:
        if obj.frames and obj.frames[0][1].shape.key == "box" and obj.frames[0][1].value["x"] == 0.38:
            geometry = replace(obj.frames[0][1], value={**obj.frames[0][1].value, "x": 0.4})
            obj = replace(obj, frames=((0, geometry),))
        objects.append(obj)
    return replace(row, objects=tuple(objects))


def test_apply_after_merge_applies_the_reviewed_plan_and_skips_the_row_edited_since(workspace: Workspace) -> None:
    ws = workspace
    start_repository(ws)

    # the pull request: a box moved on cherry, a polygon deleted on persimmon
    git(ws, "checkout", "-q", "-b", "move-and-delete")
    ws.replace_in_file(
        CHERRY, "box: {x: 0.12, y: 0.2, w: 0.22, h: 0.3}", "box: {x: 0.14, y: 0.2, w: 0.22, h: 0.3}"
    )
    text = ws.path(PERSIMMON).read_text(encoding="utf-8")
    ws.path(PERSIMMON).write_text(
        text[: text.index("  - id: persimmon-2")] + text[text.index("classifications:") :]
    )
    git(ws, "commit", "-q", "-am", "move cherry-1, delete persimmon-2")
    head = git(ws, "rev-parse", "HEAD")

    # its plan job: the saved plan records the commit and is what the reviewer reads
    planned = ws.run("plan", "--base", "main", "--out", "plan.json", "--format", "markdown", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    saved = json.loads(ws.path("plan.json").read_text(encoding="utf-8"))
    assert saved["source"]["commit"] == head and saved["source"]["dirty"] is False
    comment = planned.stdout
    assert f"at commit `{head[:12]}`" in comment and f"--commit {head[:12]}" in comment
    deletes = comment[comment.index("#### Deletes") : comment.index("#### Changes by label row")]
    assert "- persimmon_004.jpg: Persimmon persimmon-2" in deletes  # named by its id, from git
    assert "cherry" not in deletes

    # while it is reviewed, an annotator edits the cherry row in the editor
    ws.annotator_edit("cherry_001.jpg", moved_cherry_2)
    edited = ws.row("cherry_001.jpg")

    # merged: main now holds the pull request's files
    git(ws, "checkout", "-q", "main")
    git(ws, "merge", "-q", "--no-ff", "-m", "merge", "move-and-delete")

    refused = ws.run("apply", "plan.json", "--yes", "--allow-delete", "--commit", git(ws, "rev-parse", "HEAD~1"))
    assert refused.exit_code == 3, refused.output  # a plan made at another commit is not the reviewed one
    assert "not the plan reviewed for that commit" in refused.stderr

    applied = ws.run("apply", "plan.json", "--yes", "--allow-delete", "--commit", head)
    assert applied.exit_code == 4, applied.output
    assert "cherry_001.jpg was edited after the plan" in applied.stderr
    assert ws.row("cherry_001.jpg") == edited  # the annotator's edit stands: nothing overwritten
    assert "persimmon-2" not in ws.labels("persimmon_004.jpg")  # the reviewed delete was applied

    # what is left is exactly the skipped row, and a new plan says so
    again = ws.run("plan", "--detailed-exitcode")
    assert again.exit_code == 2, again.output
    assert "cherry_001.jpg" in again.stdout and "persimmon_004.jpg" not in again.stdout


def test_a_plan_of_uncommitted_files_is_not_the_reviewed_one_and_later_edits_are_said(
    workspace: Workspace,
) -> None:
    ws = workspace
    start_repository(ws)
    ws.replace_in_file(CHERRY, "x: 0.12,", "x: 0.14,")
    planned = ws.run("plan", "--out", "plan.json")
    assert planned.exit_code == 0, planned.output
    assert json.loads(ws.path("plan.json").read_text(encoding="utf-8"))["source"]["dirty"] is True

    before = ws.dump()
    uncommitted = ws.run("apply", "plan.json", "--yes", "--commit", git(ws, "rev-parse", "HEAD"))
    assert uncommitted.exit_code == 3, uncommitted.output
    assert "with changes not committed at" in uncommitted.stderr
    assert ws.dump() == before

    ws.replace_in_file(CHERRY, "x: 0.14,", "x: 0.16,")  # another edit lands before the apply
    applied = ws.run("apply", "plan.json", "--yes")
    assert applied.exit_code == 0, applied.output
    assert "the label files differ from the ones this plan was made from" in applied.stderr
    assert ws.labels("cherry_001.jpg")["cherry-1"]["box.x"] == 0.14  # the plan, not the files
