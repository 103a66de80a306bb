"""The plan: what apply will do, as plain data. No I/O and no rendering here.

A `Plan` holds one `RowPlan` per label row that changes. Each `LabelChange` carries the full
canonical label before and after the change (after: what apply writes) and display-ready `FieldChange`s
(what a reviewer reads). The display fields are for people only: apply never reads them, and a saved
plan's are derived again from its labels when it is read (reconciler/plan_changes.py), never trusted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any

from reconciler.model import FrameTag, Label, LabelRow, ObjectLabel, RowKey
from reconciler.provenance import PlanSource

FORMAT_VERSION = "1.3"
"""1.1 added `digest` and `ontology_editor` (plans without them are refused); 1.2 added `source`; 1.3 added
`source.shard` (the plan of one shard: `plan --shard K/N`)."""


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One displayed difference: `box.x 0.2 -> 0.3`. None on a side means absent."""

    path: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class TagChange:
    """A tag added to or removed from a data unit (scope data) or a label (scope label)."""

    tag: str
    added: bool
    scope: str
    target: str = ""
    frames: str = ""


@dataclass(frozen=True)
class LabelChange:
    action: Action
    kind: str
    hash: str
    name: str
    class_name: str
    before: Label | None
    after: Label | None
    fields: tuple[FieldChange, ...] = ()
    tags: tuple[TagChange, ...] = ()
    line: int | None = None
    """Provenance: the line of the row's file that asks for the change (the label's `id:`); for a delete, the
    line that declared it in the file's last committed version; None where it is not known."""
    renamed_from: str | None = None
    """The label's old id when the file renames it (`was:`) in the change: its hash stays."""

    @property
    def content_changed(self) -> bool:
        """False when only the label's tags change: that is counted as tag changes, not a change."""
        return self.action is not Action.UPDATE or bool(self.fields)


@dataclass(frozen=True)
class RowPlan:
    key: RowKey
    title: str
    file: str
    label_hash: str | None
    before: str
    """The fingerprint of the remote row the plan was made against; apply checks it."""
    after: str
    """The fingerprint the row will have once applied."""
    changes: tuple[LabelChange, ...] = ()
    tag_changes: tuple[TagChange, ...] = ()
    tags: tuple[str, ...] | None = None
    frame_tags: tuple[FrameTag, ...] | None = None
    kept: int = 0
    """Remote labels the file does not declare, kept because the file says `prune: false`."""
    carried: int = 0
    """Remote labels labelsync cannot declare (shapes or classes it does not model): kept as they are."""
    renames: tuple[tuple[str, str], ...] = ()
    """(old id, new id) of the labels the file renames (`was:`) and changes in no other way: their hashes
    stay, nothing is written. A label renamed and changed says so in its change (`renamed_from`)."""
    protected: tuple[str, ...] = ()
    """Remote labels the file no longer declares, not deleted because they are protected (`protect: true` in
    the file or in its last committed version), by name."""
    tags_line: int | None = None
    """Provenance of the data tag changes: the line of the file's `tags:` (or `frame_tags:`)."""

    @property
    def has_changes(self) -> bool:
        """False for a row in the plan only to note the remote labels it keeps (`prune: false`, protected) or
        the labels it renames."""
        return bool(self.changes or self.tag_changes)

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action and c.content_changed)

    @property
    def all_tag_changes(self) -> tuple[TagChange, ...]:
        return (*self.tag_changes, *(t for c in self.changes for t in c.tags))

    def target(self, current: LabelRow) -> LabelRow:
        """The row after this plan's changes are made to `current` (the row as the plan saw it)."""
        labels: dict[str, Label] = {label.hash: label for label in current.labels}
        for change in self.changes:
            if change.after is None:
                labels.pop(change.hash, None)
            else:
                labels[change.hash] = change.after
        objects = sorted((lb for lb in labels.values() if isinstance(lb, ObjectLabel)), key=lambda lb: lb.hash)
        classifications = sorted(
            (lb for lb in labels.values() if not isinstance(lb, ObjectLabel)), key=lambda lb: lb.hash
        )
        return LabelRow(
            key=current.key,
            objects=tuple(objects),
            classifications=tuple(classifications),
            tags=current.tags if self.tags is None else self.tags,
            frame_tags=current.frame_tags if self.frame_tags is None else self.frame_tags,
        )


@dataclass(frozen=True)
class Summary:
    add: int
    change: int
    delete: int
    rows: int
    tag_changes: int
    unchanged_rows: int
    unmanaged_rows: int
    tag_removals: int = 0
    """Of `tag_changes`, the tags removed: guarded as deletes are."""
    managed_labels: int = 0
    """Labels on the rows the files manage, as the remote holds them: what a mass delete is measured by."""

    @property
    def has_changes(self) -> bool:
        return bool(self.add or self.change or self.delete or self.tag_changes)

    @property
    def delete_share(self) -> float:
        """The share of the managed labels this plan deletes (0 when it manages none)."""
        return self.delete / self.managed_labels if self.managed_labels else 0.0

    @classmethod
    def of(
        cls, rows: Sequence[RowPlan], unchanged_rows: int = 0, unmanaged_rows: int = 0, managed_labels: int = 0
    ) -> Summary:
        """Of these rows (those in a plan only for a note count as unchanged) and the counts given."""
        changing = sum(1 for r in rows if r.has_changes)
        return cls(
            add=sum(r.count(Action.CREATE) for r in rows),
            change=sum(r.count(Action.UPDATE) for r in rows),
            delete=sum(r.count(Action.DELETE) for r in rows),
            rows=changing,
            tag_changes=sum(len(r.all_tag_changes) for r in rows),
            unchanged_rows=unchanged_rows + len(rows) - changing,
            unmanaged_rows=unmanaged_rows,
            tag_removals=sum(1 for r in rows for t in r.all_tag_changes if not t.added),
            managed_labels=managed_labels,
        )

    def plus(self, other: Summary) -> Summary:
        """Both summaries' counts added: of a plan streamed a bundle at a time."""
        return Summary(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


@dataclass(frozen=True)
class Plan:
    remote: str
    ontology: str
    rows: tuple[RowPlan, ...] = ()
    unchanged_rows: int = 0
    unmanaged_rows: int = 0
    warnings: tuple[str, ...] = ()
    created_at: str = ""
    managed_labels: int = 0
    """Labels on the rows the files manage, as the remote holds them (changed and unchanged rows)."""
    format_version: str = FORMAT_VERSION
    ontology_editor: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The project's ontology (Encord's editor structure) whose fingerprint is `ontology`: saved plans
    carry it, so `show` names classes, attributes and options without the project."""
    source: PlanSource | None = None
    """The commit and label files it was made from; None in a plan older than format 1.2."""

    @property
    def summary(self) -> Summary:
        return Summary.of(self.rows, self.unchanged_rows, self.unmanaged_rows, self.managed_labels)

    @property
    def deletes(self) -> int:
        return self.summary.delete
