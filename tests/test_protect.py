"""`protect: true` on a file or a label: never deleted, even when removed from the file, until the protection
is removed in a reviewed (committed) change. Through the real CLI on the example project, in a git repository.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from labelsync_workspace import Workspace

from reconciler.identity import label_hash

CHERRY = "labels/images/cherry_001.jpg.yaml"
TITLE = "cherry_001.jpg"
FRUIT_TYPES = "  - id: fruit-types\n    question: Many types of fruit?\n    answer: [Cherry]\n"
FRUIT_TYPES_TAGS = "    tags: [reviewed]"


@pytest.fixture
def applied(local_workspace: Workspace) -> Workspace:
    result = local_workspace.run("apply", "--yes")
    assert result.exit_code == 0, result.output
    git(local_workspace, "init", "-q")
    commit(local_workspace)
    return local_workspace


def git(ws: Workspace, *args: str) -> None:
    subprocess.run(["git", "-C", str(ws.root), *args], check=True, capture_output=True)


def commit(ws: Workspace, message: str = "labels") -> None:
    git(ws, "add", "-A")
    git(ws, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message)


def json_plan(ws: Workspace, *args: str) -> dict[str, Any]:
    result = ws.run("plan", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def remove_fruit_types(ws: Workspace, protected: bool = False) -> None:
    protect = "    protect: true\n" if protected else ""
    ws.replace_in_file(CHERRY, FRUIT_TYPES + protect + FRUIT_TYPES_TAGS, "")


def fruit_types_hash(ws: Workspace) -> str:
    return label_hash(ws.key(TITLE).data_hash, "main", "fruit-types")


def test_a_protected_label_removed_from_its_file_is_kept_and_the_plan_says_why(applied: Workspace) -> None:
    applied.replace_in_file(CHERRY, FRUIT_TYPES, FRUIT_TYPES + "    protect: true\n")
    assert applied.run("plan", "--detailed-exitcode").exit_code == 0  # protect changes nothing remote
    commit(applied, "protect fruit-types")
    remove_fruit_types(applied, protected=True)
    plan = json_plan(applied)
    assert plan["summary"]["delete"] == 0
    (row,) = plan["rows"]
    assert row["changes"] == [] and row["protected"] == ["fruit-types"] and row["counts"]["protected"] == 1
    text = applied.run("plan", "--detailed-exitcode")
    assert text.exit_code == 0, text.output
    assert "fruit-types" in text.output and "protect: true" in text.output and "kept, not deleted" in text.output
    before = applied.dump()
    assert applied.run("apply", "--yes", "--allow-delete").exit_code == 0
    assert applied.dump() == before
    assert fruit_types_hash(applied) in {label.hash for label in applied.row(TITLE).labels}


def test_a_protected_file_keeps_every_label_of_its_row(applied: Workspace) -> None:
    applied.replace_in_file(CHERRY, "tags: [outdoor, reviewed]\n", "protect: true\ntags: [outdoor, reviewed]\n")
    commit(applied, "protect the row")
    applied.replace_in_file(CHERRY, "protect: true\n", "")  # unprotected, but not reviewed yet
    remove_fruit_types(applied)
    applied.replace_in_file(CHERRY, "  - id: fruit-kind\n", "  - id: fruit-kind-2\n")  # a new id: a new hash
    plan = json_plan(applied)
    (row,) = plan["rows"]
    assert [c["action"] for c in row["changes"]] == ["create"]
    assert row["protected"] == ["fruit-kind", "fruit-types"]
    assert plan["summary"]["delete"] == 0


def test_a_file_protected_now_deletes_nothing_without_git(local_workspace: Workspace) -> None:
    assert local_workspace.run("apply", "--yes").exit_code == 0
    local_workspace.replace_in_file(
        CHERRY, "tags: [outdoor, reviewed]\n", "protect: true\ntags: [outdoor, reviewed]\n"
    )
    remove_fruit_types(local_workspace)
    (row,) = json_plan(local_workspace)["rows"]
    assert row["changes"] == [] and row["protected"] == [fruit_types_hash(local_workspace)]


def test_removing_the_protection_in_one_commit_then_deleting_in_the_next_deletes(applied: Workspace) -> None:
    applied.replace_in_file(CHERRY, FRUIT_TYPES, FRUIT_TYPES + "    protect: true\n")
    commit(applied, "protect")
    remove_fruit_types(applied, protected=True)  # protected in the last commit: kept
    assert json_plan(applied)["rows"][0]["protected"] == ["fruit-types"]
    git(applied, "checkout", "-q", "--", CHERRY)
    applied.replace_in_file(CHERRY, "    protect: true\n", "")
    assert applied.run("plan", "--detailed-exitcode").exit_code == 0
    commit(applied, "unprotect")
    remove_fruit_types(applied)
    (row,) = json_plan(applied)["rows"]
    assert [(c["action"], c["name"]) for c in row["changes"]] == [("delete", "fruit-types")]
    assert row["protected"] == []
    assert applied.run("apply", "--yes", "--allow-delete").exit_code == 0
    assert fruit_types_hash(applied) not in {label.hash for label in applied.row(TITLE).labels}


@pytest.mark.parametrize(
    ("old", "new"),
    [("data: cherry", "protect: yes\ndata: cherry"), (FRUIT_TYPES, FRUIT_TYPES + "    protect: 1\n")],
)
def test_protect_is_true_or_false(local_workspace: Workspace, old: str, new: str) -> None:
    local_workspace.replace_in_file(CHERRY, old, new)
    result = local_workspace.run("validate")
    assert result.exit_code != 0
    line = local_workspace.line_of(CHERRY, "protect:")
    assert f"{CHERRY}:{line}:" in result.output and "expected true or false" in result.output, result.output
