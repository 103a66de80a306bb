"""The RPC API (`POST /public`): label row listing, fetch, creation and save.

A call is `{"query_type", "query_method", "values": {"uid", "payload"}}` on the project named by the
`ResourceID` header; every answer is HTTP 200 with `{"status": 200, "response": ...}` or an error
envelope `{"status": 4xx, "response": ["<CODE>"], "payload": ...}`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .rows import StoredRow, Unit, filter_features, metadata, parse_time, row_problem, served_row
from .store import Store


class RpcError(Exception):
    def __init__(self, code: str, payload: Any = None, status: int = 400) -> None:
        super().__init__(code, payload)
        self.code, self.payload, self.status = code, payload, status


def uid_list(uid: Any) -> list[str]:
    if uid is None:
        return []
    return [str(u) for u in uid] if isinstance(uid, list) else [str(uid)]


def list_metadata(store: Store, project: str, uid: Any, p: dict[str, Any]) -> list[dict[str, Any]]:
    """labelrowmetadata GET: one entry per (data unit, branch); not paged."""
    branch, all_branches = p.get("branch_name"), bool(p.get("include_all_label_branches"))
    if branch and all_branches:
        raise RpcError("INVALID_ARGUMENTS_ERROR", "branch_name cannot be combined with include_all_label_branches")
    rows: dict[str, list[StoredRow]] = {}
    for r in store.row_heads(project):  # a listing reads no row's labels
        rows.setdefault(r.data_hash, []).append(r)
    entries: list[tuple[Unit, StoredRow | None, str]] = []
    for unit in store.units(project):
        mine = rows.get(unit.data_hash, [])
        wanted = branch or "main"
        on_branch = next((r for r in mine if r.branch == wanted), None)
        entries.append((unit, on_branch, wanted))
        if all_branches:
            entries += [(unit, r, r.branch) for r in sorted(mine, key=lambda r: r.branch) if r.branch != "main"]
    images = bool(p.get("include_images_data"))
    return [metadata(u, r, b, images_data=images) for u, r, b in entries if _keep(u, r, p)]


def _keep(unit: Unit, row: StoredRow | None, p: dict[str, Any]) -> bool:
    if p.get("data_hashes") is not None and unit.data_hash not in p["data_hashes"]:
        return False
    if p.get("label_hashes") is not None and (row is None or row.label_hash not in p["label_hashes"]):
        return False
    if p.get("data_title_eq") is not None and unit.title != p["data_title_eq"]:
        return False
    if p.get("data_title_like") is not None and not _like(unit.title, p["data_title_like"]):
        return False
    if row is None and (
        p.get("edited_before") or p.get("edited_after") or not p.get("include_uninitialised_labels")
    ):
        return False
    if row is not None and p.get("edited_after") and row.last_edited_at <= parse_time(p["edited_after"]):
        return False
    if row is not None and p.get("edited_before") and row.last_edited_at >= parse_time(p["edited_before"]):
        return False
    status = row.row.get("label_status", "LABEL_IN_PROGRESS") if row else "NOT_LABELLED"
    return p.get("label_statuses") is None or status in p["label_statuses"]


def _like(value: str, pattern: str) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.IGNORECASE | re.DOTALL) is not None


def get_rows(store: Store, project: str, uid: Any, p: dict[str, Any]) -> Any:
    """labelrow GET: the rows with these label hashes (a list when `multi_request`)."""
    out = []
    for label_hash in uid_list(uid):
        stored = store.row_by_label_hash(project, label_hash)
        if stored is None:
            raise RpcError("RESOURCE_NOT_FOUND_ERROR", f"label row {label_hash} not found")
        out.append(
            filter_features(
                served_row(stored),
                p.get("include_object_feature_hashes"),
                p.get("include_classification_feature_hashes"),
            )
        )
    return out if p.get("multi_request") else out[0]


def create_rows(store: Store, project: str, uid: Any, p: dict[str, Any]) -> Any:
    """labelrow PUT: create the rows of these data hashes on `branch_name` (main); an existing row is returned."""
    branch = p.get("branch_name") or "main"
    units = []
    for data_hash in uid_list(uid):
        unit = store.unit(project, data_hash)
        if unit is None:
            raise RpcError("RESOURCE_NOT_FOUND_ERROR", f"data unit {data_hash} not found in the project")
        units.append(unit)
    out = [served_row(store.create_row(unit, branch)) for unit in units]
    return out if p.get("multi_request") else out[0]


def save_rows(store: Store, project: str, uid: Any, p: dict[str, Any]) -> Any:
    """labelrow POST: replace each row's dict; all or nothing."""
    labels = (
        p.get("labels")
        if p.get("multi_request")
        else [{k: v for k, v in p.items() if k != "validate_before_saving"}]
    )
    uids = uid_list(uid)
    if not isinstance(labels, list) or len(labels) != len(uids):
        raise RpcError("INVALID_ARGUMENTS_ERROR", "uid and labels must be lists of the same length")
    writes = []
    for label_hash, row in zip(uids, labels, strict=True):
        stored = store.row_by_label_hash(project, label_hash)
        if stored is None:
            raise RpcError("RESOURCE_NOT_FOUND_ERROR", f"label row {label_hash} not found")
        unit = store.unit(project, stored.data_hash)
        assert unit is not None
        problem = row_problem(row, unit)
        if problem is None and row.get("label_hash") not in (None, label_hash):
            problem = ("INVALID_ARGUMENTS_ERROR", f"row {row.get('label_hash')} sent under uid {label_hash}")
        if problem:
            raise RpcError(*problem)
        writes.append((label_hash, row))
    store.replace_rows(project, writes)
    return True


Handler = Callable[[Store, str, Any, dict[str, Any]], Any]
HANDLERS: dict[str, Handler] = {
    "labelrowmetadata.GET": list_metadata,
    "labelrow.GET": get_rows,
    "labelrow.PUT": create_rows,
    "labelrow.POST": save_rows,
}


def rows_in(query: str, uid: Any, payload: Any) -> tuple[int, tuple[str, ...]]:
    """For the request log: how many uids/rows a call carries, and the data hashes it names."""
    if query == "labelrow.POST" and isinstance(payload, dict) and isinstance(payload.get("labels"), list):
        return len(payload["labels"]), tuple(
            str(r.get("data_hash")) for r in payload["labels"] if isinstance(r, dict)
        )
    uids = uid_list(uid)
    return len(uids), tuple(uids) if query == "labelrow.PUT" else ()
