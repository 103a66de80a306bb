"""File signatures: a label file unchanged since it was last read is known without reading it again.

As git's index does: a regular file (not a link) whose size, modification and change times, inode and device
are those recorded when it was last read has the content digest recorded then, and the two facts about its
text the loader looks for before parsing (whether it may name a `branch:` or rename with `was:`). Its text is
read only if something asks for it (`Source.text`), and is checked against the digest then.

Kept in `.labelsync/file-signatures.json`. A file is recorded only when its signature was the same before and
after it was read and its last change is more than `SETTLED` seconds old (a write in the same clock tick as the
read could leave the signature as it was). A checkout makes new inodes and change times, so a signature file
carried to another machine or clone matches nothing there; a damaged one is ignored.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import NamedTuple

from reconciler.cache_file import read_cache, write_cache

FILE = ".labelsync/file-signatures.json"
VERSION = 1
SETTLED = 2.0

Signature = list[int]


def signature(info: os.stat_result) -> Signature:
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]


class Known(NamedTuple):
    digest: str
    may_branch: bool
    may_rename: bool


class Signatures:
    def __init__(self, path: Path | None, root: Path, *, read_only: bool = False) -> None:
        """`read_only`: the file is read, never written (`validate`)."""
        self.path, self.root = path, str(root)
        self.read_only = read_only
        data = read_cache(path, version=VERSION, root=self.root)
        files = (data or {}).get("files")
        self.entries: dict[str, list[object]] = files if isinstance(files, dict) else {}
        """File name -> [*signature, digest, may_branch, may_rename], as in the file: checked when looked up."""
        self._dirty = False

    def known(self, name: str, info: os.stat_result) -> Known | None:
        entry = self.entries.get(name)
        if (  # `signature(info)` compared field by field: no lists made for the 50,000 files of a warm plan
            type(entry) is list
            and len(entry) == 8
            and entry[0] == info.st_size
            and entry[1] == info.st_mtime_ns
            and entry[2] == info.st_ctime_ns
            and entry[3] == info.st_ino
            and entry[4] == info.st_dev
            and type(entry[5]) is str
        ):
            return Known(entry[5], entry[6] is True, entry[7] is True)
        return None

    def record(self, name: str, before: os.stat_result, after: os.stat_result, known: Known) -> None:
        """`known` of the file read between `before` and `after` (its lstat each time)."""
        if self.path is None or signature(before) != signature(after):
            return
        if time.time_ns() - max(after.st_mtime_ns, after.st_ctime_ns) < SETTLED * 1e9:
            return
        entry: list[object] = [*signature(after), known.digest, known.may_branch, known.may_rename]
        if self.entries.get(name) != entry:
            self.entries[name] = entry
            self._dirty = True

    def save(self, names: set[str], prune: bool = True) -> None:
        """Write the entries when anything changed; with `prune`, only those of `names` (the files there are
        now: not with a subset of them)."""
        gone = self.entries.keys() - names if prune else set()
        for name in gone:
            del self.entries[name]
        if self.path is None or self.read_only or not (self._dirty or gone):
            return
        if write_cache(self.path, {"version": VERSION, "root": self.root, "files": self.entries}):
            self._dirty = False
