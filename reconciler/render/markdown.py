"""The plan as a pull-request comment: a summary up top, one collapsible diff per label row.

What strings hold is escaped for where it lands (`markdown_escape`): HTML text in the `<summary>`,
a code span for the remote, escaped inline text in the notes, a fence no line can close around each
diff. So every row and every delete the plan holds shows, and nothing a string says hides any.
"""

from __future__ import annotations

from typing import Any

from reconciler.render.lines import deletes_line, row_heading, row_lines, summary_line
from reconciler.render.markdown_escape import code_span, fence, html_text, inline_text

_DIFF_SIGN = {"+": "+", "-": "-", "~": "!", " ": "#"}
MAX_ROWS = 200


def render_markdown(plan: dict[str, Any]) -> str:
    out = ["### labelsync plan", "", f"**{summary_line(plan)}**", "", f"Remote: {code_span(plan['remote'])}", ""]
    deletes = deletes_line(plan, "`--allow-delete`")
    if deletes:
        out += [f"> [!WARNING]\n> {deletes}", ""]
    for warning in plan["warnings"]:
        out += [f"> [!NOTE]\n> {inline_text(warning)}", ""]
    if not plan["summary"]["rows"]:
        out += ["No changes: the remote matches the label files.", ""]
    for row in plan["rows"][:MAX_ROWS]:
        c = row["counts"]
        tags = f"{c['tag_changes']} tag{'s' if c['tag_changes'] != 1 else ''}"
        counts = f"+{c['add']} ~{c['change']} -{c['delete']}, {tags}"
        diff = [f"{_DIFF_SIGN[line.sign]}{'  ' * line.depth}{line.text}" for line in row_lines(row)]
        ticks = fence(diff)
        out += [f"<details><summary><code>{html_text(row_heading(row))}</code> ({counts})</summary>", ""]
        out += [f"{ticks}diff", *diff, ticks, "</details>", ""]
    if len(plan["rows"]) > MAX_ROWS:
        out += [f"... and {len(plan['rows']) - MAX_ROWS} more label rows: see the JSON plan.", ""]
    return "\n".join(out)
