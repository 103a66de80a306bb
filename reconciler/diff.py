"""Desired vs remote for one label row -> a `RowPlan`. Pure, and hash-first.

Labels are matched by hash. A label whose fingerprint is the same on both sides costs one string
compare; only labels that differ are flattened for field-level display.

Every change carries its provenance (the line of the file asking for it). What the file's last committed
version said (`BaseVersion`, read from git by the shell for the rows that need it: `needs_base`) names the
labels a change deletes by their old ids and lines, and keeps the labels it protected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace

from reconciler.canonical import label_fingerprint, row_fingerprint
from reconciler.desired.label_file import BaseVersion, LabelFile
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
    base: BaseVersion | None = None,
) -> RowPlan | None:
    """The plan for one row, or None when the remote already matches the file. `base`: what the file's last
    committed version said, where known."""
    if not desired.prune:
        desired = replace(desired, row=keeping_remote_tags(desired.row, remote))
    base = base or BaseVersion()
    want = {label.hash: label for label in desired.row.labels}
    have = {label.hash: label for label in remote.labels}
    have_fps = {h: label_fingerprint(label) for h, label in have.items()}
    changes: list[LabelChange] = []
    renames: list[tuple[str, str]] = []
    kept = 0
    for hash_, label in want.items():
        old = have.get(hash_)
        renamed = _renamed_from(hash_, desired, base) if old is not None else None
        if old is None:
            changes.append(_change(None, label, desired, ontology))
        elif label_fingerprint(label) != have_fps[hash_]:
            changes.append(_change(old, label, desired, ontology, renamed_from=renamed))
        elif renamed is not None:
            renames.append((renamed, desired.ids.get(hash_, hash_)))
    row_protected = desired.protect or base.file_protected
    protected: list[str] = []
    for hash_, label in have.items():
        if hash_ not in want:
            if not desired.prune:
                kept += 1
            elif row_protected or hash_ in base.protected:
                protected.append(base.ids.get(hash_, hash_))
            else:
                name = base.ids.get(hash_, hash_)
                changes.append(label_change(label, None, name, ontology, line=base.lines.get(hash_)))
    tag_changes = row_tag_changes(remote.tags, remote.frame_tags, desired.row.tags, desired.row.frame_tags)
    if not changes and not tag_changes and not kept and not renames and not protected:
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
        renames=tuple(sorted(renames)),
        protected=tuple(sorted(protected)),
        tags_line=desired.tags_line if tag_changes else None,
    )
    return _with_after(plan, remote)


BaseReader = Callable[[Sequence[LabelFile]], Mapping[str, BaseVersion]]
"""Reads the last committed version of label files (by `LabelFile.path`): the shell's, given to the planner."""


def needs_base(desired: LabelFile, remote: LabelRow) -> bool:
    """Whether the plan of this row reads the file's last committed version: it renames labels, or it would
    delete some (named by their old ids, and kept where they were protected)."""
    if desired.renamed:
        return True
    if not desired.prune:
        return False
    want = {label.hash for label in desired.row.labels}
    return any(label.hash not in want for label in remote.labels)


def protected_warnings(rows: Iterable[RowPlan]) -> list[str]:
    """One line per row keeping labels its file no longer declares because they are protected."""
    warnings = []
    for row in rows:
        if row.protected:
            count = len(row.protected)
            names = ", ".join(row.protected[:10]) + (f" and {count - 10} more" if count > 10 else "")
            warnings.append(
                f"{row.file}: {count} label{'s' if count != 1 else ''} the file no longer declares"
                f" {'are' if count != 1 else 'is'} kept, not deleted: protected (`protect: true` in the file or in"
                f" its last committed version): {names}; remove `protect: true` in a reviewed change first"
            )
    return warnings


def _renamed_from(hash_: str, desired: LabelFile, base: BaseVersion) -> str | None:
    """The old id of a label the file renames (`was:`) in this change: not one its last committed version
    already calls by the new id."""
    old = desired.renamed.get(hash_)
    if old is None or base.ids.get(hash_) == desired.ids.get(hash_):
        return None
    return old


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


def _change(
    before: Label | None,
    after: Label | None,
    desired: LabelFile,
    ontology: Ontology,
    renamed_from: str | None = None,
) -> LabelChange:
    label = after or before
    assert label is not None
    name = desired.ids.get(label.hash, label.hash)
    return label_change(
        before, after, name, ontology, line=desired.lines.get(label.hash), renamed_from=renamed_from
    )
