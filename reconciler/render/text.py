"""The plan for a terminal or a CI log: signed, indented lines; colour only when asked.

Each line starts with what labelsync writes (a sign, a `warning:`, a quoted title); what strings
hold is shown inert (`escape`), so nothing in them acts on the terminal or forges a line.
"""

from __future__ import annotations

from typing import Any

from reconciler.render.escape import inert
from reconciler.render.lines import deletes_line, row_heading, row_lines, summary_line

_COLOURS = {"+": "\033[32m", "~": "\033[33m", "-": "\033[31m", " ": "\033[2m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


def render_text(plan: dict[str, Any], colour: bool = False) -> str:
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if colour else text

    out = [f"labelsync plan against {inert(plan['remote'])}", ""]
    for warning in plan["warnings"]:
        out.append(paint(_COLOURS["~"], f"warning: {inert(warning)}"))
    if plan["warnings"]:
        out.append("")
    for row in plan["rows"]:
        out.append(paint(_BOLD, row_heading(row)))
        for line in row_lines(row):
            out.append(paint(_COLOURS[line.sign], f"{'  ' * line.depth}{line.sign} {line.text}"))
        out.append("")
    if not plan["summary"]["rows"]:
        out.append("No changes: the remote matches the label files.")
        out.append("")
    deletes = deletes_line(plan, "--allow-delete")
    if deletes:
        out.append(paint(_COLOURS["-"], deletes))
    out.append(paint(_BOLD, f"Plan: {summary_line(plan)}."))
    return "\n".join(out) + "\n"
