"""What apply checks of a plan it did not just make, before and as it writes. Pure.

Before anything is written (`row_problems`): every label a row writes, its tags and its frame tags are
written out as the label file that declares them and read back by the loader (reconciler/desired), with
the project's ontology and the row's data unit. So a saved plan passes exactly the checks a label file
passes: classes, attributes and options exist, required attributes are there, shapes fit the class,
coordinates are numbers in range, frames are within the data unit; and the labels must come back
exactly as the plan gives them (canonical form), with every number finite.

As each row is written (`base_problem`): the labels and tags the plan says the row has before the change
must be the row's, so what `show` derives from them is what the write does.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from reconciler.canonical import label_fingerprint, label_to_dict, row_fingerprint
from reconciler.desired.label_file import parse_label_file
from reconciler.diagnostics import FieldPath, Finding, format_path
from reconciler.display import flatten
from reconciler.model import ClassificationLabel, DataUnit, Label, LabelRow, ObjectLabel
from reconciler.ontology import Ontology
from reconciler.plan import RowPlan
from reconciler.plan_changes import row_tag_changes
from reconciler.pull.document import Naming, Unrepresentable, row_document

_ENTRIES = {"objects": "object", "classifications": "classification"}


def row_problems(row: RowPlan, ontology: Ontology, unit: DataUnit | None) -> list[str]:
    """Why the project would not accept what `row` writes (each message naming the row and label), or []."""
    where = f"{row.title} ({row.file})"
    if unit is None:
        return [f"{where}: the project has no data unit {row.key.data_hash}"]
    if unit.title != row.title:
        return [f"{where}: data unit {row.key.data_hash} is {unit.title!r} in the project, not {row.title!r}"]
    if not unit.type.declarable:
        return [f"{where}: labelsync cannot write labels on {unit.type.value} rows"]
    written = [c.after for c in row.changes if c.after is not None]
    names = {c.hash: c.name for c in row.changes}
    problems = [f"{where}: {_what(label, names, ontology)}: {p}" for label in written for p in _not_finite(label)]
    if problems:
        return problems
    return [f"{where}: {p}" for p in _declared_problems(row, written, names, ontology, _sized(unit, written))]


def base_problem(row: RowPlan, current: LabelRow) -> str | None:
    """Why `row` (whose fingerprint before is `current`'s) does not describe writing over `current`, or None."""
    have = {label.hash: label for label in current.labels}
    for change in row.changes:
        old = have.get(change.hash)
        if change.before is None and old is not None:
            return f"it creates {change.kind} {change.name}, which the row already has"
        if change.before is not None and (
            old is None or label_fingerprint(old) != label_fingerprint(change.before)
        ):
            return f"its {change.kind} {change.name} before the change is not the row's"
    target = row.target(current)
    derived = row_tag_changes(current.tags, current.frame_tags, target.tags, target.frame_tags)
    if set(derived) != set(row.tag_changes) or len(derived) != len(row.tag_changes):
        return "its tag changes are not what writing its tags does to the row"
    if row_fingerprint(target) != row.after:
        return "the row it writes is not the row it says it writes"
    return None


def _what(label: Label, names: Mapping[str, str], ontology: Ontology) -> str:
    kind = "object" if isinstance(label, ObjectLabel) else "classification"
    return f"{kind} {names.get(label.hash, label.hash)} ({ontology.display_name(label.feature)})"


def _not_finite(label: Label) -> Iterator[str]:
    def walk(value: Any, path: FieldPath) -> Iterator[str]:
        if isinstance(value, float) and not math.isfinite(value):
            yield f"{format_path(path)}: {value} is not a finite number"
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from walk(item, (*path, str(key)))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                yield from walk(item, (*path, i))

    ((_, body),) = label_to_dict(label).items()
    yield from walk(body, ())


def _sized(unit: DataUnit, labels: list[Label]) -> DataUnit:
    """`unit`, with the size of the first mask written when the remote does not say how large it is (as the
    loader then takes a PNG mask's size)."""
    if all(unit.size(0)) or unit.sizes:
        return unit
    for label in labels:
        if isinstance(label, ObjectLabel):
            for _, geometry in label.frames:
                value = geometry.value
                if geometry.shape.key == "bitmask" and isinstance(value, dict):
                    return unit._replace(width=value.get("width", 0), height=value.get("height", 0))
    return unit


def _declared_problems(
    row: RowPlan, written: list[Label], names: Mapping[str, str], ontology: Ontology, unit: DataUnit
) -> list[str]:
    declared = LabelRow(
        key=row.key,
        objects=tuple(sorted((lb for lb in written if isinstance(lb, ObjectLabel)), key=lambda lb: lb.hash)),
        classifications=tuple(
            sorted((lb for lb in written if isinstance(lb, ClassificationLabel)), key=lambda lb: lb.hash)
        ),
        tags=row.tags or (),
        frame_tags=row.frame_tags or (),
    )
    naming = Naming(default_branch=row.key.branch, ids=names)
    try:
        doc = row_document(declared, ontology, unit, naming)
    except Unrepresentable as exc:
        return _unrepresentable(declared, written, names, ontology, unit, naming) or [
            f"not something a label file can declare: {exc}"
        ]
    parsed, findings = parse_label_file(
        row.file, doc, ontology, unit, default_branch=row.key.branch, base_dir=Path(".")
    )
    if findings or parsed is None:
        return [_finding(f, doc) for f in findings] or ["not something a label file can declare"]
    back = {label.hash: label for label in parsed.row.labels}
    problems = []
    for label in written:
        again = back.get(label.hash)
        if again is None or label_fingerprint(again) != label_fingerprint(label):
            problems.append(f"{_what(label, names, ontology)}: {_not_canonical(label, again, ontology)}")
    if (parsed.row.tags, parsed.row.frame_tags) != (declared.tags, declared.frame_tags):
        problems.append("its tags are not in the form labelsync writes (a frame tag on every frame is a tag)")
    return problems


def _unrepresentable(
    declared: LabelRow,
    written: list[Label],
    names: Mapping[str, str],
    ontology: Ontology,
    unit: DataUnit,
    naming: Naming,
) -> list[str]:
    """Which labels a label file cannot declare, and why (found one label at a time)."""
    problems = []
    for label in written:
        alone = replace(
            declared,
            objects=(label,) if isinstance(label, ObjectLabel) else (),
            classifications=(label,) if isinstance(label, ClassificationLabel) else (),
            tags=(),
            frame_tags=(),
        )
        try:
            row_document(alone, ontology, unit, naming)
        except Unrepresentable as exc:
            what = _what(label, names, ontology)
            why = str(exc).removeprefix(f"{what}: ")
            problems.append(f"{what}: not something a label file can declare: {why}")
    return problems


def _finding(finding: Finding, doc: dict[str, Any]) -> str:
    path = finding.path
    if len(path) >= 2 and path[0] in _ENTRIES and isinstance(path[1], int):
        entry = doc[str(path[0])][path[1]]
        what = f"{_ENTRIES[str(path[0])]} {entry['id']} ({entry.get('class', entry.get('question'))})"
        rest = format_path(path[2:])
        return f"{what}: {rest + ': ' if rest else ''}{finding.message}"
    return f"{format_path(path) + ': ' if path else ''}{finding.message}"


def _not_canonical(label: Label, again: Label | None, ontology: Ontology) -> str:
    if again is None:
        return "its hash is not the one its id and file give"
    mine, theirs = flatten(label, ontology), flatten(again, ontology)
    differ = sorted(k for k in mine.keys() | theirs.keys() if repr(mine.get(k)) != repr(theirs.get(k)))
    where = f" ({', '.join(differ[:5])})" if differ else ""
    return f"not in the canonical form a label file gives{where}"
