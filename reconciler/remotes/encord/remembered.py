"""What Encord rows held when labelsync last read them, so a no-change plan fetches none of them.

Encord's listing says when each row was last edited (`last_edited_at`, to the second), not what it holds.
Each row labelsync reads is remembered in `.labelsync/encord-rows.json` by its label hash: that edit time,
a digest of the row's items in the project's tag collections (tags live outside the row, and tagging does
not move its edit time), and its fingerprint. A listed row whose edit time and tag digest are the ones
remembered is listed with the remembered fingerprint, so the planner treats it as it treats any row whose
fingerprint the remote lists: hash-first, never fetched when its label file matches.

A read is remembered only when the row's edit time is at least `SETTLED` seconds older than the read (by
this machine's clock): an edit in the same second as the read would keep the row's edit time and be
missed. The file is a cache of facts about rows, scoped to the project, its ontology and the decoder
version: a damaged or foreign file is ignored (and rewritten), never trusted further than a fingerprint
that apply checks again against the row itself before writing it.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from reconciler.atomic import kept_mode, write_atomically

FILE = ".labelsync/encord-rows.json"
VERSION = "1"
"""Of the decoder and of this file: a change to either makes every entry a miss."""
SETTLED = 5.0
MAX_BYTES = 256 * 1024 * 1024
"""A larger file is not read (about 200 bytes an entry: a million rows)."""

Entry = tuple[str, str, str]
"""(edit time, tag digest, fingerprint)."""


class RowMemory:
    def __init__(self, path: Path | None, scope: str) -> None:
        self.path, self.scope = path, scope
        self.entries: dict[str, Entry] = {}
        self._dirty = False
        if path is None:
            return
        try:
            if path.stat().st_size > MAX_BYTES:
                return
            data = orjson.loads(path.read_bytes())
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("version") == VERSION and data.get("scope") == scope:
            rows = data.get("rows")
            if isinstance(rows, dict):
                self.entries = {
                    str(label_hash): (str(e[0]), str(e[1]), str(e[2]))
                    for label_hash, e in rows.items()
                    if isinstance(e, list) and len(e) == 3
                }

    def fingerprint(self, label_hash: str, edited: str, tags: str) -> str | None:
        entry = self.entries.get(label_hash)
        return entry[2] if entry is not None and entry[:2] == (edited, tags) else None

    def edited(self, label_hash: str) -> str | None:
        """The edit time remembered for the row (to look up its tag digest only when that matches)."""
        entry = self.entries.get(label_hash)
        return entry[0] if entry is not None else None

    def remember(self, label_hash: str, edited: str, tags: str, fingerprint: str) -> None:
        if self.path is not None and self.entries.get(label_hash) != (edited, tags, fingerprint):
            self.entries[label_hash] = (edited, tags, fingerprint)
            self._dirty = True

    def forget(self, label_hash: str) -> None:
        if self.entries.pop(label_hash, None) is not None:
            self._dirty = True

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        payload = {"version": VERSION, "scope": self.scope, "rows": self.entries}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, orjson.dumps(payload), kept_mode(self.path))
        except OSError:
            return  # a cache: the next run reads the rows again
        self._dirty = False
