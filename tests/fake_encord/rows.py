"""The shapes the server sends: label row dicts, row metadata, and what it checks in a saved row.

Written from the wire format (docs in /work/shared/encord-reference.md), not from the SDK's code.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

FILE_TYPES = {
    "image": "image/jpeg",
    "video": "video/mp4",
    "img_group": "image/jpeg",
    "dicom": "application/dicom",
    "nifti": "application/x-nifti",
    "audio": "audio/mpeg",
    "plain_text": "text/plain",
    "pdf": "application/pdf",
    "time_series": "text/csv",
    "group": "group",
    "scene": "scene",
}
"""The data types served (the row dict's `data_type`), each with the `file_type` a data unit has by default.
`dicom_study` is not among them: the SDK (0.1.211) cannot parse its rows."""
ROW_KEYS = ("data_units", "object_answers", "classification_answers", "object_actions")
MULTI_FRAME = frozenset({"video", "dicom", "nifti", "pdf", "scene"})
"""Types whose data unit keeps its labels per frame (`labels: {"<frame>": {...}}`)."""
FRAME_BASED = frozenset({"image", "img_group", *MULTI_FRAME})
"""Types whose classification ranges are frames (on the others they are samples, characters or times)."""
SIZED = frozenset({"image", "video", "dicom", "nifti"})
"""Types whose listing entry has the data unit's width and height (an image group's images have their own)."""


@dataclass(frozen=True)
class Image:
    """One image of an image group: its own data hash, title and size."""

    data_hash: str
    title: str
    width: int
    height: int


@dataclass(frozen=True)
class Unit:
    """A data unit (one label row per branch)."""

    data_hash: str
    project_hash: str
    title: str
    type: str  # a key of FILE_TYPES
    frames: int
    fps: float | None
    width: int
    height: int
    dataset_hash: str
    dataset_title: str
    images: tuple[Image, ...] = ()
    """An image group's images, when given at seeding (else derived: `image_hashes`, the unit's size)."""
    file_type: str | None = None
    duration: float | None = None
    audio: dict[str, Any] | None = None
    """audio_codec, audio_sample_rate, audio_bit_depth, audio_num_channels of an audio file."""
    spaces: dict[str, Any] | None = None
    """A data group's or scene's spaces: space id -> space info (as the listing sends it)."""

    def image_hashes(self) -> list[str]:
        """The per-image data unit hashes of an image group (the unit's own hash otherwise)."""
        if self.type != "img_group":
            return [self.data_hash]
        if self.images:
            return [image.data_hash for image in self.images]
        return [str(uuid.uuid5(uuid.UUID(self.data_hash), str(i))) for i in range(self.frames)]

    def group_images(self) -> list[Image]:
        """An image group's images: as seeded, or `<title>/<i>.jpg` of the unit's size."""
        if self.images:
            return list(self.images)
        return [
            Image(h, f"{self.title}/{i}.jpg", self.width, self.height) for i, h in enumerate(self.image_hashes())
        ]

    @property
    def served_file_type(self) -> str:
        return self.file_type or FILE_TYPES[self.type]

    @property
    def served_duration(self) -> float | None:
        if self.duration is not None:
            return self.duration
        if self.type in ("video", "audio") and self.fps:
            return self.frames / self.fps
        return None


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
    """The dict of a row with no labels, as a creation (labelrow PUT) answers it: per data type the data unit
    fields the SDK's `to_encord_dict` writes (and reads back in `from_labels_dict`)."""
    empty_frame: dict[str, Any] = {"objects": [], "classifications": []}
    data_units = {}
    if unit.type == "img_group":
        for i, image in enumerate(unit.group_images()):
            data_units[image.data_hash] = {
                "data_hash": image.data_hash,
                "data_title": image.title,
                "data_link": None,
                "data_type": unit.served_file_type,
                "data_sequence": str(i),
                "width": image.width,
                "height": image.height,
                "labels": dict(empty_frame),
            }
    else:
        du: dict[str, Any] = {
            "data_hash": unit.data_hash,
            "data_title": "" if unit.type in ("group", "scene") else unit.title,
            "data_link": None,
            "data_type": unit.served_file_type,
            "data_sequence": 0,
            "labels": {} if unit.type in MULTI_FRAME else dict(empty_frame),
        }
        if unit.type in ("dicom", "group"):  # the two the SDK writes without a link
            del du["data_link"]
        if unit.type in SIZED:
            du["width"], du["height"] = unit.width, unit.height
        elif unit.type in ("pdf", "scene"):
            du["width"], du["height"], du["data_fps"] = 0, 0, 0
        if unit.type == "scene":
            du["data_link"] = ""
        if unit.type == "video":
            du["data_fps"] = unit.fps
            du["data_duration"] = unit.served_duration
        if unit.type == "audio":
            du.update(unit.audio or {})
            du["data_duration"] = unit.served_duration
        data_units[unit.data_hash] = du
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
        "spaces": copy.deepcopy(unit.spaces or {}),
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


def metadata(unit: Unit, stored: StoredRow | None, branch: str, images_data: bool = False) -> dict[str, Any]:
    """One entry of the labelrowmetadata listing (snake case); `label_hash` null for a row not created yet.

    What `LabelRowMetadata.from_dict` and the `LabelRowV2` built from it read per data type: the frame count
    (DICOM and NIfTI slices, PDF pages, audio samples), fps and duration (video, audio), the size (image, video,
    DICOM, NIfTI; an image group's images carry their own), the audio fields, and a group's or scene's spaces.
    With `images_data` (the SDK's `include_images_data`), an image group's entry lists its images, each with
    its size, in the fields `LabelRowReadOnlyDataImagesDataEntry` takes.
    """
    timed = unit.type in ("video", "audio")
    audio = unit.audio or {}
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
        "frames_per_second": unit.fps if timed else None,
        "duration": unit.served_duration if timed else None,
        "height": unit.height if unit.type in SIZED else None,
        "width": unit.width if unit.type in SIZED else None,
        "audio_sample_rate": audio.get("audio_sample_rate"),
        "audio_codec": audio.get("audio_codec"),
        "audio_bit_depth": audio.get("audio_bit_depth"),
        "audio_num_channels": audio.get("audio_num_channels"),
        "spaces": copy.deepcopy(unit.spaces or {}),
        "file_type": unit.served_file_type,
        "is_valid": True,
        **({"images_data": _images_data(unit)} if images_data and unit.type == "img_group" else {}),
    }


def _images_data(unit: Unit) -> list[dict[str, Any]]:
    return [
        {
            "index": i,
            "title": image.title,
            "file_type": unit.served_file_type,
            "height": image.height,
            "width": image.width,
            "image_hash": image.data_hash,
        }
        for i, image in enumerate(unit.group_images())
    ]


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
    """objectHash / classificationHash -> the frames it is on (frame-based data types only: on audio, text and
    time series ranges are samples, characters or times, and a data group's labels live in its spaces)."""
    frames: dict[str, set[int]] = {}
    if row.get("data_type") not in FRAME_BASED:
        return frames
    for du in row.get("data_units", {}).values():
        labels = du.get("labels", {})
        if "objects" in labels or "classifications" in labels:
            per_frame = {int(du.get("data_sequence", 0)): labels}
        else:  # a scene also keys its camera images' labels by `<stream>#<frame>`: not frames of the unit
            per_frame = {int(f): v for f, v in labels.items() if str(f).isdigit()}
        for frame, content in per_frame.items():
            for obj in content.get("objects", []):
                frames.setdefault(obj.get("objectHash"), set()).add(frame)
    for h, answer in row.get("classification_answers", {}).items():
        for start, end in answer.get("range") or []:
            frames.setdefault(h, set()).update(range(int(start), int(end) + 1))
    return frames
