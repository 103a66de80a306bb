"""A content cache for label files: a file whose bytes, data unit and ontology have not changed
since it was last found clean need not be parsed again to know its row's fingerprint.

It lives in `.labelsync/desired-cache.json` (not committed). Only clean files are cached, and an
entry counts only when everything its result depends on is the same: the file's bytes, the data
unit it names, the ontology, the defaults, the read limits, the loader version, and the bytes of
every PNG mask the file read (an entry keeps their digests, and the masks are digested again
before the entry counts).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

LOADER_VERSION = "3"


def digest(text: str) -> str:
    return content_digest(text.encode())


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    digest: str
    context: str
    title: str | None
    data_hash: str | None
    branch: str
    row_data_hash: str
    prune: bool
    fingerprint: str
    masks: tuple[tuple[str, str], ...] = ()
    """(path relative to the label file's folder, digest) of each mask the file read."""
    labels: int = 0
    """How many labels the file declares: what a mass-delete guard measures deletes against."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "masks", tuple((str(path), str(sha)) for path, sha in self.masks))


class DesiredCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, CacheEntry] = {}
        self.dirty = False
        if path is not None and path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("version") == LOADER_VERSION:
                    self.entries = {name: CacheEntry(**e) for name, e in data["entries"].items()}
            except (OSError, ValueError, TypeError, KeyError):
                self.entries = {}

    def get(self, name: str, file_digest: str) -> CacheEntry | None:
        entry = self.entries.get(name)
        return entry if entry is not None and entry.digest == file_digest else None

    def put(self, name: str, entry: CacheEntry) -> None:
        if self.entries.get(name) != entry:
            self.entries[name] = entry
            self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        payload: dict[str, Any] = {
            "version": LOADER_VERSION,
            "entries": {name: asdict(e) for name, e in sorted(self.entries.items())},
        }
        tmp.write_text(json.dumps(payload, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, self.path)


def context_key(*parts: object) -> str:
    return digest(LOADER_VERSION + "\0" + "\0".join(map(str, parts)))
