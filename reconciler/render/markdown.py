"""The plan as a pull-request comment: a summary up top, one collapsible diff per label row, within
GitHub's size limit for a comment (rows past the budget are counted, and pointed to in the JSON plan).

What strings hold is escaped for where it lands (`markdown_escape`): HTML text in the `<summary>`,
a code span for the remote, escaped inline text in the notes, a fence no line can close around each
diff. So every row and every delete the plan holds shows, and nothing a string says hides any.
"""

from __future__ import annotations

from typing import Any

from reconciler.render.lines import deletes_line, row_heading, row_lines, summary_line
from reconciler.render.markdown_escape import code_span, fence, html_text, inline_text

_DIFF_SIGN = {"+": "+", "-": "-", "~": "!", " ": "#"}
COMMENT_LIMIT = 65_536
"""GitHub's limit on the size of a pull-request comment, in characters."""
BUDGET = 60_000
"""What the plan may take of a comment: the rest is room for what a workflow adds (a marker, links)."""


def render_markdown(plan: dict[str, Any], budget: int = BUDGET) -> str:
    """The plan as markdown of at most `budget` characters: the summary first, then one block per row until
    the budget is spent, then a line saying how many rows are left out and where they are."""
    out = ["### labelsync plan", "", f"**{summary_line(plan)}**", "", f"Remote: {code_span(plan['remote'])}", ""]
    deletes = deletes_line(plan, "`--allow-delete`")
    if deletes:
        out += [f"> [!WARNING]\n> {deletes}", ""]
    for warning in plan["warnings"]:
        out += [f"> [!NOTE]\n> {inline_text(warning)}", ""]
    if not plan["summary"]["rows"]:
        out += ["No changes: the remote matches the label files.", ""]
    used = sum(len(line) + 1 for line in out)
    rows = plan["rows"]
    for shown, row in enumerate(rows):
        block = _row_block(row)
        size = sum(len(line) + 1 for line in block)
        if used + size + _LEFT_OUT_SIZE > budget:
            out += [_left_out(rows[shown:]), ""]
            break
        out += block
        used += size
    return "\n".join(out)


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


def _left_out(rows: list[dict[str, Any]]) -> str:
    deletes = sum(r["counts"]["delete"] for r in rows)
    what = f"{len(rows)} more label row{'s' if len(rows) != 1 else ''}"
    among = f", with {deletes} of the deletes," if deletes else ""
    return (
        f"... and {what}{among} not shown: this comment would pass GitHub's size limit. Every change is in the"
        " JSON plan (`labelsync show PLAN --format json`, the plan artifact of the workflow)."
    )
