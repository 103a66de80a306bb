"""Desired vs remote for one label row -> a `RowPlan`. Pure, and hash-first.

Labels are matched by hash. A label whose fingerprint is the same on both sides costs one string
compare; only labels that differ are flattened for field-level display.
"""

from __future__ import annotations

from dataclasses import replace

from reconciler.canonical import label_fingerprint, row_fingerprint
from reconciler.desired.label_file import LabelFile
from reconciler.model import Label, LabelRow, with_tags
from reconciler.ontology import Ontology
from reconciler.plan import LabelChange, RowPlan
from reconciler.plan_changes import label_change, row_tag_changes


def diff_row(
    desired: LabelFile,
    remote: LabelRow,
    ontology: Ontology,
    *,
    title: str,
    label_hash: str | None,
) -> RowPlan | None:
    """The plan for one row, or None when the remote already matches the file."""
    if not desired.prune:
        desired = replace(desired, row=keeping_remote_tags(desired.row, remote))
    want = {label.hash: label for label in desired.row.labels}
    have = {label.hash: label for label in remote.labels}
    have_fps = {h: label_fingerprint(label) for h, label in have.items()}
    changes: list[LabelChange] = []
    kept = 0
    for hash_, label in want.items():
        old = have.get(hash_)
        if old is None:
            changes.append(_change(None, label, desired, ontology))
        elif label_fingerprint(label) != have_fps[hash_]:
            changes.append(_change(old, label, desired, ontology))
    for hash_, label in have.items():
        if hash_ not in want:
            if desired.prune:
                changes.append(_change(label, None, desired, ontology))
            else:
                kept += 1
    tag_changes = row_tag_changes(remote.tags, remote.frame_tags, desired.row.tags, desired.row.frame_tags)
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


def keeping_remote_tags(row: LabelRow, remote: LabelRow) -> LabelRow:
    """`row` with the remote's tags it does not declare kept (what `prune: false` means for tags): data and
    frame tags of the row, and the tags of labels both declare."""
    remote_labels = {label.hash: label for label in remote.labels}
    label_tags = {
        label.hash: (*label.tags, *(remote_labels[label.hash].tags if label.hash in remote_labels else ()))
        for label in row.labels
    }
    declared = {t.name for t in row.frame_tags}
    frame_tags = (*row.frame_tags, *(t for t in remote.frame_tags if t.name not in declared))
    return with_tags(row, (*row.tags, *remote.tags), frame_tags, label_tags)


def _with_after(plan: RowPlan, remote: LabelRow) -> RowPlan:
    return replace(plan, after=row_fingerprint(plan.target(remote)))


def _change(before: Label | None, after: Label | None, desired: LabelFile, ontology: Ontology) -> LabelChange:
    label = after or before
    assert label is not None
    return label_change(before, after, desired.ids.get(label.hash, label.hash), ontology)
