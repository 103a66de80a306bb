"""The plan: what apply will do, as plain data. No I/O and no rendering here.

A `Plan` holds one `RowPlan` per label row that changes. Each `LabelChange` carries the full
canonical label after the change (what apply writes) and display-ready `FieldChange`s (what a
reviewer reads); the display fields are for people only and apply never reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from reconciler.model import FrameTag, Label, LabelRow, ObjectLabel, RowKey

FORMAT_VERSION = "1.0"


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

    @property
    def has_changes(self) -> bool:
        """False for a row in the plan only to note the remote labels it keeps (`prune: false`)."""
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

    @property
    def has_changes(self) -> bool:
        return bool(self.add or self.change or self.delete or self.tag_changes)


@dataclass(frozen=True)
class Plan:
    remote: str
    ontology: str
    rows: tuple[RowPlan, ...] = ()
    unchanged_rows: int = 0
    unmanaged_rows: int = 0
    warnings: tuple[str, ...] = ()
    created_at: str = ""
    format_version: str = FORMAT_VERSION

    @property
    def summary(self) -> Summary:
        changing = sum(1 for r in self.rows if r.has_changes)
        return Summary(
            add=sum(r.count(Action.CREATE) for r in self.rows),
            change=sum(r.count(Action.UPDATE) for r in self.rows),
            delete=sum(r.count(Action.DELETE) for r in self.rows),
            rows=changing,
            tag_changes=sum(len(r.all_tag_changes) for r in self.rows),
            unchanged_rows=self.unchanged_rows + len(self.rows) - changing,
            unmanaged_rows=self.unmanaged_rows,
        )

    @property
    def deletes(self) -> int:
        return self.summary.delete
