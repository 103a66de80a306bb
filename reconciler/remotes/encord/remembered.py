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

from reconciler.cache_file import read_cache, write_cache

FILE = ".labelsync/encord-rows.json"
VERSION = "1"
"""Of the decoder and of this file: a change to either makes every entry a miss."""
SETTLED = 5.0

Entry = tuple[str, str, str]
"""(edit time, tag digest, fingerprint)."""


class RowMemory:
    def __init__(self, path: Path | None, scope: str) -> None:
        self.path, self.scope = path, scope
        self.entries: dict[str, Entry] = {}
        self._dirty = False
        data = read_cache(path, version=VERSION, scope=scope)
        rows = data.get("rows") if data is not None else None
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
        if write_cache(self.path, {"version": VERSION, "scope": self.scope, "rows": self.entries}):
            self._dirty = False
