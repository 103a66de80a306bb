"""Plan <-> plain dict: the JSON plan (`--out plan.json`, `--format json`) and what renderers read.

Version policy (as Terraform's JSON plan): `format_version` is MAJOR.MINOR. Additions bump the
minor version and readers ignore keys they do not know; a breaking change bumps the major
version and readers refuse a major they do not know.
"""

from __future__ import annotations

from typing import Any

from reconciler.canonical import frame_tags_from_dict, frame_tags_to_dict, label_from_dict, label_to_dict
from reconciler.errors import PlanFileError
from reconciler.model import RowKey
from reconciler.plan import FORMAT_VERSION, Action, FieldChange, LabelChange, Plan, RowPlan, TagChange


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    summary = plan.summary
    return {
        "format_version": plan.format_version,
        "created_at": plan.created_at,
        "remote": plan.remote,
        "ontology": plan.ontology,
        "summary": {
            "add": summary.add,
            "change": summary.change,
            "delete": summary.delete,
            "rows": summary.rows,
            "tag_changes": summary.tag_changes,
            "unchanged_rows": summary.unchanged_rows,
            "unmanaged_rows": summary.unmanaged_rows,
        },
        "warnings": list(plan.warnings),
        "rows": [_row_to_dict(r) for r in plan.rows],
    }


def plan_from_dict(data: dict[str, Any]) -> Plan:
    version = str(data.get("format_version", ""))
    if version.split(".")[0] != FORMAT_VERSION.split(".")[0]:
        raise PlanFileError(
            f"this plan has format_version {version or 'none'}; this labelsync reads {FORMAT_VERSION}: "
            "make the plan again with this version"
        )
    try:
        rows = tuple(_row_from_dict(r) for r in data["rows"])
        noted = sum(1 for r in rows if not r.has_changes)  # the summary counts them as unchanged
        return Plan(
            remote=data["remote"],
            ontology=data["ontology"],
            rows=rows,
            unchanged_rows=data["summary"]["unchanged_rows"] - noted,
            unmanaged_rows=data["summary"]["unmanaged_rows"],
            warnings=tuple(data.get("warnings", ())),
            created_at=data.get("created_at", ""),
            format_version=version,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanFileError(
            f"the plan file is damaged ({type(exc).__name__}: {exc}): make the plan again"
        ) from None


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
    }


def _change_from_dict(data: dict[str, Any]) -> LabelChange:
    return LabelChange(
        action=Action(data["action"]),
        kind=data["kind"],
        hash=data["hash"],
        name=data["name"],
        class_name=data["class"],
        before=label_from_dict(data["before"]) if data["before"] else None,
        after=label_from_dict(data["after"]) if data["after"] else None,
        fields=tuple(FieldChange(f["path"], f["before"], f["after"]) for f in data["fields"]),
        tags=tuple(_tag_from_dict(t) for t in data["tags"]),
    )


def _row_to_dict(row: RowPlan) -> dict[str, Any]:
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
        },
        "changes": [_change_to_dict(c) for c in row.changes],
        "tag_changes": [_tag_to_dict(t) for t in row.tag_changes],
        "tags": list(row.tags) if row.tags is not None else None,
        "frame_tags": frame_tags_to_dict(row.frame_tags) if row.frame_tags is not None else None,
    }


def _row_from_dict(data: dict[str, Any]) -> RowPlan:
    return RowPlan(
        key=RowKey(data["data_hash"], data["branch"]),
        title=data["title"],
        file=data["file"],
        label_hash=data["label_hash"],
        before=data["before"],
        after=data["after"],
        changes=tuple(_change_from_dict(c) for c in data["changes"]),
        tag_changes=tuple(_tag_from_dict(t) for t in data["tag_changes"]),
        tags=tuple(data["tags"]) if data["tags"] is not None else None,
        frame_tags=frame_tags_from_dict(data["frame_tags"]) if data["frame_tags"] is not None else None,
        kept=data["counts"]["kept"],
        carried=data["counts"].get("carried", 0),
    )
