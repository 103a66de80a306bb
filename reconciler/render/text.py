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
    rows = "".join(text_row(row, colour) for row in plan["rows"])
    return text_head(plan, colour) + rows + text_foot(plan, colour)


def _paint(colour: bool, code: str, text: str) -> str:
    return f"{code}{text}{_RESET}" if colour else text


def text_head(plan: dict[str, Any], colour: bool = False) -> str:
    """The plan's first lines: the remote, then its warnings. Needs no rows: a streamed plan shows it first."""
    return f"labelsync plan against {inert(plan['remote'])}\n\n" + text_warnings(plan["warnings"], colour)


def text_warnings(warnings: list[str] | tuple[str, ...], colour: bool = False) -> str:
    """`warning: ...` lines, inert, and a blank line after them (nothing when there are none)."""
    out = [_paint(colour, _COLOURS["~"], f"warning: {inert(warning)}") for warning in warnings]
    return "\n".join(out) + "\n\n" if out else ""


def text_row(row: dict[str, Any], colour: bool = False) -> str:
    """One row's heading and changes, and a blank line."""
    out = [_paint(colour, _BOLD, row_heading(row))]
    for line in row_lines(row):
        out.append(_paint(colour, _COLOURS[line.sign], f"{'  ' * line.depth}{line.sign} {line.text}"))
    return "\n".join(out) + "\n\n"


def text_foot(plan: dict[str, Any], colour: bool = False) -> str:
    """The plan's last lines, from its summary."""
    out = []
    if not plan["summary"]["rows"]:
        out += ["No changes: the remote matches the label files.", ""]
    deletes = deletes_line(plan, "--allow-delete")
    if deletes:
        out.append(_paint(colour, _COLOURS["-"], deletes))
    out.append(_paint(colour, _BOLD, f"Plan: {summary_line(plan)}."))
    return "\n".join(out) + "\n"
