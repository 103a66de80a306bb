"""The CLI a user expects: exit codes, output formats (json, GitHub annotations), --quiet, --color, plan PATH,
the shipped schemas, completion, help with examples; and what apply says of a row edited after the plan."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import tomllib
from labelsync_workspace import ROOT, Workspace
from test_scenarios import CHERRY, PERSIMMON, add_copy, item, set_box_x

from reconciler.cli import output
from reconciler.cli.commands.plan import unmanaged_note
from reconciler.cli.errors import EXIT_BLOCKED, EXIT_CHANGES, EXIT_CODES, EXIT_ERROR, EXIT_OK, EXIT_STALE
from reconciler.cli.planfile_io import read_plan_file
from reconciler.diagnostics import Finding
from reconciler.errors import DeletesRefused, InvalidInput, LabelsyncError, StaleRows
from reconciler.model import LabelRow
from reconciler.render import github
from reconciler.stale_edit import describe_edit

ANNOTATION = re.compile(r"^::(error|warning|notice) (file=[^,:]*(,line=\d+)?,)?title=[^,:]*::.*$")


@pytest.fixture(autouse=True)
def fresh_settings() -> Any:
    """Output settings are per run; a test calling output functions directly starts from the defaults."""
    output.configure()
    yield
    output.configure()


@pytest.fixture
def applied(local_workspace: Workspace) -> Workspace:
    result = local_workspace.run("apply", "--yes")
    assert result.exit_code == 0, result.output
    return local_workspace


def _annotations(text: str) -> list[str]:
    lines = text.splitlines()
    assert all(ANNOTATION.match(line) for line in lines), lines
    return lines


# -- exit codes ------------------------------------------------------------------------------------


def test_exit_code_constants_agree_with_the_exceptions_and_the_docs() -> None:
    assert (EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_BLOCKED, EXIT_STALE) == (0, 1, 2, 3, 4)
    assert LabelsyncError.exit_code == InvalidInput.exit_code == EXIT_ERROR
    assert DeletesRefused.exit_code == EXIT_BLOCKED
    assert StaleRows.exit_code == EXIT_STALE
    commands = (ROOT / "README.md").read_text(encoding="utf-8").split("## Commands", 1)[1].split("\n## ", 1)[0]
    for code, _ in EXIT_CODES:
        assert f"| `{code}` |" in commands


def test_the_exit_code_table_through_the_cli(workspace: Workspace) -> None:
    assert workspace.run("plan", "--no-such-option").exit_code == EXIT_ERROR
    assert workspace.run("plan", "--detailed-exitcode").exit_code == EXIT_CHANGES
    assert workspace.run("apply", "--yes").exit_code == EXIT_OK
    assert workspace.run("plan", "--detailed-exitcode").exit_code == EXIT_OK
    workspace.edit_label_file(CHERRY, lambda d: d["objects"].pop())
    blocked = workspace.run("apply", "--yes")
    assert blocked.exit_code == EXIT_BLOCKED, blocked.output
    workspace.edit_label_file(PERSIMMON, lambda d: d.update(tags=["checked"]))
    workspace.edit_label_file(CHERRY, lambda d: d["objects"][0]["box"].update(x=0.3))
    assert workspace.run("plan", "--out", "plan.json").exit_code == EXIT_OK
    workspace.annotator_edit("cherry_001.jpg", set_box_x(workspace.label_hash("cherry_001.jpg", "cherry-1"), 0.5))
    stale = workspace.run("apply", "plan.json", "--yes", "--allow-delete", "--format", "json")
    assert stale.exit_code == EXIT_STALE, stale.output
    report = json.loads(stale.stdout)
    assert report["skipped"] == [
        {
            "row": str(workspace.key("cherry_001.jpg")),
            "title": "cherry_001.jpg",
            "reason": "cherry_001.jpg was edited after the plan",
            "edits": ["cherry-1: box.x 0.12 -> 0.5 (edited on the remote since the plan)"],
        }
    ]
    assert "  cherry-1: box.x 0.12 -> 0.5 (edited on the remote since the plan)" in stale.stderr
    assert "error: 1 row changed on the remote after the plan and was skipped" in stale.stderr
    assert report["written"] == 1 and not report["dry_run"]


def test_help_shows_examples_and_exit_codes_unwrapped(local_workspace: Workspace) -> None:
    top = local_workspace.run("-h")
    assert "Exit codes:" in top.stdout and "--install-completion" in top.stdout
    for code, text in EXIT_CODES:
        assert f"    {code}  {text}\n" in top.stdout  # `\b`: the table is printed as it is, not rewrapped
    for command in ("validate", "plan", "apply", "show", "pull"):
        shown = local_workspace.run(command, "-h").stdout
        assert "Examples:\n" in shown and "Exit codes:\n" in shown, command
        assert f"    labelsync {command}" in shown
    plan_help = local_workspace.run("plan", "--help").stdout
    assert "    labelsync plan --detailed-exitcode         # exit 2 when there are changes\n" in plan_help
    assert "    2  changes present" in plan_help and "    3  " not in plan_help


def test_completion_script_is_shown(local_workspace: Workspace) -> None:
    # Typer reads `--show-completion` as a flag when it can find the shell that started it (shellingham), and
    # as taking the shell's name when it cannot: where that is depends on the machine, so the name is asked for.
    fixed = {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    result = local_workspace.run_subprocess("--show-completion", "bash", module=False, env=fixed)
    assert result.exit_code == 0, result.output
    assert "_labelsync_completion" in result.stdout and "complete" in result.stdout
    assert result.stderr == ""


# -- validate --format ---------------------------------------------------------------------------


def test_validate_json_and_github_point_at_the_file_and_line(local_workspace: Workspace) -> None:
    ws = local_workspace
    lines = ws.path(CHERRY).read_text(encoding="utf-8").splitlines(keepends=True)
    line = next(number for number, text in enumerate(lines, 1) if "class: Cherry" in text)  # the first
    lines[line - 1] = lines[line - 1].replace("class: Cherry", "class: Cheery")
    ws.path(CHERRY).write_text("".join(lines), encoding="utf-8")

    result = ws.run("validate", "--format", "json")
    assert result.exit_code == EXIT_ERROR, result.output
    report = json.loads(result.stdout)
    assert report["valid"] is False and report["files"] == 8
    (finding,) = report["findings"]
    assert (finding["file"], finding["line"], finding["severity"]) == (CHERRY, line, "error")
    assert "Cheery" in finding["message"] and finding["field"] == "objects[0].class"

    annotated = ws.run("validate", "--format", "github")
    assert annotated.exit_code == EXIT_ERROR
    (command,) = _annotations(annotated.stdout)
    assert command.startswith(f"::error file={CHERRY},line={line},title=labelsync::objects[0].class: no object")


def test_validate_json_of_valid_files(local_workspace: Workspace) -> None:
    result = local_workspace.run("validate", "--format", "json")
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.stdout) == {"valid": True, "files": 8, "findings": [], "warnings": []}
    assert local_workspace.run("validate", "--format", "github").stdout == ""


def test_a_crafted_value_cannot_start_a_second_workflow_command(local_workspace: Workspace) -> None:
    ws = local_workspace
    ws.replace_in_file(CHERRY, "class: Cherry\n    box: {x: 0.12", 'class: "Che\\n::error::x%0A::warning::y"\n    box: {x: 0.12')
    result = ws.run("validate", "--format", "github")
    assert result.exit_code == EXIT_ERROR, result.output
    lines = _annotations(result.stdout)
    assert len(lines) == 1
    assert not any(line.startswith(("::error::", "::warning::")) for line in lines)
    assert "%0A::error::" not in lines[0] and "%250A" in lines[0]  # the `%` of %0A escaped, the newline inert


def test_annotation_escaping() -> None:
    command = github.command(
        github.Annotation("warning", "50%\r\nnext", "labels/a,b:c.yaml", 3, "t:i,t\nle")
    )
    assert "\n" not in command and "\r" not in command
    assert command.startswith("::warning file=labels/a%2Cb%3Ac.yaml,line=3,title=t%3Ai%2Ct\\nle::")
    assert command.endswith("::50%25\\r\\nnext")  # inert first (a visible \r\n), then escaped
    assert github.escape_data("a%\r\n") == "a%25%0D%0A"
    assert github.escape_property("a%\r\n:,") == "a%25%0D%0A%3A%2C"


def test_annotations_are_capped() -> None:
    findings = [Finding(f"labels/{i}.yaml", (), "bad", i + 1) for i in range(120)]
    lines = _annotations(github.render_findings(findings))
    assert len(lines) == github.MAX_ANNOTATIONS + 1
    assert "70 more annotations not shown" in lines[-1]


# -- plan and show --format github -----------------------------------------------------------------


def test_plan_and_show_github_annotate_each_change(applied: Workspace) -> None:
    ws = applied
    ws.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    ws.edit_label_file(CHERRY, lambda d: d["objects"].pop())
    result = ws.run("plan", "--format", "github", "--out", "plan.json")
    assert result.exit_code == 0, result.output
    lines = _annotations(result.stdout)
    changed = [line for line in lines if "cherry-1" in line]
    assert len(changed) == 1
    assert changed[0].startswith(f"::notice file={CHERRY},")
    assert "title=labelsync plan::~ object cherry-1 (Cherry): box.x 0.12 -> 0.3" in changed[0]
    cherry2 = ws.label_hash("cherry_001.jpg", "cherry-2")  # no file names it now: shown by its hash
    (deleted,) = [line for line in lines if cherry2 in line]
    assert deleted == f"::warning file={CHERRY},title=labelsync plan::- object {cherry2} (Cherry)"
    assert lines[-1].startswith("::notice title=labelsync plan::Plan: 0 to add, 1 to change, 1 to delete")
    shown = ws.run("show", "plan.json", "--format", "github")
    assert shown.exit_code == 0 and shown.stdout == result.stdout


def test_plan_github_annotates_what_stops_it(local_workspace: Workspace) -> None:
    ws = local_workspace
    ws.replace_in_file(CHERRY, "box: {x: 0.12", "box: {x: 1.5")
    result = ws.run("plan", "--format", "github")
    assert result.exit_code == EXIT_ERROR, result.output
    (command,) = _annotations(result.stdout)
    assert command.startswith(
        f"::error file={CHERRY},line=8,title=labelsync::objects[0].box.x: 1.5 is outside 0..1"
    )
    ws.path("labelsync.yaml").write_text("labels: [\n", encoding="utf-8")
    broken = ws.run("plan", "--format", "github")
    assert broken.exit_code == EXIT_ERROR
    (command,) = _annotations(broken.stdout)
    assert command.startswith("::error title=labelsync::") and "labelsync.yaml" in command


def test_github_plan_annotation_uses_the_change_line() -> None:
    change = {"action": "update", "kind": "object", "name": "a", "class": "C", "line": 12, "tags": [],
              "fields": [{"path": "box.x", "before": 0.1, "after": 0.2}]}  # fmt: skip
    row = {"file": "labels/x.yaml", "title": "x", "changes": [change], "tag_changes": []}
    (annotation,) = github.row_annotations(row)
    assert github.command(annotation) == "::notice file=labels/x.yaml,line=12,title=labelsync plan::~ object a (C): box.x 0.1 -> 0.2"
    (without,) = github.row_annotations({**row, "changes": [{**change, "line": None}]})
    assert github.command(without).startswith("::notice file=labels/x.yaml,title=")


# -- apply --format json ---------------------------------------------------------------------------


def test_apply_json(local_workspace: Workspace) -> None:
    result = local_workspace.run("apply", "--yes", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # one document: the plan made now went to stderr
    assert report["written"] == 8 and report["already"] == 0
    assert report["skipped"] == [] and report["failed"] == [] and report["dry_run"] is False
    assert report["summary"]["add"] == 23 and report["summary"]["rows"] == 8
    assert "Plan: 23 to add" in result.stderr
    again = json.loads(local_workspace.run("apply", "--yes", "--format", "json").stdout)
    assert again["written"] == 0 and again["summary"]["rows"] == 0
    dry = local_workspace.run("apply", "--dry-run", "--format", "json")
    assert json.loads(dry.stdout)["dry_run"] is True


def test_apply_commit_needs_a_saved_plan(local_workspace: Workspace) -> None:
    result = local_workspace.run("apply", "--yes", "--commit", "abc123")
    assert result.exit_code == EXIT_ERROR
    assert "--commit checks a saved plan" in result.stderr


def test_plan_report_writes_index_html(local_workspace: Workspace) -> None:
    result = local_workspace.run("plan", "--report", "report")
    assert result.exit_code == 0, result.output
    assert local_workspace.path("report/index.html").is_file()
    assert "Wrote the plan report to" in result.stderr
    local_workspace.path("file").write_text("", encoding="utf-8")
    assert local_workspace.run("plan", "--report", "file").exit_code == EXIT_ERROR


# -- --quiet and --color -------------------------------------------------------------------------


def test_quiet_hides_progress_and_notices(local_workspace: Workspace) -> None:
    loud = local_workspace.run("plan", "--out", "plan.json")
    assert "Reading label rows" in loud.stderr and "Saved the plan" in loud.stderr
    for args in (("-q", "plan", "--out", "plan.json"), ("plan", "--quiet", "--out", "plan.json")):
        result = local_workspace.run(*args)
        assert result.exit_code == 0, result.output
        assert result.stderr == ""
        assert "Plan: 23 to add" in result.stdout
    applied = local_workspace.run("-q", "apply", "plan.json", "--yes")
    assert applied.exit_code == 0 and applied.stderr == "" and "Apply complete" in applied.stdout
    broken = local_workspace.run("-q", "show", "missing.json")
    assert broken.exit_code == EXIT_ERROR and "no such plan file" in broken.stderr  # errors stay


def test_color_always_and_never(local_workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = local_workspace.run("plan")
    assert "\033[" not in plain.stdout
    coloured = local_workspace.run("--color", "always", "plan")
    assert "\033[32m" in coloured.stdout
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\033[" not in local_workspace.run("--color", "never", "plan").stdout
    assert "\033[" in local_workspace.run("plan").stdout  # FORCE_COLOR is still honoured
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\033[" in local_workspace.run("--color", "always", "plan").stdout
    assert local_workspace.run("--color", "sometimes", "plan").exit_code == EXIT_ERROR


def test_use_colour_settings() -> None:
    stream = io.StringIO()
    assert not output.use_colour(stream)
    output.configure(colour="always")
    assert output.use_colour(stream)
    output.configure(colour="never")
    assert not output.use_colour(stream)
    with pytest.raises(ValueError):
        output.configure(colour="loud")


def test_progress_in_a_log_is_a_few_lines() -> None:
    stream = io.StringIO()
    bar = output.ProgressBar("Applying", stream)
    for done in range(1, 501):
        bar.update(done, 500, "rows")
    bar.close()
    lines = stream.getvalue().splitlines()
    assert 2 <= len(lines) <= 11, lines
    assert lines[-1].startswith("Applying: 500/500 rows (100%")
    assert "rows/s" in lines[-1]
    output.configure(quiet=True)
    quiet = io.StringIO()
    hidden = output.ProgressBar("Applying", quiet)
    hidden.update(1, 1)
    hidden.close()
    assert quiet.getvalue() == "" and hidden.elapsed >= 0


# -- plan PATH -------------------------------------------------------------------------------------


def test_plan_paths_plan_only_those_files(applied: Workspace) -> None:
    ws = applied
    ws.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    ws.edit_label_file(PERSIMMON, lambda d: d.update(tags=["checked"]))
    result = ws.run("plan", "--detailed-exitcode", "--format", "json", CHERRY)
    assert result.exit_code == EXIT_CHANGES, result.output
    data = json.loads(result.stdout)
    assert [row["file"] for row in data["rows"]] == [CHERRY]
    assert data["summary"]["unmanaged_rows"] == 0
    assert data["warnings"][0].startswith("planned 1 of 8 label files (PATH arguments)")
    assert "unmanaged" not in result.stderr
    by_directory = json.loads(ws.run("plan", "--format", "json", "labels/images").stdout)
    assert sorted(row["file"] for row in by_directory["rows"]) == [CHERRY, PERSIMMON]
    # a file left out is not a delete: the rows of the other files are not even read
    ws.path("labels/videos/orchard_walk.mp4.yaml").write_text("data: orchard_walk.mp4\n", encoding="utf-8")
    only_cherry = json.loads(ws.run("plan", "--format", "json", CHERRY).stdout)
    assert only_cherry["summary"]["delete"] == 0


def test_plan_paths_outside_the_labels_directory_are_an_error(local_workspace: Workspace) -> None:
    outside = local_workspace.run("plan", "labelsync.yaml")
    assert outside.exit_code == EXIT_ERROR
    assert "labelsync.yaml: not under the labels directory" in outside.stderr
    missing = local_workspace.run("plan", "labels/nope.yaml")
    assert missing.exit_code == EXIT_ERROR and "no such file or directory" in missing.stderr
    manifest = local_workspace.run("plan", "labels/manifest.yaml")
    assert manifest.exit_code == EXIT_ERROR and "not a label file" in manifest.stderr


def test_unmanaged_rows_are_explained_once(local_workspace: Workspace) -> None:
    before = json.loads(local_workspace.run("plan", "--format", "json").stdout)["summary"]["unmanaged_rows"]
    local_workspace.path(CHERRY).unlink()
    result = local_workspace.run("plan")
    assert f"{before + 1} unmanaged)" in result.stdout
    note = f"{before + 1} unmanaged: label rows of the project that no label file names; labelsync leaves them"
    assert result.stderr.count(note) == 1
    assert local_workspace.run("-q", "plan").stderr == ""
    assert unmanaged_note(0) is None
    assert unmanaged_note(1) == (
        "1 unmanaged: a label row of the project that no label file names; labelsync leaves it as it is "
        "(`labelsync pull` writes a file for it)."
    )


# -- schemas ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["label-file", "config", "plan"])
def test_schema_prints_the_shipped_schema(local_workspace: Workspace, name: str) -> None:
    source = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    result = local_workspace.run("schema", name)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == source
    where = local_workspace.run("schema", name, "--path")
    path = Path(where.stdout.strip())
    assert path.is_absolute() and json.loads(path.read_text(encoding="utf-8")) == source


def test_every_package_is_listed_for_the_build() -> None:
    """pyproject.toml lists packages (the schemas are a mapped one): a package left out would not ship."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    packages = {
        ".".join(path.parent.relative_to(ROOT).parts) for path in (ROOT / "reconciler").rglob("__init__.py")
    }
    assert set(config["packages"]) == packages | {"reconciler.schemas"}
    assert config["package-dir"] == {"reconciler.schemas": "schemas"}


# -- a row edited after the plan: describe_edit ----------------------------------------------------


def _stale(ws: Workspace, edit: Any) -> list[str]:
    """Plan a change to cherry-1 and cherry-2, let an annotator `edit` the row, describe it."""
    ws.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    ws.edit_label_file(CHERRY, lambda d: item(d, "cherry-2")["box"].update(y=0.3))
    assert ws.run("plan", "--out", "plan.json").exit_code == 0
    ws.annotator_edit("cherry_001.jpg", edit)
    plan = read_plan_file(ws.path("plan.json"))
    (row,) = plan.rows
    remote = ws.remote()
    current = remote.fetch([row.key])[row.key]
    return describe_edit(row, current, remote.ontology())


def test_describe_edit_names_the_field_edited_on_the_remote(applied: Workspace) -> None:
    lines = _stale(applied, set_box_x(applied.label_hash("cherry_001.jpg", "cherry-1"), 0.25))
    assert lines == ["cherry-1: box.x 0.12 -> 0.25 (edited on the remote since the plan)"]


def test_describe_edit_names_a_deleted_and_a_new_label(applied: Workspace) -> None:
    cherry2 = applied.label_hash("cherry_001.jpg", "cherry-2")

    def delete(row: LabelRow) -> LabelRow:
        return replace(row, objects=tuple(o for o in row.objects if o.hash != cherry2))

    assert _stale(applied, delete) == ["cherry-2: deleted on the remote"]


def test_describe_edit_finds_a_label_added_on_the_remote(applied: Workspace) -> None:
    lines = _stale(applied, add_copy(applied.label_hash("cherry_001.jpg", "cherry-1"), "annot001"))
    assert lines == ["a new label on the remote: object annot001 (Cherry)"]


def test_describe_edit_is_bounded(applied: Workspace) -> None:
    cherry1 = applied.label_hash("cherry_001.jpg", "cherry-1")
    lines = _stale(applied, set_box_x(cherry1, 0.25))
    plan = read_plan_file(applied.path("plan.json"))
    (row,) = plan.rows
    remote = applied.remote()
    current = remote.fetch([row.key])[row.key]
    many = describe_edit(row, replace(current, objects=()), remote.ontology(), limit=1)
    assert many == ["... and 2 more differences"] and lines
