"""What changed on a row since the plan, for apply to show when it skips the row (it was edited after the plan).

The plan records, for each label it touches, the label as the remote held it (`LabelChange.before`). The
row as the remote holds it now is compared with that, label by label, with DeepDiff over each label in the
names a reviewer knows (`display.flatten` of the canonical label, plus its class and tags):
`cherry-1: box.x 0.2 -> 0.25 (edited on the remote since the plan)`, `cherry-2: deleted on the remote`.
Labels the plan does not touch were not recorded; one that is on the row now and whose removal makes
the row the plan saw again is named as new. At most `MAX_LINES` lines per row. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

from reconciler.canonical import label_fingerprint, row_fingerprint
from reconciler.display import flatten
from reconciler.model import Label, LabelRow, ObjectLabel
from reconciler.ontology import Ontology
from reconciler.plan import RowPlan
from reconciler.render.lines import value

MAX_LINES = 10
"""Lines said about one row at most; a last line counts the rest."""
MAX_NEW_CANDIDATES = 50
"""Labels the plan does not touch tried as the one added since the plan, at most."""
_ABSENT = object()


def describe_edit(planned: RowPlan, current: LabelRow, ontology: Ontology, limit: int = MAX_LINES) -> list[str]:
    """What differs between `current` (the row now) and the row `planned` was made against, as lines."""
    have = {label.hash: label for label in current.labels}
    lines: list[str] = []
    touched: set[str] = set()
    for change in planned.changes:
        touched.add(change.hash)
        now = have.get(change.hash)
        name = change.name
        if change.before is None:
            if now is not None:
                same = change.after is not None and label_fingerprint(now) == label_fingerprint(change.after)
                lines.append(f"{name}: {'already' if same else 'also'} created on the remote since the plan")
            continue
        if now is None:
            lines.append(f"{name}: deleted on the remote")
        elif label_fingerprint(now) != label_fingerprint(change.before):
            lines.extend(_edits(name, change.before, now, ontology))
    lines.extend(_tag_edits(planned, current))
    if not lines:
        lines.extend(_new_labels(planned, current, touched, ontology))
    if not lines:
        lines.append("edited on the remote since the plan (labels or tags the plan does not change)")
    if len(lines) > limit:
        lines = [*lines[: limit - 1], f"... and {len(lines) - limit + 1} more differences"]
    return lines


def _view(label: Label, ontology: Ontology) -> dict[str, Any]:
    """The label in reviewer terms: its class, its fields (`box.x`, `attributes.Ripeness`), its tags."""
    view: dict[str, Any] = {"class": ontology.display_name(label.feature), **flatten(label, ontology)}
    if label.tags:
        view["tags"] = sorted(label.tags)
    return view


def _edits(name: str, before: Label, now: Label, ontology: Ontology) -> list[str]:
    old, new = _view(before, ontology), _view(now, ontology)
    from deepdiff import DeepDiff  # imported here: it costs every command a quarter second, and few rows are stale

    diff = DeepDiff(old, new, view="tree")
    keys: list[str] = []
    for levels in diff.values():
        for level in levels:
            path = level.path(output_format="list")
            key = str(path[0]) if path else ""
            if key and key not in keys:
                keys.append(key)
    if not keys:
        return [f"{name}: edited on the remote since the plan"]
    out = []
    for key in sorted(keys):
        was, is_ = old.get(key, _ABSENT), new.get(key, _ABSENT)
        if was is _ABSENT:
            out.append(f"{name}: {key} = {value(is_)} (added on the remote since the plan)")
        elif is_ is _ABSENT:
            out.append(f"{name}: {key} was {value(was)} (removed on the remote since the plan)")
        else:
            out.append(f"{name}: {key} {value(was)} -> {value(is_)} (edited on the remote since the plan)")
    return out


def _tag_edits(planned: RowPlan, current: LabelRow) -> list[str]:
    """Data-scope tags the plan adds that the row has now, or removes that it no longer has."""
    tags = set(current.tags)
    out = []
    for tag in planned.tag_changes:
        if tag.scope != "data" or tag.frames:
            continue
        if tag.added and tag.tag in tags:
            out.append(f"tag {tag.tag}: added on the remote since the plan")
        elif not tag.added and tag.tag not in tags:
            out.append(f"tag {tag.tag}: removed on the remote since the plan")
    return out


def _new_labels(planned: RowPlan, current: LabelRow, touched: set[str], ontology: Ontology) -> list[str]:
    """The label not touched by the plan whose removal gives back the row the plan saw, if there is one."""
    others = [label for label in current.labels if label.hash not in touched]
    for label in others[:MAX_NEW_CANDIDATES]:
        objects = tuple(o for o in current.objects if o.hash != label.hash)
        classifications = tuple(c for c in current.classifications if c.hash != label.hash)
        without = LabelRow(current.key, objects, classifications, current.tags, current.frame_tags)
        if row_fingerprint(without) == planned.before:
            kind = "object" if isinstance(label, ObjectLabel) else "classification"
            return [f"a new label on the remote: {kind} {label.hash} ({ontology.display_name(label.feature)})"]
    return []
