"""The plan as a pull-request comment: a summary up top, one collapsible diff per label row."""

from __future__ import annotations

from typing import Any

from reconciler.render.lines import row_heading, row_lines, summary_line

_DIFF_SIGN = {"+": "+", "-": "-", "~": "!", " ": "#"}
MAX_ROWS = 200


def render_markdown(plan: dict[str, Any]) -> str:
    s = plan["summary"]
    out = ["### labelsync plan", "", f"**{summary_line(plan)}**", "", f"Remote: `{plan['remote']}`", ""]
    if s["delete"]:
        out += [f"> [!WARNING]\n> This plan deletes {s['delete']} label(s): apply needs `--allow-delete`.", ""]
    for warning in plan["warnings"]:
        out += [f"> [!NOTE]\n> {warning}", ""]
    if not plan["summary"]["rows"]:
        out += ["No changes: the remote matches the label files.", ""]
    for row in plan["rows"][:MAX_ROWS]:
        c = row["counts"]
        counts = f"+{c['add']} ~{c['change']} -{c['delete']}, {c['tag_changes']} tags"
        out += [f"<details><summary><code>{_escape(row_heading(row))}</code> ({counts})</summary>", "", "```diff"]
        out += [f"{_DIFF_SIGN[line.sign]}{'  ' * line.depth}{line.text}" for line in row_lines(row)]
        out += ["```", "</details>", ""]
    if len(plan["rows"]) > MAX_ROWS:
        out += [f"... and {len(plan['rows']) - MAX_ROWS} more label rows: see the JSON plan.", ""]
    return "\n".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
