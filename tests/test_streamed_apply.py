"""A desired state too big to hold parsed: the loader defers its rows and apply streams the plan.

`loading.HOLD_BYTES` is set to 0 here, so the example's few files take the path a 50,000-row project
takes: each differing file checked and fingerprinted, then parsed again a bundle at a time when the
planner reaches it, and apply showing the plan a row at a time and writing the rows it spilled. The
memory this bounds is measured in benchmarks/run.py; here, that nothing changes but the memory.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from labelsync_workspace import Workspace
from test_scenarios import set_box_x

from reconciler.cli.commands import apply as apply_command
from reconciler.desired import loading

CHERRY_IMAGE = "cherry_001.jpg"


def _plan(ws: Workspace, name: str) -> dict[str, Any]:
    result = ws.run("plan", "--out", name)
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(ws.path(name).read_text(encoding="utf-8"))
    return {key: value for key, value in data.items() if key not in ("created_at", "digest")}


def test_a_deferred_desired_state_plans_exactly_what_a_held_one_does(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = _plan(workspace, "held.json")
    monkeypatch.setattr(loading, "HOLD_BYTES", 0)
    deferred = _plan(workspace, "deferred.json")
    assert held["summary"]["rows"] == 8
    assert deferred == held


def test_a_streamed_apply_shows_the_plan_and_writes_it(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = workspace.run("plan")
    monkeypatch.setattr(loading, "HOLD_BYTES", 0)
    applied = workspace.run("apply", "--yes")
    assert applied.exit_code == 0, applied.stderr
    assert applied.stdout.startswith(shown.stdout), "apply shows the plan `plan` shows, row for row"
    assert "Apply complete: 8 label rows written (23 added, 0 changed, 0 deleted, 11 tag changes)" in applied.stdout
    again = workspace.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout


def test_a_row_edited_while_the_plan_is_shown_is_skipped_not_overwritten(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert workspace.run("apply", "--yes").exit_code == 0
    workspace.replace_in_file("labels/images/cherry_001.jpg.yaml", "x: 0.12", "x: 0.2")
    monkeypatch.setattr(loading, "HOLD_BYTES", 0)
    show = apply_command.show
    annotator = set_box_x(workspace.label_hash(CHERRY_IMAGE, "cherry-1"), 0.5)

    def edited_meanwhile(*args: Any, **kwargs: Any) -> Any:
        shown = show(*args, **kwargs)
        workspace.annotator_edit(CHERRY_IMAGE, annotator)
        return shown

    monkeypatch.setattr(apply_command, "show", edited_meanwhile)
    result = workspace.run("apply", "--yes")
    assert "~ box.x: 0.12 -> 0.2" in result.stdout, "the plan shown is the file's change"
    assert result.exit_code == 4, result.stderr
    assert "cherry_001.jpg was edited after the plan" in result.stderr
    assert workspace.labels(CHERRY_IMAGE)["cherry-1"]["box.x"] == 0.5, "the annotator's edit stands"
