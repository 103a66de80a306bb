"""The plan as a pull-request comment fits GitHub's size limit at any plan size.

On the local project only: the comment is rendered from the plan's JSON (`render_markdown`) whatever the remote,
and an Encord plan of the example differs only in its hashes; these 50,000-change plans are among the slowest
tests, so they are not run twice."""

from __future__ import annotations

import copy
import json
from typing import Any

from labelsync_workspace import Workspace

from reconciler.render.markdown import BUDGET, COMMENT_LIMIT, render_markdown


def grown_rows(rows: list[dict[str, Any]], example: list[dict[str, Any]], changes: int) -> list[dict[str, Any]]:
    """`rows` and then copies of the example's rows, a whole pass at a time, until they hold `changes` changes,
    each copy titled by its index (the count is kept as rows are added, not summed again each pass)."""
    rows = list(rows)
    total = sum(len(r["changes"]) for r in rows)
    texts = [(json.dumps(row), row["title"]) for row in example]  # a plan's rows are JSON: loads is a deep copy
    while total < changes:
        for text, title in texts:
            grown = json.loads(text)
            grown["title"] = f"{len(rows):05d}-{title}"
            rows.append(grown)
            total += len(grown["changes"])
    return rows


def test_the_markdown_of_a_50000_change_plan_fits_a_comment_and_says_what_is_left_out(
    local_workspace: Workspace,
) -> None:
    result = local_workspace.run("plan", "--format", "json")
    assert result.exit_code == 0, result.output
    example = json.loads(result.stdout)
    rows = grown_rows([], example["rows"], 50_000)
    plan = {**example, "rows": rows}
    plan["summary"] = {**example["summary"], "rows": len(rows)}

    markdown = render_markdown(plan)
    assert len(markdown) <= BUDGET < COMMENT_LIMIT
    lines = markdown.split("\n")
    assert lines[0] == "### labelsync plan" and lines[2].startswith("**")  # the summary comes first
    shown = sum(line == "</details>" for line in lines)
    assert 0 < shown < len(rows)
    assert sum(line.startswith("<details><summary>") for line in lines) == shown  # no row is cut in half
    assert f"... and {len(rows) - shown} more label rows not shown: this comment would pass GitHub's" in markdown

    small = render_markdown(example)  # a plan that fits is shown whole
    assert "not shown" not in small and small.count("</details>") == len(example["rows"])


def test_every_delete_of_a_50000_change_plan_is_listed_in_its_own_section(local_workspace: Workspace) -> None:
    workspace = local_workspace
    fresh = workspace.run("plan", "--format", "json")
    example = json.loads(fresh.stdout)
    assert workspace.run("apply", "--yes").exit_code == 0
    workspace.edit_label_file(
        "labels/images/persimmon_004.jpg.yaml", lambda doc: doc["objects"].pop()
    )  # persimmon-2 goes
    deleting = json.loads(workspace.run("plan", "--format", "json").stdout)
    (delete_row,) = deleting["rows"]
    rows = []
    for n in range(500):  # 500 rows, each deleting a label
        grown = copy.deepcopy(delete_row)
        grown["title"] = f"{n:05d}-{delete_row['title']}"
        rows.append(grown)
    rows = grown_rows(rows, example["rows"], 50_000)
    adds = sum(c["action"] == "create" for r in rows for c in r["changes"])
    summary = {**example["summary"], "rows": len(rows), "add": adds, "delete": 500, "managed_labels": 50_000}
    plan = {**example, "rows": rows, "summary": summary}

    markdown = render_markdown(plan)
    assert len(markdown) < COMMENT_LIMIT
    section = markdown[markdown.index("#### Deletes") : markdown.index("#### Changes by label row")]
    for n in range(500):
        assert f"- {n:05d}-persimmon_004.jpg: Persimmon " in section
    assert "more label rows: see the JSON plan" not in section
    assert "500 labels (1% of the 50000 the files manage) will be deleted" in markdown
