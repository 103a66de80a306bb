"""The changes a plan displays, derived from the labels and tags it writes, so the display cannot say otherwise.

A label change's action, kind, class, displayed fields (`box.x: 0.12 -> 0.3`) and label tag changes all
follow from its label before and its label after (the one apply writes); a row's data tag changes follow
from its tags before and after. `planfile` rebuilds every change of a saved plan with these, ignoring the
display strings the file stores; apply checks the labels before against the row it writes over. The planner
(reconciler/diff.py) builds its changes with the same functions, so a saved plan shows exactly what `plan`
showed.
"""

from __future__ import annotations

from reconciler.desired.frames import format_ranges
from reconciler.display import flatten, geometry_changes, path_order
from reconciler.model import FrameTag, Label, ObjectLabel
from reconciler.ontology import Ontology
from reconciler.plan import Action, FieldChange, LabelChange, TagChange


def label_change(
    before: Label | None,
    after: Label | None,
    name: str,
    ontology: Ontology,
    *,
    line: int | None = None,
    renamed_from: str | None = None,
) -> LabelChange:
    """The change that turns `before` into `after` (None: absent), the label being `name` in its file, asked for
    at `line` of it (provenance), renamed there from the id `renamed_from`."""
    label = after or before
    if label is None:
        raise ValueError("a change needs a label before or after it")
    action = Action.CREATE if before is None else Action.DELETE if after is None else Action.UPDATE
    return LabelChange(
        action=action,
        kind="object" if isinstance(label, ObjectLabel) else "classification",
        hash=label.hash,
        name=name,
        class_name=ontology.display_name(label.feature),
        before=before,
        after=after,
        fields=field_changes(before, after, ontology),
        tags=tag_changes(before.tags if before else (), after.tags if after else (), "label", name),
        line=line,
        renamed_from=renamed_from,
    )


def field_changes(before: Label | None, after: Label | None, ontology: Ontology) -> tuple[FieldChange, ...]:
    """What a reviewer reads of a change. A create or delete: every field of the label. An update: its class
    first when it changes (`class: Cherry -> Person`), then its geometry compared as shapes (moved points,
    a range change; reconciler/display.py `geometry_changes`), then attributes and answers."""
    if before is None or after is None:
        old = flatten(before, ontology) if before else {}
        new = flatten(after, ontology) if after else {}
        return tuple(
            FieldChange(path, old.get(path), new.get(path))
            for path in sorted(old.keys() | new.keys(), key=path_order)
            if old.get(path) != new.get(path)
        )
    changes: list[FieldChange] = []
    if before.feature != after.feature:
        changes.append(
            FieldChange("class", ontology.display_name(before.feature), ontology.display_name(after.feature))
        )
    shapes = isinstance(before, ObjectLabel) and isinstance(after, ObjectLabel)
    if isinstance(before, ObjectLabel) and isinstance(after, ObjectLabel):
        changes += (FieldChange(path, was, now) for path, was, now in geometry_changes(before, after))
    old, new = flatten(before, ontology, geometry=not shapes), flatten(after, ontology, geometry=not shapes)
    changes += (
        FieldChange(path, old.get(path), new.get(path))
        for path in sorted(old.keys() | new.keys(), key=path_order)
        if old.get(path) != new.get(path)
    )
    return tuple(changes)


def tag_changes(before: tuple[str, ...], after: tuple[str, ...], scope: str, target: str) -> tuple[TagChange, ...]:
    return (
        *(TagChange(t, True, scope, target) for t in sorted(set(after) - set(before))),
        *(TagChange(t, False, scope, target) for t in sorted(set(before) - set(after))),
    )


def frame_tag_changes(before: tuple[FrameTag, ...], after: tuple[FrameTag, ...]) -> tuple[TagChange, ...]:
    old = {t.name: t.ranges for t in before}
    new = {t.name: t.ranges for t in after}
    changes: list[TagChange] = []
    for name in sorted(old.keys() | new.keys()):
        if old.get(name) == new.get(name):
            continue
        if name in old:
            changes.append(TagChange(name, False, "data", "", format_ranges(old[name])))
        if name in new:
            changes.append(TagChange(name, True, "data", "", format_ranges(new[name])))
    return tuple(changes)


def row_tag_changes(
    tags_before: tuple[str, ...],
    frame_tags_before: tuple[FrameTag, ...],
    tags_after: tuple[str, ...],
    frame_tags_after: tuple[FrameTag, ...],
) -> tuple[TagChange, ...]:
    """A row's data-scope tag changes: whole-unit tags, then frame tags."""
    return (
        *tag_changes(tags_before, tags_after, "data", ""),
        *frame_tag_changes(frame_tags_before, frame_tags_after),
    )
