"""The REST API (`/v2/public/...`): project, ontology, branches and project collections.

Bodies are camelCase JSON; errors are real HTTP statuses with `{"message": ...}`; lists are pages
`{"results": [...], "nextPageToken": "<offset>" | null}` of at most `page_size` entries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .rows import annotation_frames, metadata, metadata_dto
from .store import Store


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status, self.message = status, message


@dataclass
class RestCall:
    store: Store
    method: str
    groups: tuple[str, ...]
    query: dict[str, list[str]]
    body: Any
    page_size: int

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def page(self, items: list[Any], size_param: str = "pageSize") -> dict[str, Any]:
        start = int(self.arg("pageToken") or 0)
        size = min(int(self.arg(size_param) or self.page_size), self.page_size)
        end = start + size
        return {"results": items[start:end], "nextPageToken": str(end) if end < len(items) else None}


def _iso(value: str) -> str:
    return datetime.fromisoformat(value).isoformat()


def _project(call: RestCall) -> dict[str, Any]:
    project = call.store.project(call.groups[0])
    if project is None:
        raise HttpError(404, f"project {call.groups[0]} not found")
    return project


def get_project(call: RestCall) -> dict[str, Any]:
    p = _project(call)
    ontology = call.store.ontology(p["ontology_hash"])
    assert ontology is not None
    return {
        "projectHash": p["hash"],
        "projectType": "workflow",
        "status": "inProgress",
        "title": p["title"],
        "description": p["description"],
        "createdAt": _iso(p["created_at"]),
        "lastEditedAt": _iso(p["created_at"]),
        "creatorEmail": "admin@fake-encord.invalid",
        "ontologyHash": p["ontology_hash"],
        "editorOntology": ontology["editor"],
        "userRole": 0,
    }


def get_ontology(call: RestCall) -> dict[str, Any]:
    o = call.store.ontology(call.groups[0])
    if o is None:
        raise HttpError(404, f"ontology {call.groups[0]} not found")
    return {
        "ontologyUuid": o["uuid"],
        "title": o["title"],
        "description": "",
        "editor": o["editor"],
        "createdAt": _iso(o["created_at"]),
        "lastEditedAt": _iso(o["created_at"]),
        "userRole": 0,
    }


def list_branches(call: RestCall) -> dict[str, Any]:
    _project(call)
    return call.page([{"name": b} for b in call.store.branches(call.groups[0])], size_param="limit")


def _collection_dto(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "collectionUuid": c["uuid"],
        "name": c["name"],
        "description": c["description"],
        "createdAt": _iso(c["created_at"]),
        "lastEditedAt": _iso(c["last_edited_at"]),
        "projectUuid": c["project_hash"],
        "collectionType": c["type"],
    }


def _collection(call: RestCall) -> dict[str, Any]:
    _project(call)
    found = [c for c in call.store.collections(call.groups[0]) if c["uuid"] == call.groups[1]]
    if not found:
        raise HttpError(404, f"collection {call.groups[1]} not found")
    return found[0]


def list_collections(call: RestCall) -> dict[str, Any]:
    _project(call)
    wanted = set(call.query.get("uuids", []))
    found = [c for c in call.store.collections(call.groups[0]) if not wanted or c["uuid"] in wanted]
    return call.page([_collection_dto(c) for c in found])


def create_collection(call: RestCall) -> str:
    _project(call)
    body = call.body if isinstance(call.body, dict) else {}
    if not body.get("name") or body.get("collectionType") not in ("FRAME", "LABEL"):
        raise HttpError(400, "a collection needs a name and a collectionType of FRAME or LABEL")
    return call.store.add_collection(
        call.groups[0], body["name"], body.get("description") or "", body["collectionType"]
    )


def update_collection(call: RestCall) -> None:
    _collection(call)
    body = call.body if isinstance(call.body, dict) else {}
    call.store.update_collection(call.groups[1], body.get("name"), body.get("description"))


def delete_collection(call: RestCall) -> None:
    _project(call)
    call.store.delete_collection(call.groups[1])


def list_items(call: RestCall) -> dict[str, Any]:
    _collection(call)
    project, labels = call.groups[0], call.arg("getLabels") == "true"
    grouped: dict[str, list[dict[str, Any]]] = {}
    for data_hash, frame, annotation in call.store.collection_items(call.groups[1]):
        if labels and annotation:
            grouped.setdefault(data_hash, []).append({"frame": frame, "annotationId": annotation})
        elif not labels and {"frame": frame} not in grouped.get(data_hash, []):
            grouped.setdefault(data_hash, []).append({"frame": frame})
    page = call.page(list(grouped.items()))  # the page first: each item reads its whole row for the metadata

    def item(data_hash: str, instances: list[dict[str, Any]]) -> dict[str, Any]:
        unit = call.store.unit(project, data_hash)
        assert unit is not None
        entry = metadata(unit, call.store.row_head(project, data_hash), "main")
        return {"labelRowMetadata": metadata_dto(entry), "instances": instances}

    return {**page, "results": [item(*pair) for pair in page["results"]]}


def _item_fails(call: RestCall, kind: str, item: Any) -> bool:
    if not isinstance(item, dict):
        return True
    unit = call.store.unit(call.groups[0], str(item.get("dataUuid")))
    frame, annotation = item.get("frame"), item.get("annotationId")
    if unit is None or not isinstance(frame, int) or not 0 <= frame < unit.frames:
        return True
    if kind == "FRAME":
        return annotation is not None
    row = call.store.row(call.groups[0], unit.data_hash)
    return not annotation or row is None or frame not in annotation_frames(row.row).get(annotation, set())


def change_items(call: RestCall) -> dict[str, Any]:
    """add-items / remove-items: invalid items come back in `failedItems`, the rest are applied."""
    collection = _collection(call)
    items = call.body.get("items") if isinstance(call.body, dict) else None
    if not isinstance(items, list):
        raise HttpError(400, "items must be a list")
    change = call.store.add_item if call.groups[2] == "add-items" else call.store.remove_item
    failed = []
    for item in items:
        if _item_fails(call, collection["type"], item):
            failed.append(item)
        else:
            change(collection["uuid"], item["dataUuid"], item["frame"], item.get("annotationId"))
    return {"failedItems": failed}


Route = tuple[str, re.Pattern[str], Callable[[RestCall], Any]]
_ID = r"([^/]+)"
ROUTES: list[Route] = [
    ("GET", re.compile(rf"projects/{_ID}"), get_project),
    ("GET", re.compile(rf"projects/{_ID}/branches"), list_branches),
    ("GET", re.compile(rf"ontologies/{_ID}"), get_ontology),
    ("GET", re.compile(rf"active/{_ID}/collections"), list_collections),
    ("POST", re.compile(rf"active/{_ID}/collections"), create_collection),
    ("PATCH", re.compile(rf"active/{_ID}/collections/{_ID}"), update_collection),
    ("DELETE", re.compile(rf"active/{_ID}/collections/{_ID}"), delete_collection),
    ("GET", re.compile(rf"active/{_ID}/collections/{_ID}/items"), list_items),
    ("POST", re.compile(rf"active/{_ID}/collections/{_ID}/(add-items|remove-items)"), change_items),
]


def route(method: str, path: str) -> tuple[Callable[[RestCall], Any], tuple[str, ...]] | None:
    """The handler for `path` (relative to /v2/public/) and the ids captured from it."""
    for m, pattern, handler in ROUTES:
        match = pattern.fullmatch(path)
        if m == method and match:
            return handler, match.groups()
    return None
