"""Desired vs remote for one label row -> a `RowPlan`. Pure, and hash-first.

Labels are matched by hash. A label whose fingerprint is the same on both sides costs one string
compare; only labels that differ are flattened for field-level display.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reconciler.canonical import label_fingerprint, row_fingerprint
from reconciler.desired.frames import format_ranges
from reconciler.desired.label_file import LabelFile
from reconciler.display import flatten
from reconciler.model import Label, LabelRow, ObjectLabel
from reconciler.ontology import Ontology
from reconciler.plan import Action, FieldChange, LabelChange, RowPlan, TagChange


def diff_row(
    desired: LabelFile,
    remote: LabelRow,
    ontology: Ontology,
    *,
    title: str,
    label_hash: str | None,
) -> RowPlan | None:
    """The plan for one row, or None when the remote already matches the file."""
    want = {label.hash: label for label in desired.row.labels}
    have = {label.hash: label for label in remote.labels}
    have_fps = {h: label_fingerprint(label) for h, label in have.items()}
    changes: list[LabelChange] = []
    kept = 0
    for hash_, label in want.items():
        old = have.get(hash_)
        if old is None:
            changes.append(_change(Action.CREATE, None, label, desired, ontology))
        elif label_fingerprint(label) != have_fps[hash_]:
            changes.append(_change(Action.UPDATE, old, label, desired, ontology))
    for hash_, label in have.items():
        if hash_ not in want:
            if desired.prune:
                changes.append(_change(Action.DELETE, label, None, desired, ontology))
            else:
                kept += 1
    tag_changes = _set_changes(remote.tags, desired.row.tags, "data", "")
    tag_changes += _frame_tag_changes(remote, desired.row)
    if not changes and not tag_changes and not kept:
        return None
    plan = RowPlan(
        key=desired.row.key,
        title=title,
        file=desired.path,
        label_hash=label_hash,
        before=row_fingerprint(remote, have_fps),
        after="",
        changes=tuple(sorted(changes, key=lambda c: (c.kind, c.name, c.hash))),
        tag_changes=tuple(tag_changes),
        tags=desired.row.tags if desired.row.tags != remote.tags else None,
        frame_tags=desired.row.frame_tags if desired.row.frame_tags != remote.frame_tags else None,
        kept=kept,
        carried=remote.carried,
    )
    return _with_after(plan, remote)


def _with_after(plan: RowPlan, remote: LabelRow) -> RowPlan:
    return replace(plan, after=row_fingerprint(plan.target(remote)))


def _change(
    action: Action, before: Label | None, after: Label | None, desired: LabelFile, ontology: Ontology
) -> LabelChange:
    label = after or before
    assert label is not None
    kind = "object" if isinstance(label, ObjectLabel) else "classification"
    old = flatten(before, ontology) if before else {}
    new = flatten(after, ontology) if after else {}
    fields = tuple(
        FieldChange(path, old.get(path), new.get(path))
        for path in sorted(old.keys() | new.keys(), key=_path_order)
        if old.get(path) != new.get(path)
    )
    target = desired.ids.get(label.hash, label.hash)
    tags = _set_changes(before.tags if before else (), after.tags if after else (), "label", target)
    return LabelChange(
        action=action,
        kind=kind,
        hash=label.hash,
        name=target,
        class_name=ontology.display_name(label.feature),
        before=before,
        after=after,
        fields=fields,
        tags=tuple(tags),
    )


_LEAF_ORDER = {"x": 0, "y": 1, "w": 2, "h": 3, "theta": 4}


def _path_order(path: str) -> tuple[Any, ...]:
    """Geometry before attributes; box fields as people write them: x, y, w, h."""
    parent, _, leaf = path.rpartition(".")
    return (path.startswith(("attributes", "dynamic")), parent, _LEAF_ORDER.get(leaf, 9), leaf)


def _set_changes(before: tuple[str, ...], after: tuple[str, ...], scope: str, target: str) -> list[TagChange]:
    return [TagChange(t, True, scope, target) for t in sorted(set(after) - set(before))] + [
        TagChange(t, False, scope, target) for t in sorted(set(before) - set(after))
    ]


def _frame_tag_changes(before: LabelRow, after: LabelRow) -> list[TagChange]:
    old = {t.name: t.ranges for t in before.frame_tags}
    new = {t.name: t.ranges for t in after.frame_tags}
    changes = []
    for name in sorted(old.keys() | new.keys()):
        if old.get(name) == new.get(name):
            continue
        if name in old:
            changes.append(TagChange(name, False, "data", "", format_ranges(old[name])))
        if name in new:
            changes.append(TagChange(name, True, "data", "", format_ranges(new[name])))
    return changes
