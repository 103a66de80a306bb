"""The plan as a pull-request comment: a summary up top, one collapsible diff per label row, within
GitHub's size limit for a comment (rows past the budget are counted, and pointed to in the JSON plan).

What strings hold is escaped for where it lands (`markdown_escape`): HTML text in the `<summary>`,
a code span for the remote, escaped inline text in the notes, a fence no line can close around each
diff. So every row and every delete the plan holds shows, and nothing a string says hides any.
"""

from __future__ import annotations

from typing import Any

from reconciler.render.escape import inert, lead
from reconciler.render.lines import deletes_line, row_heading, row_lines, summary_line
from reconciler.render.markdown_escape import code_span, fence, html_text, inline_text

_DIFF_SIGN = {"+": "+", "-": "-", "~": "!", " ": "#"}
COMMENT_LIMIT = 65_536
"""GitHub's limit on the size of a pull-request comment, in characters."""
BUDGET = 60_000
"""What the plan may take of a comment: the rest is room for what a workflow adds (a marker, links)."""


def render_markdown(plan: dict[str, Any], budget: int = BUDGET) -> str:
    """The plan as markdown of at most `budget` characters: the summary and where the plan comes from first,
    then every delete, then one block per row until the budget is spent, then a line saying how many rows
    are left out and where they are."""
    stream = MarkdownStream(budget)
    for row in plan["rows"]:
        stream.add(row)
    return stream.render(plan)


class MarkdownStream:
    """`render_markdown` from rows given one at a time (a streamed plan's). Only what can show is kept: at
    most `budget` characters of delete lines and of row blocks, each the plan's first; the rest is counted."""

    def __init__(self, budget: int = BUDGET) -> None:
        self.budget = budget
        self._deletes: list[str] = []
        self._deletes_size = 0
        self._delete_rows = 0
        self._blocks: list[tuple[list[str], int, int]] = []
        """(lines, size, deletes) of the first rows."""
        self._blocks_size = 0
        self._rows_past = 0
        self._deletes_past = 0
        """Rows past the kept blocks, and their deletes."""

    def add(self, row: dict[str, Any]) -> None:
        line = _row_deletes(row)
        if line:
            self._delete_rows += 1
            if len(self._deletes) == self._delete_rows - 1 and self._deletes_size + len(line) + 1 <= self.budget:
                self._deletes.append(line)
                self._deletes_size += len(line) + 1
        if not self._rows_past:
            block = _row_block(row)
            size = sum(len(text) + 1 for text in block)
            if self._blocks_size + size <= self.budget:
                self._blocks.append((block, size, row["counts"]["delete"]))
                self._blocks_size += size
                return
        self._rows_past += 1
        self._deletes_past += row["counts"]["delete"]

    def render(self, plan: dict[str, Any]) -> str:
        """The markdown of the rows given, with the rest of `plan` (its rows are not read)."""
        budget = self.budget
        out = ["### labelsync plan", "", f"**{summary_line(plan)}**", "", origin_line(plan), ""]
        deletes = deletes_line(plan, "`--allow-delete`")
        if deletes:
            out += [f"> [!WARNING]\n> {deletes}", ""]
        for warning in plan["warnings"]:
            out += [f"> [!NOTE]\n> {inline_text(warning)}", ""]
        if not plan["summary"]["rows"]:
            out += ["No changes: the remote matches the label files.", ""]
        used = sum(len(line) + 1 for line in out)
        listed = self._deletes_section(budget - used - _LEFT_OUT_SIZE)
        out += listed
        used += sum(len(line) + 1 for line in listed)
        if self._blocks or self._rows_past:
            out += ["#### Changes by label row", ""]
        for shown, (block, size, _) in enumerate(self._blocks):
            if used + size + _LEFT_OUT_SIZE > budget:
                rest = self._blocks[shown:]
                rows, deletes_left = len(rest) + self._rows_past, sum(d for _, _, d in rest) + self._deletes_past
                out += [_left_out(rows, deletes_left), ""]
                break
            out += block
            used += size
        else:
            if self._rows_past:
                out += [_left_out(self._rows_past, self._deletes_past), ""]
        return "\n".join(out)

    def _deletes_section(self, budget: int) -> list[str]:
        """Every label deleted and tag removed, one line per row in a diff block (red, and no string in it can
        format): what a reviewer must not miss. Lines past `budget` characters are counted instead."""
        if not self._delete_rows:
            return []
        shown: list[str] = []
        used = 200  # the heading, the sentence and the fence
        for line in self._deletes:
            if used + len(line) + 1 > budget:
                break
            shown.append(line)
            used += len(line) + 1
        if len(shown) < self._delete_rows:
            more = self._delete_rows - len(shown)
            shown.append(f"# ... and the deletes of {more} more label rows: see the JSON plan")
        ticks = fence(shown)
        intro = "Every label this plan deletes and every tag it removes, by label row:"
        return ["#### Deletes", "", intro, "", f"{ticks}diff", *shown, ticks, ""]


def origin_line(plan: dict[str, Any]) -> str:
    """Which files, commit and remote the plan is of, and what apply will do with it."""
    remote = code_span(plan["remote"])
    source = plan.get("source")
    if not source:
        return f"Against {remote}."
    files = f"{source['files']} label file{'s' if source['files'] != 1 else ''}"
    commit = source["commit"]
    if commit is None:
        at = "outside git"
    else:
        at = f"at commit {code_span(commit[:12])}" + (" with uncommitted changes" if source["dirty"] else "")
    how = "`labelsync apply plan.json`"
    if commit and not source["dirty"]:
        how = f"`labelsync apply plan.json --commit {commit[:12]}`"
    elif commit:
        how += " (commit the files and plan again for a plan `--commit` accepts)"
    return (
        f"Made from {files} {at} against {remote}. Applied with {how}: exactly these changes, each row checked"
        " against the row this plan saw; a row edited on the remote since is skipped and reported, never"
        " overwritten."
    )


def _row_deletes(row: dict[str, Any]) -> str:
    """`- cherry_001.jpg: Cherry cherry-2, cherry-3; tags reviewed`, inert; "" when the row deletes nothing."""
    by_class: dict[str, list[str]] = {}
    tags: list[str] = []
    for change in row["changes"]:
        if change["action"] == "delete":
            by_class.setdefault(change["class"], []).append(change["name"])
        tags += [f"{t['tag']} on {change['name']}" for t in change["tags"] if t["action"] == "remove"]
    tags += [
        t["tag"] + (f" on frames {t['frames']}" if t["frames"] else "")
        for t in row["tag_changes"]
        if t["action"] == "remove"
    ]
    if not by_class and not tags:
        return ""
    parts = [f"{cls} {', '.join(names)}" for cls, names in by_class.items()]
    if tags:
        parts.append(f"tags {', '.join(tags)}")
    return f"- {lead(row['title'])}: {inert('; '.join(parts))}"


_LEFT_OUT_SIZE = 300
"""Room kept for the line that says what is left out."""


def _row_block(row: dict[str, Any]) -> list[str]:
    c = row["counts"]
    tags = f"{c['tag_changes']} tag{'s' if c['tag_changes'] != 1 else ''}"
    counts = f"+{c['add']} ~{c['change']} -{c['delete']}, {tags}"
    diff = [f"{_DIFF_SIGN[line.sign]}{'  ' * line.depth}{line.text}" for line in row_lines(row)]
    ticks = fence(diff)
    summary = f"<details><summary><code>{html_text(row_heading(row))}</code> ({counts})</summary>"
    return [summary, "", f"{ticks}diff", *diff, ticks, "</details>", ""]


def _left_out(rows: int, deletes: int) -> str:
    what = f"{rows} more label row{'s' if rows != 1 else ''}"
    among = f", with {deletes} of the deletes," if deletes else ""
    return (
        f"... and {what}{among} not shown: this comment would pass GitHub's size limit. Every change is in the"
        " JSON plan (`labelsync show PLAN --format json`, the plan artifact of the workflow)."
    )
