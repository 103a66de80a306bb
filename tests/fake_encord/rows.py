"""The shapes the server sends: label row dicts, row metadata, and what it checks in a saved row.

Written from the wire format (docs in /work/shared/encord-reference.md), not from the SDK's code.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

FILE_TYPES = {"image": "image/jpeg", "video": "video/mp4", "img_group": "image/jpeg"}
ROW_KEYS = ("data_units", "object_answers", "classification_answers", "object_actions")


@dataclass(frozen=True)
class Unit:
    """A data unit (one label row per branch)."""

    data_hash: str
    project_hash: str
    title: str
    type: str  # image | video | img_group
    frames: int
    fps: float | None
    width: int
    height: int
    dataset_hash: str
    dataset_title: str

    def image_hashes(self) -> list[str]:
        """The per-image data unit hashes of an image group (the unit's own hash otherwise)."""
        if self.type != "img_group":
            return [self.data_hash]
        return [str(uuid.uuid5(uuid.UUID(self.data_hash), str(i))) for i in range(self.frames)]


@dataclass(frozen=True)
class StoredRow:
    label_hash: str
    data_hash: str
    branch: str
    row: dict[str, Any]
    created_at: datetime
    last_edited_at: datetime


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def long_time(t: datetime) -> str:
    """The row dict's timestamp format, one-second resolution: `Thu, 01 May 2025 13:53:59 UTC`."""
    return t.astimezone(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S UTC")


def short_time(t: datetime) -> str:
    """The listing's timestamp format, one-second resolution: `2025-05-01 13:53:59`."""
    return t.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def parse_time(value: str) -> datetime:
    t = datetime.fromisoformat(value)
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def new_row(unit: Unit, label_hash: str, branch: str) -> dict[str, Any]:
    """The dict of a row with no labels, as a creation (labelrow PUT) answers it."""
    empty_frame: dict[str, Any] = {"objects": [], "classifications": []}
    data_units = {}
    for i, image_hash in enumerate(unit.image_hashes()):
        du: dict[str, Any] = {
            "data_hash": image_hash,
            "data_title": unit.title if unit.type != "img_group" else f"{unit.title}/{i}.jpg",
            "data_link": None,
            "data_type": FILE_TYPES[unit.type],
            "data_sequence": str(i) if unit.type == "img_group" else 0,
            "width": unit.width,
            "height": unit.height,
            "labels": {} if unit.type == "video" else dict(empty_frame),
        }
        if unit.type == "video":
            du["data_fps"] = unit.fps
            du["data_duration"] = unit.frames / unit.fps if unit.fps else None
        data_units[image_hash] = du
    return {
        "label_hash": label_hash,
        "branch_name": branch,
        "created_at": None,
        "last_edited_at": None,
        "data_hash": unit.data_hash,
        "dataset_hash": unit.dataset_hash,
        "dataset_title": unit.dataset_title,
        "data_title": unit.title,
        "data_type": unit.type,
        "annotation_task_status": None,
        "is_shadow_data": False,
        "object_answers": {},
        "classification_answers": {},
        "object_actions": {},
        "label_status": "LABEL_IN_PROGRESS",
        "data_units": data_units,
        "spaces": {},
    }


def served_row(stored: StoredRow) -> dict[str, Any]:
    """The stored dict with the fields the server owns laid over it."""
    return {
        **stored.row,
        "label_hash": stored.label_hash,
        "branch_name": stored.branch,
        "data_hash": stored.data_hash,
        "created_at": long_time(stored.created_at),
        "last_edited_at": long_time(stored.last_edited_at),
    }


def metadata(unit: Unit, stored: StoredRow | None, branch: str) -> dict[str, Any]:
    """One entry of the labelrowmetadata listing (snake case); `label_hash` null for a row not created yet."""
    video = unit.type == "video"
    return {
        "label_hash": stored.label_hash if stored else None,
        "created_at": short_time(stored.created_at) if stored else None,
        "last_edited_at": short_time(stored.last_edited_at) if stored else None,
        "branch_name": branch,
        "data_hash": unit.data_hash,
        "dataset_hash": unit.dataset_hash,
        "dataset_title": unit.dataset_title,
        "data_title": unit.title,
        "data_type": unit.type.upper(),
        "data_link": None,
        "label_status": stored.row.get("label_status", "LABEL_IN_PROGRESS") if stored else "NOT_LABELLED",
        "annotation_task_status": None,
        "workflow_graph_node": None,
        "is_shadow_data": False,
        "number_of_frames": unit.frames,
        "frames_per_second": unit.fps if video else None,
        "duration": unit.frames / unit.fps if video and unit.fps else None,
        "height": unit.height if unit.type != "img_group" else None,
        "width": unit.width if unit.type != "img_group" else None,
        "audio_sample_rate": None,
        "audio_codec": None,
        "audio_bit_depth": None,
        "audio_num_channels": None,
        "spaces": {},
        "file_type": FILE_TYPES[unit.type],
        "is_valid": True,
    }


def metadata_dto(entry: dict[str, Any]) -> dict[str, Any]:
    """The same entry as the REST API (collections) spells it: `*_uuid` ids, camelCase otherwise."""
    renamed = {"label_hash": "label_uuid", "data_hash": "data_uuid", "dataset_hash": "dataset_uuid"}
    out = {}
    for key, value in entry.items():
        head, *rest = key.split("_")
        out[renamed.get(key, head + "".join(p.title() for p in rest))] = value
    return out


def filter_features(
    row: dict[str, Any], objects: list[str] | None, classifications: list[str] | None
) -> dict[str, Any]:
    """The row restricted to the given object / classification featureHashes (None: all)."""
    row = dict(row)
    dropped: set[str] = set()

    def keep(frame: dict[str, Any]) -> dict[str, Any]:
        kept = [o for o in frame.get("objects", []) if objects is None or o.get("featureHash") in objects]
        dropped.update(o.get("objectHash") for o in frame.get("objects", []) if o not in kept)
        return {**frame, "objects": kept}

    units = {}
    for du_hash, du in row["data_units"].items():
        labels = du.get("labels", {})
        flat = "objects" in labels or "classifications" in labels
        labels = keep(labels) if flat else {f: keep(v) for f, v in labels.items()}
        units[du_hash] = {**du, "labels": labels}
    row["data_units"] = units
    row["object_answers"] = {k: v for k, v in row["object_answers"].items() if k not in dropped}
    row["object_actions"] = {k: v for k, v in row["object_actions"].items() if k not in dropped}
    if classifications is not None:
        row["classification_answers"] = {
            k: v for k, v in row["classification_answers"].items() if v.get("featureHash") in classifications
        }
    return row


def row_problem(row: Any, unit: Unit) -> tuple[str, str] | None:
    """Why the server would refuse to store this row: (error code, message), or None."""
    if not isinstance(row, dict) or any(not isinstance(row.get(k), dict) for k in ROW_KEYS):
        return "INVALID_ARGUMENTS_ERROR", f"a label row needs the dicts {ROW_KEYS}"
    if row.get("data_hash") != unit.data_hash:
        return "INVALID_ARGUMENTS_ERROR", f"data_hash {row.get('data_hash')} does not belong to this label row"
    if set(row["data_units"]) - set(unit.image_hashes()):
        return "INVALID_ARGUMENTS_ERROR", "unknown data unit in data_units"
    for frame in annotation_frames(row).values():
        if any(not 0 <= f < unit.frames for f in frame):
            return "CORRUPTED_LABEL_ERROR", f"a label lies outside the {unit.frames} frames of {unit.data_hash}"
    return None


def annotation_frames(row: dict[str, Any]) -> dict[str, set[int]]:
    """objectHash / classificationHash -> the frames it is on."""
    frames: dict[str, set[int]] = {}
    for du in row.get("data_units", {}).values():
        labels = du.get("labels", {})
        if "objects" in labels or "classifications" in labels:
            per_frame = {int(du.get("data_sequence", 0)): labels}
        else:
            per_frame = {int(f): v for f, v in labels.items()}
        for frame, content in per_frame.items():
            for obj in content.get("objects", []):
                frames.setdefault(obj.get("objectHash"), set()).add(frame)
    for h, answer in row.get("classification_answers", {}).items():
        for start, end in answer.get("range", []):
            frames.setdefault(h, set()).update(range(int(start), int(end) + 1))
    return frames
