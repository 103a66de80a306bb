"""Plan <-> plain dict: the JSON plan (`--out plan.json`, `--format json`) and what renderers read.

Version policy (as Terraform's JSON plan): `format_version` is MAJOR.MINOR. Additions bump the
minor version and readers ignore keys they do not know; a breaking change bumps the major
version and readers refuse a major they do not know. Since 1.1 a plan carries `digest` (sha256 of
the canonical JSON of everything else) and the ontology it was made against; older plans are refused.

Reading trusts nothing: the structure is checked first (plan_shape: "this plan file is damaged: ..."),
then the digest ("this plan file was changed after it was made"), then every change is rebuilt from its
labels (plan_changes): the displayed fields and label tags a file stores are never read back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from reconciler.canonical import (
    frame_tags_from_dict,
    frame_tags_to_dict,
    label_fingerprint,
    label_from_dict,
    label_to_dict,
)
from reconciler.desired.frames import format_ranges
from reconciler.diagnostics import FieldPath
from reconciler.errors import LabelsyncError, PlanFileError
from reconciler.model import Label, RowKey
from reconciler.ontology import Ontology
from reconciler.plan import FORMAT_VERSION, Action, LabelChange, Plan, RowPlan, Summary, TagChange
from reconciler.plan_changes import label_change
from reconciler.plan_shape import VERSION, check_plan_shape, damaged
from reconciler.provenance import MAX_SHARDS, PlanSource, ShardSource

CHANGED = "this plan file was changed after it was made: make a new plan"
_MAJOR = int(FORMAT_VERSION.split(".")[0])
_FIRST_WITH_DIGEST = 1


def plan_digest(data: Mapping[str, Any]) -> str:
    """sha256 over the canonical JSON (sorted keys, no spaces, ASCII) of everything but `digest`."""
    body = {key: value for key, value in data.items() if key != "digest"}
    return hashlib.sha256(canonical_json(body).encode("ascii")).hexdigest()


def canonical_json(value: Any) -> str:
    """The text `plan_digest` hashes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=True)


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    data = plan_body(plan, plan.summary)
    data["digest"] = plan_digest(data)
    return data


def plan_body(plan: Plan, summary: Summary) -> dict[str, Any]:
    """The plan's dict without its digest, with `summary` (a streamed plan's, counted as its rows went by)."""
    data: dict[str, Any] = {
        "format_version": plan.format_version,
        "created_at": plan.created_at,
        "remote": plan.remote,
        "ontology": plan.ontology,
        "summary": summary_to_dict(summary),
        "warnings": list(plan.warnings),
        "rows": [row_to_dict(r) for r in plan.rows],
        "ontology_editor": plan.ontology_editor,
    }
    if plan.source is not None:
        data["source"] = _source_to_dict(plan.source)
    return data


def summary_to_dict(summary: Summary) -> dict[str, int]:
    return {
        "add": summary.add,
        "change": summary.change,
        "delete": summary.delete,
        "rows": summary.rows,
        "tag_changes": summary.tag_changes,
        "unchanged_rows": summary.unchanged_rows,
        "unmanaged_rows": summary.unmanaged_rows,
        "tag_removals": summary.tag_removals,
        "managed_labels": summary.managed_labels,
    }


def plan_from_dict(data: Any) -> Plan:
    """The plan a file's JSON holds; `PlanFileError` for anything damaged, changed or inconsistent."""
    version = _check_version(data)
    check_plan_shape(data)
    if data["digest"] != plan_digest(data):
        raise PlanFileError(CHANGED)
    ontology = _ontology(data["ontology_editor"], data["ontology"])
    try:
        rows = tuple(_row_from_dict(r, ontology, ("rows", i)) for i, r in enumerate(data["rows"]))
    except (KeyError, TypeError, ValueError) as exc:  # the shape was checked: only a bug gets here
        raise damaged(f"{type(exc).__name__}: {exc}") from None
    noted = sum(1 for r in rows if not r.has_changes)  # the summary counts them as unchanged
    unchanged = data["summary"]["unchanged_rows"] - noted
    if unchanged < 0:
        raise damaged("its summary counts fewer unchanged rows than it lists", ("summary", "unchanged_rows"))
    return Plan(
        remote=data["remote"],
        ontology=data["ontology"],
        rows=rows,
        unchanged_rows=unchanged,
        unmanaged_rows=data["summary"]["unmanaged_rows"],
        managed_labels=data["summary"]["managed_labels"],
        warnings=tuple(data["warnings"]),
        created_at=data["created_at"],
        format_version=version,
        ontology_editor=data["ontology_editor"],
        source=_source_from_dict(data["source"]) if "source" in data else None,
    )


def _source_to_dict(source: PlanSource) -> dict[str, Any]:
    return {
        "commit": source.commit,
        "dirty": source.dirty,
        "files": source.files,
        "files_digest": source.files_digest,
        "paths": list(source.paths),
        **({"shard": _shard_to_dict(source.shard)} if source.shard is not None else {}),
    }


def _shard_to_dict(shard: ShardSource) -> dict[str, Any]:
    return {"k": shard.k, "n": shard.n, "basis": shard.basis}


def _shard_from_dict(data: dict[str, Any]) -> ShardSource:
    if not 1 <= data["k"] <= data["n"] <= MAX_SHARDS:
        raise damaged(f"shard {data['k']} of {data['n']} does not exist", ("source", "shard"))
    return ShardSource(data["k"], data["n"], data["basis"])


def _source_from_dict(data: dict[str, Any]) -> PlanSource:
    return PlanSource(
        files_digest=data["files_digest"],
        files=data["files"],
        commit=data["commit"],
        dirty=data["dirty"],
        paths=tuple(data["paths"]),
        shard=_shard_from_dict(data["shard"]) if "shard" in data else None,
    )


def _check_version(data: Any) -> str:
    if not isinstance(data, dict):
        raise damaged("it is not a labelsync plan (a JSON object)")
    version = data.get("format_version")
    if not isinstance(version, str):
        raise damaged("it has no format_version: it is not a labelsync plan")
    match = VERSION.fullmatch(version)
    if match is None:
        raise damaged(f"format_version {version[:20]!r} is not MAJOR.MINOR")
    major, minor = match.groups()
    if int(major) != _MAJOR:
        raise damaged(f"format_version {version}: this labelsync reads plans of format {_MAJOR}.x")
    if int(minor) < _FIRST_WITH_DIGEST:
        raise damaged(f"format_version {version} has no digest (an older labelsync made it)")
    return version


def _ontology(editor: dict[str, Any], fingerprint: str) -> Ontology:
    try:
        ontology = Ontology.from_editor_dict(editor)
    except (LabelsyncError, KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise damaged(f"its ontology does not load ({exc})", ("ontology_editor",)) from None
    if ontology.fingerprint != fingerprint:
        raise damaged("it is not the ontology whose fingerprint the plan gives", ("ontology_editor",))
    return ontology


def _tag_to_dict(tag: TagChange) -> dict[str, Any]:
    return {
        "tag": tag.tag,
        "action": "add" if tag.added else "remove",
        "scope": tag.scope,
        "target": tag.target,
        "frames": tag.frames,
    }


def _tag_from_dict(data: dict[str, Any]) -> TagChange:
    return TagChange(data["tag"], data["action"] == "add", data["scope"], data["target"], data["frames"])


def _change_to_dict(change: LabelChange) -> dict[str, Any]:
    return {
        "action": change.action.value,
        "kind": change.kind,
        "hash": change.hash,
        "name": change.name,
        "class": change.class_name,
        "fields": [{"path": f.path, "before": f.before, "after": f.after} for f in change.fields],
        "tags": [_tag_to_dict(t) for t in change.tags],
        "before": label_to_dict(change.before) if change.before else None,
        "after": label_to_dict(change.after) if change.after else None,
        "line": change.line,
        "renamed_from": change.renamed_from,
    }


def _change_from_dict(data: dict[str, Any], ontology: Ontology, path: FieldPath) -> LabelChange:
    """The change rebuilt from its labels: only `name` (the id in the file), `line` and `renamed_from` (where the
    file asks for it, for people) are read besides them."""
    before: Label | None = label_from_dict(data["before"]) if data["before"] is not None else None
    after: Label | None = label_from_dict(data["after"]) if data["after"] is not None else None
    for side, label in (("before", before), ("after", after)):
        if label is not None and label.hash != data["hash"]:
            raise damaged(f"the label's hash is not the change's ({data['hash']})", (*path, side))
    if before is not None and after is not None and label_fingerprint(before) == label_fingerprint(after):
        raise damaged("an update that changes nothing", path)
    return label_change(
        before, after, data["name"], ontology, line=data.get("line"), renamed_from=data.get("renamed_from")
    )


def row_to_dict(row: RowPlan) -> dict[str, Any]:
    return {
        "data_hash": row.key.data_hash,
        "branch": row.key.branch,
        "title": row.title,
        "file": row.file,
        "label_hash": row.label_hash,
        "before": row.before,
        "after": row.after,
        "counts": {
            "add": row.count(Action.CREATE),
            "change": row.count(Action.UPDATE),
            "delete": row.count(Action.DELETE),
            "tag_changes": len(row.all_tag_changes),
            "kept": row.kept,
            "carried": row.carried,
            "protected": len(row.protected),
        },
        "changes": [_change_to_dict(c) for c in row.changes],
        "tag_changes": [_tag_to_dict(t) for t in row.tag_changes],
        "tags": list(row.tags) if row.tags is not None else None,
        "frame_tags": frame_tags_to_dict(row.frame_tags) if row.frame_tags is not None else None,
        "renames": [{"from": old, "to": new} for old, new in row.renames],
        "protected": list(row.protected),
        "tags_line": row.tags_line,
    }


def _row_from_dict(data: dict[str, Any], ontology: Ontology, path: FieldPath) -> RowPlan:
    changes = tuple(_change_from_dict(c, ontology, (*path, "changes", i)) for i, c in enumerate(data["changes"]))
    hashes = [c.hash for c in changes]
    twice = next((h for h in hashes if hashes.count(h) > 1), None)
    if twice is not None:
        raise damaged(f"two changes to the label {twice}", (*path, "changes"))
    row = RowPlan(
        key=RowKey(data["data_hash"], data["branch"]),
        title=data["title"],
        file=data["file"],
        label_hash=data["label_hash"],
        before=data["before"],
        after=data["after"],
        changes=changes,
        tag_changes=tuple(_tag_from_dict(t) for t in data["tag_changes"]),
        tags=tuple(data["tags"]) if data["tags"] is not None else None,
        frame_tags=frame_tags_from_dict(data["frame_tags"]) if data["frame_tags"] is not None else None,
        kept=data["counts"]["kept"],
        carried=data["counts"].get("carried", 0),
        renames=tuple((r["from"], r["to"]) for r in data.get("renames", ())),
        protected=tuple(data.get("protected", ())),
        tags_line=data.get("tags_line"),
    )
    problem = _tag_claims_problem(row)
    if problem:
        raise damaged(problem, (*path, "tag_changes"))
    return row


def _tag_claims_problem(row: RowPlan) -> str | None:
    """Why the row's data tag changes are not what writing its tags does, or None.

    A row stores its tags after the apply and the changes from the tags before (which apply checks against
    the row it writes over): each displayed change must hold of the tags written."""
    seen: set[tuple[str, bool, bool]] = set()
    added_frames: dict[str, str] = {}
    removed_frames: set[str] = set()
    for tag in row.tag_changes:
        if tag.scope != "data":
            return f"the label-scope tag change {tag.tag!r} is not a row's"
        framed = bool(tag.frames)
        claim = (tag.tag, tag.added, framed)
        if claim in seen:
            return f"the tag {tag.tag!r} changes twice"
        seen.add(claim)
        if framed:
            if row.frame_tags is None:
                return f"the frame tag {tag.tag!r} changes but the row's frame tags do not"
            if tag.added:
                added_frames[tag.tag] = tag.frames
            else:
                removed_frames.add(tag.tag)
        elif row.tags is None:
            return f"the tag {tag.tag!r} changes but the row's tags do not"
        elif tag.added and tag.tag not in row.tags:
            return f"the tag {tag.tag!r} is shown added but is not written"
        elif not tag.added and tag.tag in row.tags:
            return f"the tag {tag.tag!r} is shown removed but is written"
    written = {t.name: format_ranges(t.ranges) for t in row.frame_tags or ()}
    for name, frames in added_frames.items():
        if written.get(name) != frames:
            return f"the frame tag {name!r} is shown on frames {frames} but written on {written.get(name, 'none')}"
    for name in removed_frames:
        if name in written and name not in added_frames:
            return f"the frame tag {name!r} is shown removed but is written"
    return None
