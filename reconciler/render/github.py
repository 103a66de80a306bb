"""GitHub Actions workflow commands (`--format github`): one annotation per finding or change.

`::error file=labels/x.yaml,line=12,title=labelsync::message`. What a string holds (a title, an id, a
message quoting a file) is made inert first (`escape.inert`: no line break, no control character, no
`##[` command), then escaped as GitHub reads commands: `%`, CR and LF in the message; also `:` and `,`
in property values. So no string can end the command early, add a property or start a second command.
GitHub shows at most 10 annotations of a type per step, so at most `MAX_ANNOTATIONS` are written and a
last notice counts the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.diagnostics import Finding
from reconciler.render.escape import inert
from reconciler.render.lines import summary_line, value

MAX_ANNOTATIONS = 50
"""Annotations written at most; a notice counts the others."""
MAX_FIELDS = 5
"""Fields of one change named in its annotation; the others are counted."""
TITLE = "labelsync"
PLAN_TITLE = "labelsync plan"
LEVELS = ("error", "warning", "notice")
_SIGN = {"create": "+", "update": "~", "delete": "-"}


@dataclass(frozen=True)
class Annotation:
    level: str
    """`error`, `warning` or `notice`."""
    message: str
    file: str | None = None
    line: int | None = None
    title: str = TITLE


def escape_data(text: str) -> str:
    """A command's message as GitHub reads it back: `%`, CR and LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (`file=`, `title=`): the message's escapes, and `:` and `,`, which end it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(annotation: Annotation) -> str:
    """One workflow command line (no newline): inert first, then escaped."""
    if annotation.level not in LEVELS:
        raise ValueError(f"not an annotation level: {annotation.level!r}")
    properties = []
    if annotation.file:
        properties.append(f"file={escape_property(inert(annotation.file))}")
        if annotation.line is not None and annotation.line > 0:
            properties.append(f"line={int(annotation.line)}")
    properties.append(f"title={escape_property(inert(annotation.title))}")
    return f"::{annotation.level} {','.join(properties)}::{escape_data(inert(annotation.message))}"


def render(
    annotations: Iterable[Annotation], limit: int = MAX_ANNOTATIONS, title: str = TITLE, unlisted: int = 0
) -> str:
    """The annotations as lines, at most `limit`, then a notice counting those left out (with `unlisted`
    more that follow them, counted but not given)."""
    listed = list(annotations)
    lines = [command(a) for a in listed[:limit]]
    if len(listed) + unlisted > limit:
        left = len(listed) + unlisted - limit
        more = f"{left} more annotation{'s' if left != 1 else ''} not shown (at most {limit} are written)"
        lines.append(command(Annotation("notice", more, title=title)))
    return "".join(f"{line}\n" for line in lines)


# -- validate ------------------------------------------------------------------------------------


def finding_message(finding: Finding) -> str:
    return f"{finding.field}: {finding.message}" if finding.path else finding.message


def finding_annotations(findings: Iterable[Finding], warnings: Iterable[str] = ()) -> list[Annotation]:
    """Errors first, then warnings, then the warnings about no one file (`warnings`)."""
    ordered = sorted(findings, key=lambda f: f.severity != "error")
    out = [
        Annotation("error" if f.severity == "error" else "warning", finding_message(f), f.file, f.line)
        for f in ordered
    ]
    out.extend(Annotation("warning", w) for w in warnings)
    return out


# -- plan ----------------------------------------------------------------------------------------


def change_message(change: Mapping[str, Any]) -> str:
    """`~ object cherry-1 (Cherry): box.x 0.1 -> 0.2, box.y 0.2 -> 0.25`."""
    action = change["action"]
    name, cls = change["name"], change["class"]
    what = f"{change['kind']} {name} ({cls})" if name != cls else change["kind"]
    fields = [] if action == "delete" else list(change["fields"])  # a delete: the label is named, that is all
    parts = [_field(f, action) for f in fields[:MAX_FIELDS]]
    if len(fields) > MAX_FIELDS:
        parts.append(f"and {len(fields) - MAX_FIELDS} more")
    parts.extend(f"{'+' if t['action'] == 'add' else '-'}tag {t['tag']}" for t in change.get("tags", ()))
    return f"{_SIGN.get(action, '~')} {what}" + (f": {', '.join(parts)}" if parts else "")


def _field(field: Mapping[str, Any], action: str) -> str:
    before, after = field.get("before"), field.get("after")
    if action == "create" or before is None:
        return f"{field['path']} = {value(after)}"
    if after is None:
        return f"{field['path']} was {value(before)}"
    return f"{field['path']} {value(before)} -> {value(after)}"


def row_annotations(row: Mapping[str, Any]) -> Iterator[Annotation]:
    """One per label change (a delete as a warning) and per row tag change, at the change's line in its
    file (`change["line"]`, when the plan has one)."""
    file = row.get("file") or None
    for change in row["changes"]:
        level = "warning" if change["action"] == "delete" else "notice"
        line = change.get("line")
        yield Annotation(level, change_message(change), file, line if isinstance(line, int) else None, PLAN_TITLE)
    for tag in row["tag_changes"]:
        added = tag["action"] == "add"
        frames = f" on frames {tag['frames']}" if tag.get("frames") else ""
        yield Annotation(
            "notice" if added else "warning",
            f"{'+' if added else '-'} tag {tag['tag']}{frames} on {row['title']}",
            file,
            title=PLAN_TITLE,
        )


def render_plan(plan: Mapping[str, Any], limit: int = MAX_ANNOTATIONS) -> str:
    """The plan's annotations (at most `limit`), then its summary as a notice that is always written."""
    stream = PlanAnnotations(limit)
    for row in plan["rows"]:
        stream.add(row)
    return stream.render(plan)


class PlanAnnotations:
    """`render_plan` from rows given one at a time (a streamed plan's): the first `limit` annotations are
    kept, the rest only counted."""

    def __init__(self, limit: int = MAX_ANNOTATIONS) -> None:
        self.limit = limit
        self._kept: list[Annotation] = []
        self._past = 0

    def add(self, row: Mapping[str, Any]) -> None:
        for annotation in row_annotations(row):
            if len(self._kept) < self.limit:
                self._kept.append(annotation)
            else:
                self._past += 1

    def render(self, plan: Mapping[str, Any]) -> str:
        """The annotations of the rows given, after the warnings of `plan` (its rows are not read), then the
        plan's summary as a notice that is always written."""
        warnings = [Annotation("warning", w, title=PLAN_TITLE) for w in plan.get("warnings", ())]
        listed = [*warnings, *self._kept]
        summary = Annotation("notice", f"Plan: {summary_line(dict(plan))}.", title=PLAN_TITLE)
        return render(listed, self.limit, PLAN_TITLE, self._past) + command(summary) + "\n"


def render_findings(
    findings: Sequence[Finding], warnings: Iterable[str] = (), limit: int = MAX_ANNOTATIONS
) -> str:
    return render(finding_annotations(findings, warnings), limit)
